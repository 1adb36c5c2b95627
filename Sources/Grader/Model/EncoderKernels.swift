/// The encoder's kernels on SIMD8<Float> over raw pointers: no bounds checks, no scalar libm calls. One file on
/// purpose: debug builds compile file by file, and `load8`/`store8` only inline into callers in the same file.
///
/// The package builds for baseline x86-64 (SSE2, no FMA), so these use only operations SSE2 has: products and sums
/// kept apart (`addingProduct` would become a call to `fmaf` per lane) and rounding by the 1.5·2²³ trick (SSE2 has
/// no vector round).

typealias F8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

@inline(__always) func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
}

/// eˣ per lane, relative error about 2e-7 (Cephes' expf scheme: x = n·ln 2 + r, |r| ≤ ln2/2, a degree-7 polynomial
/// for eʳ, 2ⁿ built in the exponent bits). Inputs are clamped to [-87, 88], where the result is a normal float.
@inline(__always) func exp8(_ x: F8) -> F8 {
    // Compare and select: `clamped` calls the generic pointwiseMin/Max out of line.
    let x = x.replacing(with: -87, where: x .< -87).replacing(with: 88, where: x .> 88)
    // Adding 1.5·2²³ rounds x/ln2 to an integer n held in the low mantissa bits of `shifted`.
    let shifter = F8(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + shifter
    let n = shifted - shifter
    // ln 2 in two parts so that n·ln2 is subtracted without losing r's low bits.
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = r * 1.987_569_15e-4 + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 0.166_666_655
    p = p * r + 0.500_000_01
    p = p * (r * r) + r + 1
    let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127
    return p * unsafeBitCast(bits &<< 23, to: F8.self)
}

/// GELU as BERT defines it, ½·v·(1 + erf(v/√2)), with erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7):
/// erf(z) = 1 − q, q = t·(a₁ + … + a₅t⁴)·e^(−z²), t = 1/(1 + p·z), for z ≥ 0. For v < 0, 1 + erf = q directly,
/// which keeps the negative tail free of cancellation.
@inline(__always) func gelu8(_ v: F8) -> F8 {
    let z = unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: F8.self) * 0.707_106_78
    let t = 1 / (z * 0.327_591_1 + 1)
    var poly = t * 1.061_405_429 - 1.453_152_027
    poly = poly * t + 1.421_413_741
    poly = poly * t - 0.284_496_736
    poly = poly * t + 0.254_829_592
    let q = poly * t * exp8(-(z * z))
    return 0.5 * v * q.replacing(with: 2 - q, where: v .>= 0)
}

/// `x[i] = gelu(x[i] + bias[i % width])` over `rows` rows of `width` (a multiple of 8).
func biasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
    for r in 0..<rows {
        let row = x + r * width
        for j in stride(from: 0, to: width, by: 8) { store8(gelu8(load8(row + j) + load8(bias + j)), row + j) }
    }
}

/// In place, each row of `width` (a multiple of 16): `y = (x + bias − mean) / √(var + 1e-12) · gamma + beta`,
/// mean and variance over the row after the bias; a nil `bias` adds nothing. Two passes, as the reference does.
func layerNorm(
    _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>
) {
    for r in 0..<rows {
        let row = x + r * width
        // Two accumulators so consecutive adds do not wait on each other.
        var s0 = F8(), s1 = F8()
        for j in stride(from: 0, to: width, by: 16) {
            var a = load8(row + j), b = load8(row + j + 8)
            if let bias {
                a += load8(bias + j)
                b += load8(bias + j + 8)
                store8(a, row + j)
                store8(b, row + j + 8)
            }
            s0 += a
            s1 += b
        }
        let mean = (s0 + s1).sum() / Float(width)
        var v0 = F8(), v1 = F8()
        for j in stride(from: 0, to: width, by: 16) {
            let a = load8(row + j) - mean, b = load8(row + j + 8) - mean
            v0 += a * a
            v1 += b * b
        }
        let inv = 1 / ((v0 + v1).sum() / Float(width) + 1e-12).squareRoot()
        for j in stride(from: 0, to: width, by: 8) {
            store8((load8(row + j) - mean) * inv * load8(gamma + j) + load8(beta + j), row + j)
        }
    }
}

/// In place, a softmax over each of `rows` rows of `len` floats stored `len` apart (any `len`: the last partial
/// lane group goes through padded vectors).
func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, len: Int) {
    let whole = len / 8 * 8
    let tail = len - whole
    for i in 0..<rows {
        let row = s + i * len
        var m8 = F8(repeating: -.infinity)
        for j in stride(from: 0, to: whole, by: 8) {
            let v = load8(row + j)
            m8.replace(with: v, where: v .> m8)
        }
        var m = -Float.infinity
        for j in 0..<8 { m = max(m, m8[j]) }
        for j in whole..<len { m = max(m, row[j]) }
        var sum8 = F8()
        for j in stride(from: 0, to: whole, by: 8) {
            let e = exp8(load8(row + j) - m)
            store8(e, row + j)
            sum8 += e
        }
        var sum = sum8.sum()
        if tail > 0 {
            var t = F8(repeating: 0)
            for j in 0..<tail { t[j] = row[whole + j] - m }
            let e = exp8(t)
            for j in 0..<tail {
                row[whole + j] = e[j]
                sum += e[j]
            }
        }
        let inv = 1 / sum
        for j in stride(from: 0, to: whole, by: 8) { store8(load8(row + j) * inv, row + j) }
        for j in whole..<len { row[j] *= inv }
    }
}

