import Foundation

/// Errors met while loading the sentence-embedding model, each naming the file and what is wrong with it.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public var description: String {
        "\(file): \(problem). Fetch it again with `scripts/fetch-model.sh --force`."
    }
}

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// byte range, then the raw little-endian tensor bytes.
///
/// Written by hand: the format is forty lines to read, and no Swift server library reads it without a Python or
/// MLX runtime behind it.
final class SafetensorsFile {
    struct Entry {
        let dtype: String
        let shape: [Int]
        let range: Range<Int>
    }

    let path: String
    /// The whole file, mapped read-only with mmap(2) (not `Data`) so that each tensor's pages can be dropped from the
    /// process once copied out: loading then never holds the file and the copy both (the peak stays near the end RSS).
    private let map: UnsafeRawPointer
    private let mapLength: Int
    private let base: Int
    let entries: [String: Entry]

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ModelLoadError(file: path, problem: "the file is missing or unreadable") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelLoadError(file: path, problem: "the file is missing or unreadable") }
        let size = Int(info.st_size)
        guard size >= 8 else { throw ModelLoadError(file: path, problem: "the file is truncated (\(size) bytes)") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw ModelLoadError(file: path, problem: "the file cannot be mapped (errno \(errno))")
        }
        let bytes = UnsafeRawBufferPointer(start: m, count: size)
        // From here on a thrown error must unmap: deinit does not run for an object whose init failed.
        var mapped = true
        defer { if mapped { munmap(m, size) } }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | (UInt64(bytes[$1]) << (8 * UInt64($1))) }
        guard headerLength > 1, headerLength < 100_000_000, 8 + Int(headerLength) <= size else {
            throw ModelLoadError(file: path, problem: "the header length \(headerLength) does not fit a \(size)-byte file")
        }
        let headerData = Data(bytes[8..<(8 + Int(headerLength))])
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw ModelLoadError(file: path, problem: "the JSON header does not parse")
        }
        let payload = size - 8 - Int(headerLength)
        var entries: [String: Entry] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2,
                offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload
            else { throw ModelLoadError(file: path, problem: "tensor \(name) has a malformed header entry") }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        mapped = false
        self.path = path
        self.map = UnsafeRawPointer(m)
        self.mapLength = size
        self.base = 8 + Int(headerLength)
        self.entries = entries
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: map), mapLength) }

    /// Copies the fp32 tensor `name`, checked against the shape the model expects, to `destination`, which holds
    /// its element count.
    ///
    /// In 1 MB pieces, each piece's file pages dropped once copied (MADV_DONTNEED on a private read-only mapping
    /// only forgets clean pages), so the word embeddings (47 MB) never sit in memory twice.
    func copy(_ name: String, shape expected: [Int], into destination: UnsafeMutablePointer<Float>) throws {
        guard let e = entries[name] else { throw ModelLoadError(file: path, problem: "tensor \(name) is missing") }
        guard e.dtype == "F32" else { throw ModelLoadError(file: path, problem: "tensor \(name) is \(e.dtype), not F32") }
        guard e.shape == expected else {
            throw ModelLoadError(file: path, problem: "tensor \(name) has shape \(e.shape), expected \(expected)")
        }
        let count = expected.reduce(1, *)
        guard e.range.count == count * 4 else {
            throw ModelLoadError(file: path, problem: "tensor \(name) holds \(e.range.count) bytes, expected \(count * 4)")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let piece = 1 << 18  // floats: 1 MB
        var done = 0
        while done < count {
            let n = min(piece, count - done)
            let from = base + e.range.lowerBound + done * 4
            // Little-endian on disk; every platform Swift on Linux runs on is little-endian too.
            UnsafeMutableRawPointer(destination + done).copyMemory(from: map + from, byteCount: n * 4)
            var finite = true
            for i in done..<(done + n) where !destination[i].isFinite { finite = false }
            guard finite else {
                throw ModelLoadError(file: path, problem: "tensor \(name) holds a non-finite value (corrupt file)")
            }
            // Whole pages touched by this piece; a page shared with the next tensor is simply read again.
            let first = from / page * page
            let last = min(mapLength, (from + n * 4 + page - 1) / page * page)
            madvise(UnsafeMutableRawPointer(mutating: map + first), last - first, MADV_DONTNEED)
            done += n
        }
    }
}
