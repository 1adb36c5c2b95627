import Foundation

/// A scored item id (8 bytes), the element of every heap and result list in the hot paths.
public struct Scored: Sendable, Equatable, Codable {
    /// Similarity (larger is better).
    public var score: Float
    /// Item index.
    public var id: UInt32

    /// Creates a scored id.
    @inlinable public init(score: Float, id: UInt32) {
        self.score = score
        self.id = id
    }
}

// MARK: - Dot products

/// Inner product of two 64-dimensional vectors: four SIMD16 lanes, multiply then add (no FMA call).
@inline(__always)
func dot64(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> Float {
    let a0 = a.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
    let a1 = a.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
    let a2 = a.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
    let a3 = a.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
    let b0 = b.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
    let b1 = b.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
    let b2 = b.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
    let b3 = b.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
    let s = (a0 * b0 + a1 * b1) + (a2 * b2 + a3 * b3)
    return hsum(s)
}

/// Pairwise horizontal sum of a SIMD16 (log-depth, independent of Swift's in-order reduction).
@inline(__always)
func hsum(_ s: SIMD16<Float>) -> Float {
    let s8 = s.lowHalf + s.highHalf
    let s4 = s8.lowHalf + s8.highHalf
    let s2 = s4.lowHalf + s4.highHalf
    return s2[0] + s2[1]
}

/// Inner product for any dimension: SIMD16 chunks with four accumulators, scalar tail.
@inline(__always)
func dotAny(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dim: Int) -> Float {
    if dim == 64 { return dot64(UnsafeRawPointer(a), UnsafeRawPointer(b)) }
    let ra = UnsafeRawPointer(a)
    let rb = UnsafeRawPointer(b)
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
    var i = 0
    while i + 64 <= dim {
        let o = i * 4
        acc0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD16<Float>.self)
        acc2 += ra.loadUnaligned(fromByteOffset: o + 128, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: o + 128, as: SIMD16<Float>.self)
        acc3 += ra.loadUnaligned(fromByteOffset: o + 192, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: o + 192, as: SIMD16<Float>.self)
        i += 64
    }
    while i + 16 <= dim {
        acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var s = hsum((acc0 + acc1) + (acc2 + acc3))
    while i < dim {
        s += a[i] * b[i]
        i += 1
    }
    return s
}

/// Scales a vector to unit length in place; returns the original norm.
@discardableResult
func normalize(_ v: UnsafeMutablePointer<Float>, _ dim: Int) -> Float {
    var s: Float = 0
    for i in 0..<dim { s += v[i] * v[i] }
    let norm = s.squareRoot()
    if norm > 0 {
        let inv = 1 / norm
        for i in 0..<dim { v[i] *= inv }
    }
    return norm
}

// MARK: - Heaps over raw buffers (no allocation in the hot loop)

/// Min-heap on `score` (root = worst of the kept best): the result set of a top-k search.
@inline(__always)
func minHeapPush(_ h: UnsafeMutablePointer<Scored>, _ count: inout Int, _ e: Scored) {
    var i = count
    count += 1
    while i > 0 {
        let p = (i - 1) >> 1
        if h[p].score <= e.score { break }
        h[i] = h[p]
        i = p
    }
    h[i] = e
}

/// Replaces the root of a min-heap and restores order.
@inline(__always)
func minHeapReplaceTop(_ h: UnsafeMutablePointer<Scored>, _ count: Int, _ e: Scored) {
    var i = 0
    while true {
        let l = 2 * i + 1
        if l >= count { break }
        var c = l
        if l + 1 < count && h[l + 1].score < h[l].score { c = l + 1 }
        if h[c].score >= e.score { break }
        h[i] = h[c]
        i = c
    }
    h[i] = e
}

/// Removes the root of a min-heap.
@inline(__always)
func minHeapPop(_ h: UnsafeMutablePointer<Scored>, _ count: inout Int) {
    count -= 1
    if count > 0 { minHeapReplaceTop(h, count, h[count]) }
}

/// Max-heap on `score` (root = best): the frontier of a graph search.
@inline(__always)
func maxHeapPush(_ h: UnsafeMutablePointer<Scored>, _ count: inout Int, _ e: Scored) {
    var i = count
    count += 1
    while i > 0 {
        let p = (i - 1) >> 1
        if h[p].score >= e.score { break }
        h[i] = h[p]
        i = p
    }
    h[i] = e
}

/// Removes the root of a max-heap.
@inline(__always)
func maxHeapPop(_ h: UnsafeMutablePointer<Scored>, _ count: inout Int) {
    count -= 1
    let n = count
    if n == 0 { return }
    let e = h[n]
    var i = 0
    while true {
        let l = 2 * i + 1
        if l >= n { break }
        var c = l
        if l + 1 < n && h[l + 1].score > h[l].score { c = l + 1 }
        if h[c].score <= e.score { break }
        h[i] = h[c]
        i = c
    }
    h[i] = e
}

// MARK: - Exact search

/// Exact maximum-inner-product top-k over `count` contiguous vectors of `dim` floats.
/// Returns results best first. Single-threaded, streaming; `skip` (optional, sorted not required)
/// marks items to leave out via a callback-free bitmap.
func exactTopK(
    query: UnsafePointer<Float>, base: UnsafePointer<Float>, count: Int, dim: Int, k: Int,
    excluded: UnsafePointer<UInt8>? = nil
) -> [Scored] {
    let kk = max(0, min(k, count))
    if kk == 0 { return [] }
    let heap = UnsafeMutablePointer<Scored>.allocate(capacity: kk)
    defer { heap.deallocate() }
    var n = 0
    var threshold = -Float.infinity
    @inline(__always) func offer(_ s: Float, _ i: Int) {
        if s > threshold {
            if let ex = excluded, ex[i] != 0 { return }
            if n < kk {
                minHeapPush(heap, &n, Scored(score: s, id: UInt32(i)))
                if n == kk { threshold = heap[0].score }
            } else {
                minHeapReplaceTop(heap, n, Scored(score: s, id: UInt32(i)))
                threshold = heap[0].score
            }
        }
    }
    if dim == 64 {
        let q = UnsafeRawPointer(query)
        let q0 = q.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
        let q1 = q.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let q2 = q.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
        let q3 = q.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(base)
        var i = 0
        // Four rows per iteration: independent chains keep the loads in flight.
        while i + 4 <= count {
            let p = b + i * 256
            var s0 = p.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self) * q0
            var s1 = p.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self) * q0
            var s2 = p.loadUnaligned(fromByteOffset: 512, as: SIMD16<Float>.self) * q0
            var s3 = p.loadUnaligned(fromByteOffset: 768, as: SIMD16<Float>.self) * q0
            s0 += p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) * q1
            s1 += p.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self) * q1
            s2 += p.loadUnaligned(fromByteOffset: 576, as: SIMD16<Float>.self) * q1
            s3 += p.loadUnaligned(fromByteOffset: 832, as: SIMD16<Float>.self) * q1
            s0 += p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self) * q2
            s1 += p.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self) * q2
            s2 += p.loadUnaligned(fromByteOffset: 640, as: SIMD16<Float>.self) * q2
            s3 += p.loadUnaligned(fromByteOffset: 896, as: SIMD16<Float>.self) * q2
            s0 += p.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self) * q3
            s1 += p.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self) * q3
            s2 += p.loadUnaligned(fromByteOffset: 704, as: SIMD16<Float>.self) * q3
            s3 += p.loadUnaligned(fromByteOffset: 960, as: SIMD16<Float>.self) * q3
            offer(hsum(s0), i)
            offer(hsum(s1), i + 1)
            offer(hsum(s2), i + 2)
            offer(hsum(s3), i + 3)
            i += 4
        }
        while i < count {
            offer(dot64(q, b + i * 256), i)
            i += 1
        }
    } else {
        for i in 0..<count { offer(dotAny(query, base + i * dim, dim), i) }
    }
    var out = [Scored](repeating: Scored(score: 0, id: 0), count: n)
    var m = n
    while m > 0 {
        out[m - 1] = heap[0]
        minHeapPop(heap, &m)
    }
    return out
}

/// Exact top-`k` by inner product over `count` contiguous vectors (a SIMD scan), best first.
public func exactSearch(query: UnsafePointer<Float>, base: UnsafePointer<Float>, count: Int, dimension: Int, k: Int) -> [Scored] {
    exactTopK(query: query, base: base, count: count, dim: dimension, k: k)
}