/// `out[i] = a[i] + b[i]` for `count` (a multiple of 8) floats.
func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    for j in stride(from: 0, to: count, by: 8) { store8(load8(a + j) + load8(b + j), out + j) }
}

/// The mean of `rows` rows of `width` (a multiple of 8) floats, scaled to unit length.
func normalizedMean(_ x: UnsafePointer<Float>, rows: Int, width: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: width) { out, initialized in
        let o = out.baseAddress!
        for j in stride(from: 0, to: width, by: 8) {
            var s = F8()
            for r in 0..<rows { s += load8(x + r * width + j) }
            store8(s / Float(rows), o + j)
        }
        var norm = F8()
        for j in stride(from: 0, to: width, by: 8) { norm += load8(o + j) * load8(o + j) }
        let scale = 1 / max(norm.sum().squareRoot(), 1e-12)
        for j in stride(from: 0, to: width, by: 8) { store8(load8(o + j) * scale, o + j) }
        initialized = width
    }
}

/// Our own single-threaded sgemm for the encoder's linear layers, kept to compare with OpenBLAS (issue 17 asks
/// for the faster of the two; BENCHMARKS.md has the figures). `CASEBOOK_ENCODER_GEMM=own` selects it.
///
/// `c[m × n] (+)= a[m × k] · wᵀ`, with w packed once at load (`pack`) into panels of 8 outputs: panel p holds, for
/// each input i, the weights of outputs 8p…8p+7 side by side, so the inner loop reads one SIMD8 per input.
/// Register block 4 rows × 8 outputs: 4 accumulators (8 SSE registers), one panel load and 4 broadcasts per input
/// (6 rows measured no faster: at k = 1536 six rows and the panel no longer fit L1).
enum SIMDGEMM {
    /// `w[n × k]` (PyTorch layout) in panel order; `n` a multiple of 8.
    static func pack(_ w: UnsafePointer<Float>, outputs n: Int, inputs k: Int) -> UnsafeMutablePointer<Float> {
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        for p in 0..<(n / 8) {
            for i in 0..<k { for j in 0..<8 { packed[(p * k + i) * 8 + j] = w[(p * 8 + j) * k + i] } }
        }
        return packed
    }

    static func multiply(
        _ a: UnsafePointer<Float>, rows m: Int, inputs k: Int, packed w: UnsafePointer<Float>, outputs n: Int,
        into c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        // 32 rows of a at a time (≤ 192 KB at k = 1536) stay in L2 while every panel passes over them.
        let block = 32
        for m0 in stride(from: 0, to: m, by: block) {
            let m1 = min(m, m0 + block)
            for p in 0..<(n / 8) {
                let panel = w + p * k * 8
                var r = m0
                while r + 4 <= m1 {
                    kernel4(a + r * k, k, panel, c + r * n + p * 8, n, accumulate)
                    r += 4
                }
                while r < m1 {
                    kernel1(a + r * k, k, panel, c + r * n + p * 8, accumulate)
                    r += 1
                }
            }
        }
    }

    @inline(__always)
    private static func kernel4(
        _ a: UnsafePointer<Float>, _ k: Int, _ panel: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
        _ accumulate: Bool
    ) {
        var c0 = F8(), c1 = F8(), c2 = F8(), c3 = F8()
        let a1 = a + k, a2 = a + 2 * k, a3 = a + 3 * k
        for i in 0..<k {
            let b = load8(panel + i * 8)
            c0 += b * a[i]
            c1 += b * a1[i]
            c2 += b * a2[i]
            c3 += b * a3[i]
        }
        if accumulate {
            c0 += load8(c)
            c1 += load8(c + ldc)
            c2 += load8(c + 2 * ldc)
            c3 += load8(c + 3 * ldc)
        }
        store8(c0, c)
        store8(c1, c + ldc)
        store8(c2, c + 2 * ldc)
        store8(c3, c + 3 * ldc)
    }

    @inline(__always)
    private static func kernel1(
        _ a: UnsafePointer<Float>, _ k: Int, _ panel: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        _ accumulate: Bool
    ) {
        var c0 = F8()
        for i in 0..<k { c0 += load8(panel + i * 8) * a[i] }
        store8(accumulate ? c0 + load8(c) : c0, c)
    }
}
