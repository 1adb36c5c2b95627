import COpenBLAS
import Foundation

/// all-MiniLM-L6-v2 in process: a 6-layer BERT (hidden 384, 12 heads, intermediate 1536, GELU, post-LayerNorm),
/// mean pooling over the tokens and L2 normalisation, as sentence-transformers runs it.
///
/// Written by hand because no Swift server library runs a BERT forward pass on Linux without a Python or ONNX
/// runtime. The matrix products go through OpenBLAS's `sgemm` (Debian's `libopenblas-dev`, one thread so the
/// server keeps its other core); BENCHMARKS.md compares it with a plain Swift loop. Checked against an independent
/// numpy forward pass (`scripts/make-grader-fixtures.py`, cosine ≥ 0.999 in `swift test`).
public final class SentenceEncoder: Sendable {
    public static let dimension = 384
    static let layers = 6
    static let heads = 12
    static let intermediate = 1536
    static let headDim = 32

    public let tokenizer: WordPieceTokenizer
    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let typeEmbedding: [Float]
    private let embeddingNorm: (gamma: [Float], beta: [Float])
    private let blocks: [Block]

    struct Block: Sendable {
        /// Query, key and value projections stacked into one [1152 × 384] matrix: one GEMM instead of three.
        let qkv: [Float]
        let qkvBias: [Float]
        let attentionOut: [Float]
        let attentionOutBias: [Float]
        let norm1: (gamma: [Float], beta: [Float])
        let up: [Float]
        let upBias: [Float]
        let down: [Float]
        let downBias: [Float]
        let norm2: (gamma: [Float], beta: [Float])
    }

    /// The files `directory` must hold (`tokenizer.json` is only the reference fixtures' input).
    public static let requiredFiles = ["model.safetensors", "vocab.txt"]

    /// Loads the model from a directory holding `model.safetensors` and `vocab.txt`.
    public init(directory: String) throws {
        for name in Self.requiredFiles where !FileManager.default.fileExists(atPath: directory + "/" + name) {
            throw ModelLoadError(file: directory + "/" + name, problem: "the file is missing")
        }
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        let st = try SafetensorsFile(path: directory + "/model.safetensors")
        let d = Self.dimension
        let vocabSize = tokenizer.vocabulary.count
        wordEmbeddings = try st.floats("embeddings.word_embeddings.weight", shape: [vocabSize, d])
        positionEmbeddings = try st.floats("embeddings.position_embeddings.weight", shape: [512, d])
        typeEmbedding = Array(try st.floats("embeddings.token_type_embeddings.weight", shape: [2, d])[0..<d])
        embeddingNorm = (
            try st.floats("embeddings.LayerNorm.weight", shape: [d]), try st.floats("embeddings.LayerNorm.bias", shape: [d])
        )
        var blocks: [Block] = []
        for l in 0..<Self.layers {
            let p = "encoder.layer.\(l)."
            func t(_ name: String, _ shape: [Int]) throws -> [Float] { try st.floats(p + name, shape: shape) }
            blocks.append(
                Block(
                    qkv: try t("attention.self.query.weight", [d, d]) + t("attention.self.key.weight", [d, d])
                        + t("attention.self.value.weight", [d, d]),
                    qkvBias: try t("attention.self.query.bias", [d]) + t("attention.self.key.bias", [d])
                        + t("attention.self.value.bias", [d]),
                    attentionOut: try t("attention.output.dense.weight", [d, d]),
                    attentionOutBias: try t("attention.output.dense.bias", [d]),
                    norm1: (try t("attention.output.LayerNorm.weight", [d]), try t("attention.output.LayerNorm.bias", [d])),
                    up: try t("intermediate.dense.weight", [Self.intermediate, d]),
                    upBias: try t("intermediate.dense.bias", [Self.intermediate]),
                    down: try t("output.dense.weight", [d, Self.intermediate]),
                    downBias: try t("output.dense.bias", [d]),
                    norm2: (try t("output.LayerNorm.weight", [d]), try t("output.LayerNorm.bias", [d]))
                ))
        }
        self.blocks = blocks
        openblas_set_num_threads(1)
    }

    /// Unit-length embeddings of `texts`, one per text, in order.
    ///
    /// The token-wise layers run on every token of every text stacked into one matrix (no padding), so a whole
    /// answer's sentences cost a few large GEMMs; attention runs per text.
    public func embed(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var out: [[Float]] = []
        out.reserveCapacity(texts.count)
        // Bounded batches keep the activations (tokens × 1536 floats) a few MB.
        var batch: [[Int32]] = []
        var tokens = 0
        for text in texts {
            let ids = tokenizer.encode(text)
            if tokens + ids.count > 4096, !batch.isEmpty {
                out += forward(batch)
                batch = []
                tokens = 0
            }
            batch.append(ids)
            tokens += ids.count
        }
        out += forward(batch)
        return out
    }

    /// Token ids, exposed for the tokenizer's reference test.
    public func tokenIds(_ text: String) -> [Int32] { tokenizer.encode(text) }

