import Foundation

/// 128 bits of FNV-1a (two 64-bit lanes with different offsets) over strings and bytes: cache keys and versions
/// (the rubric version, the grader's statement cache, stored grades), not security.
public struct ContentHash: Sendable {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    public init() {}

    public mutating func add<Bytes: Sequence<UInt8>>(bytes: Bytes) {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        a = (a ^ 0xff) &* 0x100_0000_01b3
        b = (b ^ 0xfe) &* 0x100_0000_01b3
    }

    public mutating func add(_ s: String) { add(bytes: s.utf8) }

    public var hex: String { String(a, radix: 16) + String(b, radix: 16) }
}
