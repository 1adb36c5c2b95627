#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension String {
    /// Every non-overlapping occurrence of `target`, left to right, replaced by `replacement`, comparing UTF-8 bytes.
    ///
    /// Foundation's `replacingOccurrences(of:with:)` goes through NSString and UTF-16 on Linux, and was a quarter of
    /// startup CPU on 80 KB chapters. Matching bytes is exact for a valid UTF-8 `target`: its first byte is never a
    /// continuation byte, so a match always starts on a character boundary.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard let first = needle.first else { return self }
        var copy = self
        return copy.withUTF8 { hay -> String in
            let n = hay.count, m = needle.count
            guard let base = hay.baseAddress, n >= m else { return self }
            var out: [UInt8] = []
            var i = 0, copied = 0
            while i + m <= n, let hit = memchr(base + i, Int32(first), n - m + 1 - i) {
                let j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + j, needle, m) == 0 {
                    if out.isEmpty { out.reserveCapacity(n + 64) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: hay[copied..<j]))
                    out.append(contentsOf: replacement.utf8)
                    i = j + m
                    copied = i
                } else {
                    i = j + 1
                }
            }
            if copied == 0 { return self }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: hay[copied..<n]))
            return String(decoding: out, as: UTF8.self)
        }
    }
}
