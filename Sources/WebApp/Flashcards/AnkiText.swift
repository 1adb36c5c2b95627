import Foundation

/// One note in Anki's plain-text format.
struct AnkiNote: Sendable, Equatable {
    var guid: String
    var front: String
    var back: String
    var deck: String
    var tags: String
}

/// A line of an import that cannot be used.
struct AnkiLineError: Sendable, Equatable {
    var line: Int
    var message: String
}

/// Anki's "Notes in Plain Text" format (File ▸ Import in Anki 2.1.55+): header lines `#key:value`, then one note per
/// line, fields separated by tabs. Written by hand: no Swift library reads or writes it, and it is small.
/// Export writes header columns guid=1, front=2, back=3, deck=4, tags=5, and never puts a tab or newline inside a
/// field (they become HTML entities / `<br>`), so every note is exactly one line.
enum AnkiText {
    // MARK: export

    static func export(_ notes: [AnkiNote]) -> String {
        var out = "#separator:tab\n#html:true\n#guid column:1\n#deck column:4\n#tags column:5\n"
        for n in notes {
            out += [n.guid, n.front, n.back, n.deck, n.tags].map(field).joined(separator: "\t") + "\n"
        }
        return out
    }

    /// A field as export writes it: no tab, no line break (HTML is whitespace-insensitive outside `<pre>`, where a
    /// newline becomes `<br>`), and no leading double quote (which Anki would read as a quoted field).
    static func field(_ html: String) -> String {
        var out = ""
        var inPre = false
        var rest = Substring(html.replacingOccurrences(of: "\r", with: "").trimmingCharacters(in: .newlines))
        while let c = rest.first {
            if c == "<" {
                if rest.hasPrefix("<pre") { inPre = true } else if rest.hasPrefix("</pre") { inPre = false }
            }
            switch c {
            case "\t": out += "&#9;"
            case "\n": out += inPre ? "<br>" : " "
            default: out.append(c)
            }
            rest = rest.dropFirst()
        }
        if out.hasPrefix("\"") { out = "&quot;" + out.dropFirst() }
        return out
    }

    // MARK: import

