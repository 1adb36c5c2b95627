import Foundation

/// SplitMix64: a tiny, fast 64-bit generator used to seed other generators and to derive
/// independent per-entity streams from one seed (same seed, same stream, on every platform).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The current internal state.
    public var state: UInt64

    /// Creates a generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes a value into a well-distributed 64-bit hash (one SplitMix64 step).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var g = SplitMix64(seed: value)
        return g.next()
    }
}

/// Xoshiro256**: the seeded generator used for all simulation and training randomness.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator seeded through SplitMix64 (never all-zero state).
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// Creates an independent stream for entity `stream` derived from `seed`.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x5851_F42D_4C95_7F2D)))
    }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform Double in [0, 1).
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Float in [0, 1).
    @inlinable
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A uniform integer in `0..<bound` (bound > 0), using Lemire's multiply-shift.
    @inlinable
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A standard normal sample (Box–Muller).
    @inlinable
    public mutating func gaussian() -> Double {
        var u1 = uniform()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// An exponential sample with mean 1.
    @inlinable
    public mutating func exponential() -> Double {
        -Foundation.log(1 - uniform())
    }
}

/// Samples indices in proportion to non-negative weights by binary search over a cumulative table.
struct CumulativeSampler: Sendable {
    let cumulative: [Double]
    let indices: [Int32]

    init(weights: [Double], indices: [Int32]? = nil) {
        var c = [Double]()
        c.reserveCapacity(weights.count)
        var s = 0.0
        for w in weights {
            s += max(0, w)
            c.append(s)
        }
        cumulative = c
        self.indices = indices ?? (0..<weights.count).map { Int32($0) }
    }

    var isEmpty: Bool { cumulative.isEmpty || cumulative.last! <= 0 }

    func sample(_ rng: inout Xoshiro256) -> Int32 {
        let total = cumulative[cumulative.count - 1]
        let x = rng.uniform() * total
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return indices[lo]
    }
}
