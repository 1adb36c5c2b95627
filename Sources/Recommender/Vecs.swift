import Foundation

/// A dense matrix of row vectors read from or written to TEXMEX `.fvecs`/`.ivecs` files
/// (each row: a little-endian Int32 dimension followed by that many 4-byte values).
public struct VecsMatrix<Element: BitwiseCopyable & Sendable>: Sendable {
    /// Row-major values, `rows × dimension`.
    public var values: [Element]
    /// Length of each row.
    public var dimension: Int
    /// Number of rows.
    public var rows: Int { dimension == 0 ? 0 : values.count / dimension }

    /// Creates a matrix from row-major values.
    public init(values: [Element], dimension: Int) {
        self.values = values
        self.dimension = dimension
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Element] { Array(values[(i * dimension)..<((i + 1) * dimension)]) }
}

/// Reading and writing TEXMEX vector files.
public enum Vecs {
    /// Reads an `.fvecs` file.
    public static func readFloat(_ url: URL) throws -> VecsMatrix<Float> { try read(url) }
    /// Reads an `.ivecs` file.
    public static func readInt(_ url: URL) throws -> VecsMatrix<Int32> { try read(url) }

    /// Writes an `.fvecs` file.
    public static func write(_ m: VecsMatrix<Float>, to url: URL) throws { try writeAny(m, to: url) }
    /// Writes an `.ivecs` file.
    public static func write(_ m: VecsMatrix<Int32>, to url: URL) throws { try writeAny(m, to: url) }

    static func read<E: BitwiseCopyable & Sendable>(_ url: URL) throws -> VecsMatrix<E> {
        let data = try readWholeFile(url)
        if data.isEmpty { return VecsMatrix(values: [], dimension: 0) }
        return try data.withUnsafeBytes { raw -> VecsMatrix<E> in
            guard raw.count >= 4 else { throw RecommenderError.badFile(path: url.path, reason: "truncated") }
            let d = Int(raw.loadUnaligned(fromByteOffset: 0, as: Int32.self))
            let rowBytes = 4 + d * 4
            guard d > 0, raw.count % rowBytes == 0 else {
                throw RecommenderError.badFile(path: url.path, reason: "size is not a multiple of the row size")
            }
            let rows = raw.count / rowBytes
            var values = [E](unsafeUninitializedCapacity: rows * d) { buf, n in
                let dst = UnsafeMutableRawPointer(buf.baseAddress!)
                for r in 0..<rows {
                    dst.advanced(by: r * d * 4).copyMemory(from: raw.baseAddress! + r * rowBytes + 4, byteCount: d * 4)
                }
                n = rows * d
            }
            for r in 0..<rows where Int(raw.loadUnaligned(fromByteOffset: r * rowBytes, as: Int32.self)) != d {
                values = []
                throw RecommenderError.badFile(path: url.path, reason: "row \(r) has a different dimension")
            }
            return VecsMatrix(values: values, dimension: d)
        }
    }

    static func writeAny<E: BitwiseCopyable & Sendable>(_ m: VecsMatrix<E>, to url: URL) throws {
        var data = Data(capacity: m.rows * (4 + m.dimension * 4))
        let d = Int32(m.dimension)
        m.values.withUnsafeBytes { raw in
            for r in 0..<m.rows {
                withUnsafeBytes(of: d) { data.append(contentsOf: $0) }
                data.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(r * m.dimension * 4)..<((r + 1) * m.dimension * 4)]))
            }
        }
        try data.write(to: url)
    }
}
