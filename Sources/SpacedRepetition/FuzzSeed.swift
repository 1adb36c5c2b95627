/// Deterministic, platform-independent source of the interval fuzz.
///
/// Swift's `hashValue` is randomly seeded per process, so it cannot be used. Instead the
/// card id's UTF-8 bytes are hashed with 64-bit FNV-1a, combined with the number of reviews
/// the card had *before* the review being scheduled, and mixed with SplitMix64; the top 53
/// bits give a uniform value in `0..<1`. The same card id and review count therefore always
/// give the same fuzz, on every machine and in every process.
public enum FuzzSeed {
    /// 64-bit FNV-1a hash of the UTF-8 bytes of `cardID`.
    public static func cardHash(_ cardID: String) -> UInt64 {
        var id = cardID
        return id.withUTF8 { cardHash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// 64-bit FNV-1a hash of raw bytes (the UTF-8 encoding of a card id).
    @inline(__always)
    public static func cardHash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The fuzz value in `0..<1` for a card (by ``cardHash(_:)``) and its review count.
    @inline(__always)
    public static func unitValue(cardHash: UInt64, reviewCount: Int) -> Double {
        var z = cardHash ^ (UInt64(truncatingIfNeeded: reviewCount) &* 0x9E37_79B9_7F4A_7C15)
        z &+= 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }

    /// The fuzz value in `0..<1` for card `cardID` after `reviewCount` reviews.
    public static func unitValue(cardID: String, reviewCount: Int) -> Double {
        unitValue(cardHash: cardHash(cardID), reviewCount: reviewCount)
    }
}
