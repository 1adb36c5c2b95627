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
struct SafetensorsFile {
    struct Entry {
        let dtype: String
        let shape: [Int]
        let range: Range<Int>
    }

    let path: String
    private let bytes: Data
    private let base: Int
    let entries: [String: Entry]

    init(path: String) throws {
        // Mapped, not read: the weights are copied out tensor by tensor and the mapping goes when loading ends.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw ModelLoadError(file: path, problem: "the file is missing or unreadable")
        }
        guard data.count >= 8 else { throw ModelLoadError(file: path, problem: "the file is truncated (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength > 1, headerLength < 100_000_000, 8 + Int(headerLength) <= data.count else {
            throw ModelLoadError(file: path, problem: "the header length \(headerLength) does not fit a \(data.count)-byte file")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw ModelLoadError(file: path, problem: "the JSON header does not parse")
        }
        let payload = data.count - 8 - Int(headerLength)
        var entries: [String: Entry] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2,
                offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload
            else { throw ModelLoadError(file: path, problem: "tensor \(name) has a malformed header entry") }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.path = path
        self.bytes = data
        self.base = 8 + Int(headerLength)
        self.entries = entries
    }

    /// The fp32 tensor `name`, checked against the shape the model expects.
    func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        guard let e = entries[name] else { throw ModelLoadError(file: path, problem: "tensor \(name) is missing") }
        guard e.dtype == "F32" else { throw ModelLoadError(file: path, problem: "tensor \(name) is \(e.dtype), not F32") }
        guard e.shape == expected else {
            throw ModelLoadError(file: path, problem: "tensor \(name) has shape \(e.shape), expected \(expected)")
        }
        let count = expected.reduce(1, *)
        guard e.range.count == count * 4 else {
            throw ModelLoadError(file: path, problem: "tensor \(name) holds \(e.range.count) bytes, expected \(count * 4)")
        }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base + e.range.lowerBound)..<(base + e.range.upperBound)]))
            }
        }
        // Little-endian on disk; every platform Swift on Linux runs on is little-endian too.
        for x in out where !x.isFinite {
            throw ModelLoadError(file: path, problem: "tensor \(name) holds a non-finite value (corrupt file)")
        }
        return out
    }
}
