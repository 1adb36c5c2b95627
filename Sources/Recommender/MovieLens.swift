import Foundation

extension World {
    /// Imports a MovieLens directory (`movies.csv`: movieId,title,genres; `ratings.csv`:
    /// userId,movieId,rating,timestamp) into the world model.
    ///
    /// The first genre becomes the topic, each rating an impression (position unknown), and a rating of at
    /// least `positiveThreshold` a click. The world's "now" is the last rating's time.
    public static func importMovieLens(directory: URL, positiveThreshold: Float = 3.5) throws -> World {
        let moviesURL = directory.appendingPathComponent("movies.csv")
        let ratingsURL = directory.appendingPathComponent("ratings.csv")
        let movies = try readCSVLines(moviesURL)
        var topicIndex = [String: Int]()
        var topicNames = [String]()
        var itemIndex = [Int: Int]()
        var ext = [Int32]()
        var titles = [String]()
        var topics = [UInt16]()
        var years = [Int?]()
        for (lineNo, fields) in movies.enumerated() {
            if lineNo == 0 && fields.first == "movieId" { continue }
            guard fields.count >= 3, let id = Int(fields[0]) else {
                throw RecommenderError.badFile(path: moviesURL.path, reason: "line \(lineNo + 1): expected movieId,title,genres")
            }
            var genre = fields[2].split(separator: "|").first.map(String.init) ?? "Other"
            if genre.hasPrefix("(") { genre = "Other" }
            let t: Int
            if let existing = topicIndex[genre] {
                t = existing
            } else {
                t = topicNames.count
                topicIndex[genre] = t
                topicNames.append(genre)
            }
            itemIndex[id] = ext.count
            ext.append(Int32(truncatingIfNeeded: id))
            let title = fields[1].trimmingCharacters(in: .whitespaces)
            titles.append(title)
            topics.append(UInt16(t))
            years.append(parseYear(title))
        }
        let ratings = try readCSVLines(ratingsURL)
        var rows = [(user: Int, item: Int32, time: Int64, rating: Float)]()
        rows.reserveCapacity(ratings.count)
        var userIndex = [Int: Int]()
        var uext = [Int32]()
        for (lineNo, f) in ratings.enumerated() {
            if lineNo == 0 && f.first == "userId" { continue }
            guard f.count >= 4, let uid = Int(f[0]), let mid = Int(f[1]), let rating = Float(f[2]),
                let ts = Int64(f[3].trimmingCharacters(in: .whitespaces))
            else {
                throw RecommenderError.badFile(path: ratingsURL.path, reason: "line \(lineNo + 1): expected userId,movieId,rating,timestamp")
            }
            guard let item = itemIndex[mid] else { continue }
            let u: Int
            if let e = userIndex[uid] {
                u = e
            } else {
                u = uext.count
                userIndex[uid] = u
                uext.append(Int32(truncatingIfNeeded: uid))
            }
            rows.append((u, Int32(item), ts, rating))
        }
        rows.sort { $0.user != $1.user ? $0.user < $1.user : $0.time < $1.time }
        let n = ext.count
        var firstSeen = [Int64](repeating: .max, count: n)
        var counts = [Float](repeating: 0, count: n)
        var events = EventLog()
        events.reserve(rows.count)
        var offsets = [Int](repeating: 0, count: uext.count + 1)
        var maxTime: Int64 = 0
        for r in rows {
            offsets[r.user + 1] += 1
            events.item.append(r.item)
            events.time.append(r.time)
            events.position.append(255)
            let positive = r.rating >= positiveThreshold
            events.clicked.append(positive ? 1 : 0)
            events.watchSeconds.append(0)
            firstSeen[Int(r.item)] = min(firstSeen[Int(r.item)], r.time)
            counts[Int(r.item)] += 1
            maxTime = max(maxTime, r.time)
        }
        for u in 0..<uext.count { offsets[u + 1] += offsets[u] }
        var upload = [Int64](repeating: 0, count: n)
        for i in 0..<n {
            if let y = years[i] {
                upload[i] = Int64((Double(y - 1970) * 365.2425) * 86_400)
            } else {
                upload[i] = firstSeen[i] == .max ? maxTime : firstSeen[i]
            }
        }
        if topicNames.isEmpty { topicNames = ["Other"] }
        return World(
            name: "MovieLens (\(directory.lastPathComponent))", seed: 0, referenceTime: maxTime + 1,
            topicNames: topicNames, creatorNames: ["MovieLens"], itemTopic: topics,
            itemCreator: [Int32](repeating: 0, count: n), itemDuration: [Float](repeating: 0, count: n),
            itemUploadTime: upload, itemPopularity: counts, itemDuplicateOf: [Int32](repeating: -1, count: n),
            itemExternalIds: ext, storedTitles: titles, userExternalIds: uext, userTaste: [], userOffsets: offsets,
            events: events)
    }

    /// True when every item shares one placeholder creator (imported data without creators).
    var hasCreators: Bool { creatorNames.count > 1 }
}

private func parseYear(_ title: String) -> Int? {
    // Titles end like "Toy Story (1995)".
    guard let open = title.lastIndex(of: "("), let close = title.lastIndex(of: ")"), open < close else { return nil }
    let inner = title[title.index(after: open)..<close]
    guard inner.count == 4, let y = Int(inner), y > 1870, y < 2100 else { return nil }
    return y
}

/// Splits a CSV file into rows of fields (RFC 4180 quotes, "" escapes).
func readCSVLines(_ url: URL) throws -> [[String]] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw RecommenderError.badFile(path: url.path, reason: "\(error.localizedDescription)")
    }
    var rows = [[String]]()
    var fields = [String]()
    var field = [UInt8]()
    var inQuotes = false
    var i = 0
    let bytes = [UInt8](data)
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), nl = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    while i < bytes.count {
        let b = bytes[i]
        if inQuotes {
            if b == quote {
                if i + 1 < bytes.count && bytes[i + 1] == quote {
                    field.append(quote)
                    i += 1
                } else {
                    inQuotes = false
                }
            } else {
                field.append(b)
            }
        } else if b == quote {
            inQuotes = true
        } else if b == comma {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        } else if b == nl {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            rows.append(fields)
            fields = []
        } else if b != cr {
            field.append(b)
        }
        i += 1
    }
    if !field.isEmpty || !fields.isEmpty {
        fields.append(String(decoding: field, as: UTF8.self))
        rows.append(fields)
    }
    return rows
}