    private func forward(_ sequences: [[Int32]]) -> [[Float]] {
        let d = Self.dimension
        let n = sequences.reduce(0) { $0 + $1.count }
        var x = [Float](repeating: 0, count: n * d)
        var row = 0
        for seq in sequences {
            for (pos, id) in seq.enumerated() {
                let w = Int(id) * d
                let p = pos * d
                for j in 0..<d { x[row * d + j] = wordEmbeddings[w + j] + positionEmbeddings[p + j] + typeEmbedding[j] }
                row += 1
            }
        }
        layerNorm(&x, rows: n, embeddingNorm)

        var qkv = [Float](repeating: 0, count: n * 3 * d)
        var context = [Float](repeating: 0, count: n * d)
        var projected = [Float](repeating: 0, count: n * d)
        var hidden = [Float](repeating: 0, count: n * Self.intermediate)
        let maxLen = sequences.map(\.count).max() ?? 0
        var scores = [Float](repeating: 0, count: maxLen * maxLen)
        for block in blocks {
            linear(x, rows: n, inputs: d, block.qkv, block.qkvBias, outputs: 3 * d, into: &qkv)
            attention(qkv, sequences: sequences, scores: &scores, into: &context)
            linear(context, rows: n, inputs: d, block.attentionOut, block.attentionOutBias, outputs: d, into: &projected)
            for i in 0..<(n * d) { x[i] += projected[i] }
            layerNorm(&x, rows: n, block.norm1)
            linear(x, rows: n, inputs: d, block.up, block.upBias, outputs: Self.intermediate, into: &hidden)
            for i in 0..<hidden.count {
                let v = hidden[i]
                hidden[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752))
            }
            linear(hidden, rows: n, inputs: Self.intermediate, block.down, block.downBias, outputs: d, into: &projected)
            for i in 0..<(n * d) { x[i] += projected[i] }
            layerNorm(&x, rows: n, block.norm2)
        }

        var embeddings: [[Float]] = []
        var start = 0
        for seq in sequences {
            var mean = [Float](repeating: 0, count: d)
            for r in start..<(start + seq.count) { for j in 0..<d { mean[j] += x[r * d + j] } }
            var norm: Float = 0
            for j in 0..<d {
                mean[j] /= Float(seq.count)
                norm += mean[j] * mean[j]
            }
            let scale = 1 / max(norm.squareRoot(), 1e-12)
            embeddings.append(mean.map { $0 * scale })
            start += seq.count
        }
        return embeddings
    }

    /// `out[rows × outputs] = input[rows × inputs] · weightᵀ + bias` (weights stored [outputs × inputs], as PyTorch).
    private func linear(
        _ input: [Float], rows: Int, inputs: Int, _ weight: [Float], _ bias: [Float], outputs: Int, into out: inout [Float]
    ) {
        for r in 0..<rows { for j in 0..<outputs { out[r * outputs + j] = bias[j] } }
        input.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1,
                        a.baseAddress, Int32(inputs), w.baseAddress, Int32(inputs), 1, c.baseAddress, Int32(outputs))
                }
            }
        }
    }

    /// Scaled dot-product self-attention per sequence and head, over the stacked Q|K|V rows.
    private func attention(_ qkv: [Float], sequences: [[Int32]], scores: inout [Float], into context: inout [Float]) {
        let d = Self.dimension
        let hd = Self.headDim
        let stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        var start = 0
        qkv.withUnsafeBufferPointer { qkvp in
            context.withUnsafeMutableBufferPointer { ctx in
                scores.withUnsafeMutableBufferPointer { s in
                    for seq in sequences {
                        let len = seq.count
                        for h in 0..<Self.heads {
                            let q = qkvp.baseAddress! + start * stride + h * hd
                            let k = q + d
                            let v = q + 2 * d
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(len), Int32(len), Int32(hd), scale,
                                q, Int32(stride), k, Int32(stride), 0, s.baseAddress, Int32(len))
                            for i in 0..<len {
                                let rowp = s.baseAddress! + i * len
                                var m = -Float.infinity
                                for j in 0..<len { m = max(m, rowp[j]) }
                                var sum: Float = 0
                                for j in 0..<len {
                                    rowp[j] = expf(rowp[j] - m)
                                    sum += rowp[j]
                                }
                                let inv = 1 / sum
                                for j in 0..<len { rowp[j] *= inv }
                            }
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(len), Int32(hd), Int32(len), 1,
                                s.baseAddress, Int32(len), v, Int32(stride), 0, ctx.baseAddress! + start * d + h * hd,
                                Int32(d))
                        }
                        start += len
                    }
                }
            }
        }
    }

    private func layerNorm(_ x: inout [Float], rows: Int, _ p: (gamma: [Float], beta: [Float])) {
        let d = Self.dimension
        for r in 0..<rows {
            let o = r * d
            var mean: Float = 0
            for j in 0..<d { mean += x[o + j] }
            mean /= Float(d)
            var variance: Float = 0
            for j in 0..<d {
                let c = x[o + j] - mean
                variance += c * c
            }
            let inv = 1 / (variance / Float(d) + 1e-12).squareRoot()
            for j in 0..<d { x[o + j] = (x[o + j] - mean) * inv * p.gamma[j] + p.beta[j] }
        }
    }
}

/// Cosine of two unit-length vectors (their dot product).
@inline(__always)
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
    return s
}