    /// The notes of a file, or the problems with it (each with its 1-based line number). Both lists are complete:
    /// a file with any error is rejected as a whole by the caller.
    static func parse(_ text: String) -> (notes: [AnkiNote], errors: [AnkiLineError]) {
        var errors: [AnkiLineError] = []
        var notes: [AnkiNote] = []
        var guidColumn: Int?, deckColumn: Int?, tagsColumn: Int?, notetypeColumn: Int?
        var inHeader = true
        var seen: [String: Int] = [:]
        let records = split(text.replacingOccurrences(of: "\r\n", with: "\n"), errors: &errors)
        for (line, fields) in records {
            if inHeader, fields.count == 1, fields[0].hasPrefix("#") {
                let header = fields[0].dropFirst()
                guard let colon = header.firstIndex(of: ":") else { continue }
                let key = header[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                func column() -> Int? {
                    guard let n = Int(value), n >= 1 else {
                        errors.append(AnkiLineError(line: line, message: "“#\(key)” needs a column number (1 or more)."))
                        return nil
                    }
                    return n
                }
                switch key {
                case "separator":
                    if !["tab", "\t"].contains(value.lowercased()) {
                        errors.append(AnkiLineError(line: line, message: "Only tab-separated files can be imported (found “#separator:\(value)”)."))
                    }
                case "guid column": guidColumn = column()
                case "deck column": deckColumn = column()
                case "tags column": tagsColumn = column()
                case "notetype column": notetypeColumn = column()
                default: break  // #html, #columns, #deck:… and others change nothing here
                }
                continue
            }
            inHeader = false
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let special = Set([guidColumn, deckColumn, tagsColumn, notetypeColumn].compactMap { $0 })
            func value(_ column: Int?) -> String? {
                guard let column, column <= fields.count else { return nil }
                return fields[column - 1]
            }
            let content = fields.enumerated().filter { !special.contains($0.offset + 1) }.map(\.element)
            guard content.count >= 2 else {
                errors.append(AnkiLineError(line: line, message: "A note needs a front and a back separated by a tab (found \(content.count) field\(content.count == 1 ? "" : "s"))."))
                continue
            }
            let front = content[0].trimmingCharacters(in: .whitespaces), back = content[1].trimmingCharacters(in: .whitespaces)
            guard !front.isEmpty, !back.isEmpty else {
                errors.append(AnkiLineError(line: line, message: "The front and the back must not be empty."))
                continue
            }
            guard front.count <= 10_000, back.count <= 10_000 else {
                errors.append(AnkiLineError(line: line, message: "A field is longer than 10000 characters."))
                continue
            }
            var guid = value(guidColumn)?.trimmingCharacters(in: .whitespaces) ?? ""
            if guidColumn != nil && guid.isEmpty {
                errors.append(AnkiLineError(line: line, message: "The GUID (column \(guidColumn!)) is empty."))
                continue
            }
            // Without a GUID column the note's identity is its front, so importing the same file twice adds nothing.
            if guid.isEmpty { guid = "fnv-" + String(fnv1a(front), radix: 16) }
            guard guid.count <= 200, !guid.contains(where: { $0.isNewline }) else {
                errors.append(AnkiLineError(line: line, message: "The GUID is longer than 200 characters."))
                continue
            }
            if let first = seen[guid] {
                errors.append(AnkiLineError(line: line, message: "GUID “\(guid.prefix(60))” was already used on line \(first)."))
                continue
            }
            seen[guid] = line
            notes.append(AnkiNote(guid: guid, front: front, back: back, deck: deckSlug(value(deckColumn) ?? ""),
                                  tags: (value(tagsColumn) ?? "").split(separator: " ").joined(separator: " ")))
        }
        if notes.isEmpty && errors.isEmpty {
            errors.append(AnkiLineError(line: max(1, records.last?.line ?? 1), message: "The file has no notes."))
        }
        return (notes, errors)
    }

    /// Splits into records of fields, honouring Anki's quoted fields (`"…"` with `""` for a quote, may span lines).
    /// Each record carries the line it starts on.
    static func split(_ text: String, errors: inout [AnkiLineError]) -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var quoted = false, atFieldStart = true
        var chars = Array(text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && atFieldStart {
                quoted = true
                atFieldStart = false
            } else if c == "\t" {
                fields.append(field)
                field = ""
                atFieldStart = true
            } else if c == "\n" {
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                atFieldStart = true
                line += 1
                recordLine = line
            } else {
                field.append(c)
                atFieldStart = false
            }
            i += 1
        }
        if quoted {
            errors.append(AnkiLineError(line: recordLine, message: "A quoted field starting on this line is never closed."))
        }
        return records
    }

    /// A deck name from Anki (`Parent::Child`) as a Casebook deck: the last part, lower-cased, with anything but
    /// letters and digits turned into `-`. Empty → `imported`.
    static func deckSlug(_ name: String) -> String {
        let last = name.components(separatedBy: "::").last ?? ""
        var slug = ""
        for scalar in last.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) || scalar == "_" { slug.unicodeScalars.append(scalar) }
            else if !slug.hasSuffix("-") { slug += "-" }
        }
        slug = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(60))
        return slug.isEmpty ? "imported" : slug
    }

    /// The text of an HTML field: line-breaking tags become newlines, other tags are dropped, entities decoded.
    static func plainText(_ html: String) -> String {
        var s = html
        for tag in ["<br>", "<br/>", "<br />", "</p>", "</div>", "</li>", "</pre>", "</h1>", "</h2>", "</h3>"] {
            s = s.replacingOccurrences(of: tag, with: "\n", options: .caseInsensitive)
        }
        s = s.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&#9;", "\t"), ("&nbsp;", " "), ("&amp;", "&")] {
            s = s.replacingOccurrences(of: entity, with: char)
        }
        return s.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "\n").replacingOccurrences(of: "\n\n\n+", with: "\n\n", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
