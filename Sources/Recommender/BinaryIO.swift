import Foundation

/// Errors raised by the recommender.
public enum RecommenderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A request or configuration parameter is out of range.
    case invalidParameter(name: String, value: String, allowed: String)
    /// No user with this id exists.
    case unknownUser(id: Int)
    /// No item with this id exists.
    case unknownItem(id: Int)
    /// No topic with this id exists.
    case unknownTopic(id: Int)
    /// A model or data file is missing, truncated or of another format.
    case badFile(path: String, reason: String)

    /// A human-readable message.
    public var description: String {
        switch self {
        case let .invalidParameter(name, value, allowed): return "invalid \(name) = \(value): allowed \(allowed)"
        case let .unknownUser(id): return "unknown user \(id)"
        case let .unknownItem(id): return "unknown item \(id)"
        case let .unknownTopic(id): return "unknown topic \(id)"
        case let .badFile(path, reason): return "cannot read \(path): \(reason)"
        }
    }

    /// True for errors caused by ids that do not exist (as opposed to malformed parameters).
    public var isNotFound: Bool {
        switch self {
        case .unknownUser, .unknownItem, .unknownTopic: return true
        default: return false
        }
    }
}

/// Appends little-endian binary values to a byte buffer.
struct BinaryWriter {
    var data = Data()

    mutating func write<T: BitwiseCopyable>(_ value: T) {
        withUnsafeBytes(of: value) { data.append(contentsOf: $0) }
    }

    mutating func write<T: BitwiseCopyable>(array: [T]) {
        write(Int64(array.count))
        array.withUnsafeBytes { data.append(contentsOf: $0) }
    }

    mutating func write(string: String) {
        write(array: Array(string.utf8))
    }

    mutating func write(strings: [String]) {
        var bytes = [UInt8]()
        var offsets = [Int64]()
        offsets.reserveCapacity(strings.count + 1)
        offsets.append(0)
        for s in strings {
            bytes.append(contentsOf: s.utf8)
            offsets.append(Int64(bytes.count))
        }
        write(array: offsets)
        write(array: bytes)
    }
}

/// Reads values written by `BinaryWriter`, with bounds checks.
struct BinaryReader {
    let data: Data
    var offset = 0
    let path: String

    init(data: Data, path: String) {
        self.data = data
        self.path = path
    }

    mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= data.count else { throw RecommenderError.badFile(path: path, reason: "truncated") }
        let v = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return v
    }

    mutating func readArray<T: BitwiseCopyable>(_: T.Type) throws -> [T] {
        let n = Int(try read(Int64.self))
        let bytes = n * MemoryLayout<T>.stride
        guard n >= 0, offset + bytes <= data.count else {
            throw RecommenderError.badFile(path: path, reason: "truncated array")
        }
        let start = offset
        let result = [T](unsafeUninitializedCapacity: n) { buf, count in
            data.withUnsafeBytes { raw in
                if bytes > 0 {
                    UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(
                        from: raw.baseAddress! + start, byteCount: bytes)
                }
            }
            count = n
        }
        offset += bytes
        return result
    }

    mutating func readString() throws -> String {
        String(decoding: try readArray(UInt8.self), as: UTF8.self)
    }

    mutating func readStrings() throws -> [String] {
        let offsets = try readArray(Int64.self)
        let bytes = try readArray(UInt8.self)
        guard let last = offsets.last, Int(last) == bytes.count else {
            throw RecommenderError.badFile(path: path, reason: "bad string table")
        }
        return bytes.withUnsafeBufferPointer { b in
            (0..<(offsets.count - 1)).map { i in
                String(decoding: UnsafeBufferPointer(rebasing: b[Int(offsets[i])..<Int(offsets[i + 1])]), as: UTF8.self)
            }
        }
    }

    mutating func expectMagic(_ magic: UInt64) throws {
        guard try read(UInt64.self) == magic else {
            throw RecommenderError.badFile(path: path, reason: "not a recommender file of this version")
        }
    }
}

func readWholeFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw RecommenderError.badFile(path: url.path, reason: "\(error.localizedDescription)")
    }
}

extension World {
    static let magic: UInt64 = 0x3157_444C_524F_5752  // "RWORLDW1"

    /// Writes the world to one binary file.
    public func save(to url: URL) throws {
        var w = BinaryWriter()
        w.write(World.magic)
        w.write(string: name)
        w.write(seed)
        w.write(referenceTime)
        w.write(strings: topicNames)
        w.write(strings: creatorNames)
        w.write(array: itemTopic)
        w.write(array: itemCreator)
        w.write(array: itemDuration)
        w.write(array: itemUploadTime)
        w.write(array: itemPopularity)
        w.write(array: itemDuplicateOf)
        w.write(array: itemExternalIds)
        w.write(strings: storedTitles)
        w.write(array: userExternalIds)
        w.write(array: userTaste)
        w.write(array: userOffsets.map { Int64($0) })
        w.write(array: events.item)
        w.write(array: events.time)
        w.write(array: events.position)
        w.write(array: events.clicked)
        w.write(array: events.watchSeconds)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try w.data.write(to: url, options: .atomic)
    }

    /// Reads a world written by `save(to:)`.
    public static func load(from url: URL) throws -> World {
        var r = BinaryReader(data: try readWholeFile(url), path: url.path)
        try r.expectMagic(World.magic)
        let name = try r.readString()
        let seed = try r.read(UInt64.self)
        let ref = try r.read(Int64.self)
        let topics = try r.readStrings()
        let creators = try r.readStrings()
        let topic = try r.readArray(UInt16.self)
        let creator = try r.readArray(Int32.self)
        let duration = try r.readArray(Float.self)
        let upload = try r.readArray(Int64.self)
        let pop = try r.readArray(Float.self)
        let dup = try r.readArray(Int32.self)
        let ext = try r.readArray(Int32.self)
        let titles = try r.readStrings()
        let uext = try r.readArray(Int32.self)
        let taste = try r.readArray(Float.self)
        let offsets = try r.readArray(Int64.self).map { Int($0) }
        var ev = EventLog()
        ev.item = try r.readArray(Int32.self)
        ev.time = try r.readArray(Int64.self)
        ev.position = try r.readArray(UInt8.self)
        ev.clicked = try r.readArray(UInt8.self)
        ev.watchSeconds = try r.readArray(Float.self)
        let world = World(
            name: name, seed: seed, referenceTime: ref, topicNames: topics, creatorNames: creators, itemTopic: topic,
            itemCreator: creator, itemDuration: duration, itemUploadTime: upload, itemPopularity: pop,
            itemDuplicateOf: dup, itemExternalIds: ext, storedTitles: titles, userExternalIds: uext, userTaste: taste,
            userOffsets: offsets, events: ev)
        guard offsets.count >= 1, offsets.last == ev.count, creator.count == topic.count else {
            throw RecommenderError.badFile(path: url.path, reason: "inconsistent sizes")
        }
        return world
    }
}
