import Foundation
import Testing

@testable import Grader

/// The encoder's hand-written kernels against plain scalar references (the whole forward pass is checked against
/// numpy in SentenceEncoderTests; these pin each kernel on its own, including the own GEMM kept for comparison).
@Suite struct EncoderKernelTests {
    /// A fixed pseudo-random sequence, so a failure reproduces.
    struct Numbers {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
    }

    @Test(arguments: [(1, 8, 3), (5, 16, 7), (33, 24, 384), (4, 8, 1)])
    func ownGEMMEqualsTheTripleLoop(m: Int, n: Int, k: Int) {
        var r = Numbers()
        let a = (0..<(m * k)).map { _ in r.next() }
        let w = (0..<(n * k)).map { _ in r.next() }
        let start = (0..<(m * n)).map { _ in r.next() }
        for accumulate in [false, true] {
            var c = start
            w.withUnsafeBufferPointer { wp in
                let packed = SIMDGEMM.pack(wp.baseAddress!, outputs: n, inputs: k)
                defer { packed.deallocate() }
                a.withUnsafeBufferPointer { ap in
                    c.withUnsafeMutableBufferPointer { cp in
                        SIMDGEMM.multiply(ap.baseAddress!, rows: m, inputs: k, packed: packed, outputs: n, into: cp.baseAddress!,
                                          accumulate: accumulate)
                    }
                }
            }
            for i in 0..<m {
                for j in 0..<n {
                    var want = accumulate ? Double(start[i * n + j]) : 0
                    for x in 0..<k { want += Double(a[i * k + x]) * Double(w[j * k + x]) }
                    #expect(abs(Double(c[i * n + j]) - want) <= 1e-4 * max(1, abs(want)), "(\(i), \(j)) of \(m)×\(n)×\(k)")
                }
            }
        }
    }

    @Test func geluAndExpMatchTheLibraryFunctions() {
        var worstGELU = 0.0, worstExp = 0.0
        for step in 0...4000 {
            let v = Float(step - 2000) / 200  // −10 … 10
            let exact = 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))
            worstGELU = max(worstGELU, abs(Double(gelu8(F8(repeating: v))[0]) - exact))
            let e = Double(exp8(F8(repeating: v))[3])
            worstExp = max(worstExp, abs(e - exp(Double(v))) / exp(Double(v)))
        }
        #expect(worstGELU < 1e-6)
        #expect(worstExp < 1e-6)
    }
}
