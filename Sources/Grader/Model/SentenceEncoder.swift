import COpenBLAS
import Foundation

/// all-MiniLM-L6-v2 in process: a 6-layer BERT (hidden 384, 12 heads, intermediate 1536, GELU, post-LayerNorm),
/// mean pooling over the tokens and L2 normalisation, as sentence-transformers runs it.
///
/// Written by hand because no Swift server library runs a BERT forward pass on Linux without a Python or ONNX
/// runtime. The matrix products go through OpenBLAS's `sgemm` (Debian's `libopenblas-dev`, one thread so the
/// server keeps its other core); BENCHMARKS.md compares it with our own SIMD kernel (`SIMDGEMM`). Everything else
/// runs in `EncoderKernels.swift`. Checked against an independent numpy forward pass
/// (`scripts/make-grader-fixtures.py`, cosine ≥ 0.999 in `swift test`).
public final class SentenceEncoder: Sendable {
    public static let dimension = 384
    static let layers = 6
    static let heads = 12
    static let intermediate = 1536
    static let headDim = 32

    /// Which sgemm runs the linear layers: OpenBLAS (the default, measured faster) or `SIMDGEMM`, our own, kept
    /// for the comparison in BENCHMARKS.md and chosen with `CASEBOOK_ENCODER_GEMM=own`.
    enum Kernel: Sendable { case openBLAS, own }

    public let tokenizer: WordPieceTokenizer
    let kernel: Kernel
    private let wordEmbeddings: Floats
    /// Position embeddings with the token-type-0 row already added: every token is type 0.
    private let positionEmbeddings: Floats
    private let embeddingNorm: (gamma: Floats, beta: Floats)
    private let blocks: [Block]

    struct Block: Sendable {
        /// Query, key and value projections stacked into one [1152 × 384] matrix: one GEMM instead of three.
        let qkv: Floats
        let qkvBias: Floats
        let attentionOut: Floats
        let attentionOutBias: Floats
        let norm1: (gamma: Floats, beta: Floats)
        let up: Floats
        let upBias: Floats
        let down: Floats
        let downBias: Floats
        let norm2: (gamma: Floats, beta: Floats)
    }

    /// The files `directory` must hold (`tokenizer.json` is only the reference fixtures' input).
    public static let requiredFiles = ["model.safetensors", "vocab.txt"]

    /// Loads the model from a directory holding `model.safetensors` and `vocab.txt`.
    ///
    /// Each tensor is copied once out of the mapped file into its final buffer (Q, K and V straight into the fused
    /// one), and the file's pages are let go as they are copied: the model costs its weights (91 MB) once.
    public init(directory: String) throws {
        for name in Self.requiredFiles where !FileManager.default.fileExists(atPath: directory + "/" + name) {
            throw ModelLoadError(file: directory + "/" + name, problem: "the file is missing")
        }
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        let kernel: Kernel = ProcessInfo.processInfo.environment["CASEBOOK_ENCODER_GEMM"] == "own" ? .own : .openBLAS
        self.kernel = kernel
        let st = try SafetensorsFile(path: directory + "/model.safetensors")
        let d = Self.dimension
        let f = Self.intermediate
        /// The tensors `names`, each of `shape`, back to back in one buffer.
        func load(_ names: String..., shape: [Int]) throws -> Floats { try loadAll(names, shape: shape) }
        func loadAll(_ names: [String], shape: [Int]) throws -> Floats {
            let count = shape.reduce(1, *)
            let t = Floats(count: count * names.count)
            for (i, name) in names.enumerated() { try st.copy(name, shape: shape, into: t.p + i * count) }
            return t
        }
        /// A weight in the layout the chosen kernel reads.
        func weight(_ names: String..., shape: [Int]) throws -> Floats {
            let t = try loadAll(names, shape: shape)
            // PyTorch's [outputs × inputs] suits OpenBLAS as it is (sgemm with Bᵀ measured as fast as with B
            // transposed at load).
            guard kernel == .own else { return t }
            return Floats(adopting: SIMDGEMM.pack(t.p, outputs: shape[0] * names.count, inputs: shape[1]), count: t.count)
        }
        wordEmbeddings = try load("embeddings.word_embeddings.weight", shape: [tokenizer.vocabulary.count, d])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", shape: [512, d])
        let types = try load("embeddings.token_type_embeddings.weight", shape: [2, d])
        for pos in 0..<512 { for j in 0..<d { positionEmbeddings.p[pos * d + j] += types.p[j] } }
        embeddingNorm = (
            try load("embeddings.LayerNorm.weight", shape: [d]), try load("embeddings.LayerNorm.bias", shape: [d])
        )
        var blocks: [Block] = []
        for l in 0..<Self.layers {
            let p = "encoder.layer.\(l)."
            let a = p + "attention.self."
            blocks.append(
                Block(
                    qkv: try weight(a + "query.weight", a + "key.weight", a + "value.weight", shape: [d, d]),
                    qkvBias: try load(a + "query.bias", a + "key.bias", a + "value.bias", shape: [d]),
                    attentionOut: try weight(p + "attention.output.dense.weight", shape: [d, d]),
                    attentionOutBias: try load(p + "attention.output.dense.bias", shape: [d]),
                    norm1: (
                        try load(p + "attention.output.LayerNorm.weight", shape: [d]),
                        try load(p + "attention.output.LayerNorm.bias", shape: [d])
                    ),
                    up: try weight(p + "intermediate.dense.weight", shape: [f, d]),
                    upBias: try load(p + "intermediate.dense.bias", shape: [f]),
                    down: try weight(p + "output.dense.weight", shape: [d, f]),
                    downBias: try load(p + "output.dense.bias", shape: [d]),
                    norm2: (
                        try load(p + "output.LayerNorm.weight", shape: [d]), try load(p + "output.LayerNorm.bias", shape: [d])
                    )
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
        // Bounded batches keep the activations (tokens × 1920 floats) a few tens of MB at most.
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
        let f = Self.intermediate
        let n = sequences.reduce(0) { $0 + $1.count }
        // Activations: x [n × 384], then one [n × 1536] region that holds Q|K|V [n × 1152] and the attention context
        // [n × 384] side by side, then the intermediate layer once both are spent, then the attention scores. One
        // anonymous mapping, unmapped on return: malloc would keep these tens of MB resident between answers.
        let maxLen = sequences.map(\.count).max() ?? 0
        let floats = n * d + n * f + maxLen * maxLen
        guard let m = mmap(nil, floats * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            m != UnsafeMutableRawPointer(bitPattern: -1)
        else { fatalError("cannot map \(floats * 4) bytes for the encoder's activations (errno \(errno))") }
        defer { munmap(m, floats * 4) }
        let x = m.bindMemory(to: Float.self, capacity: floats)
        let work = x + n * d
        let scores = work + n * f
        let qkv = work
        let context = work + n * 3 * d
        let hidden = work
        var row = 0
        for seq in sequences {
            for (pos, id) in seq.enumerated() {
                add(wordEmbeddings.p + Int(id) * d, positionEmbeddings.p + pos * d, into: x + row * d, count: d)
                row += 1
            }
        }
        layerNorm(x, rows: n, width: d, bias: nil, gamma: embeddingNorm.gamma.p, beta: embeddingNorm.beta.p)

        for block in blocks {
            // Q|K|V start as their bias, the product is accumulated onto it.
            for r in 0..<n { (qkv + r * 3 * d).update(from: block.qkvBias.p, count: 3 * d) }
            linear(x, rows: n, inputs: d, block.qkv, outputs: 3 * d, into: qkv, accumulate: true)
            attention(qkv, sequences: sequences, scores: scores, into: context)
            // Into x on top of the residual; the bias is added by the LayerNorm pass.
            linear(context, rows: n, inputs: d, block.attentionOut, outputs: d, into: x, accumulate: true)
            layerNorm(
                x, rows: n, width: d, bias: block.attentionOutBias.p, gamma: block.norm1.gamma.p, beta: block.norm1.beta.p)
            linear(x, rows: n, inputs: d, block.up, outputs: f, into: hidden, accumulate: false)
            biasGELU(hidden, rows: n, width: f, bias: block.upBias.p)
            linear(hidden, rows: n, inputs: f, block.down, outputs: d, into: x, accumulate: true)
            layerNorm(x, rows: n, width: d, bias: block.downBias.p, gamma: block.norm2.gamma.p, beta: block.norm2.beta.p)
        }

        var embeddings: [[Float]] = []
        embeddings.reserveCapacity(sequences.count)
        var start = 0
        for seq in sequences {
            embeddings.append(normalizedMean(x + start * d, rows: seq.count, width: d))
            start += seq.count
        }
        return embeddings
    }

    /// `out[rows × outputs] (+)= input[rows × inputs] · weightᵀ` (weights stored [outputs × inputs], as PyTorch, or
    /// packed for `SIMDGEMM`); the bias is left to the caller, which folds it into its next pass.
    private func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int, _ weight: Floats, outputs: Int,
        into out: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        switch kernel {
        case .openBLAS:
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, input,
                Int32(inputs), weight.p, Int32(inputs), accumulate ? 1 : 0, out, Int32(outputs))
        case .own:
            SIMDGEMM.multiply(
                input, rows: rows, inputs: inputs, packed: weight.p, outputs: outputs, into: out, accumulate: accumulate)
        }
    }

    /// Scaled dot-product self-attention per sequence and head, over the stacked Q|K|V rows.
    private func attention(
        _ qkv: UnsafePointer<Float>, sequences: [[Int32]], scores s: UnsafeMutablePointer<Float>,
        into context: UnsafeMutablePointer<Float>
    ) {
        let d = Self.dimension
        let hd = Self.headDim
        let stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        var start = 0
        for seq in sequences {
            let len = seq.count
            for h in 0..<Self.heads {
                let q = qkv + start * stride + h * hd
                let k = q + d
                let v = q + 2 * d
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(len), Int32(len), Int32(hd), scale, q, Int32(stride), k,
                    Int32(stride), 0, s, Int32(len))
                softmaxRows(s, rows: len, len: len)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(len), Int32(hd), Int32(len), 1, s, Int32(len), v,
                    Int32(stride), 0, context + start * d + h * hd, Int32(d))
            }
            start += len
        }
    }
}

/// One tensor's floats, owned by the encoder and read-only after loading; a class so that the raw buffer is freed
/// with it and the encoder can stay `Sendable` (nothing writes the buffer once `init` returns).
final class Floats: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    let count: Int

    /// Uninitialised: the loader writes every element.
    init(count: Int) {
        p = .allocate(capacity: count)
        self.count = count
    }

    init(adopting p: UnsafeMutablePointer<Float>, count: Int) {
        self.p = p
        self.count = count
    }

    deinit { p.deallocate() }
}

/// Cosine of two unit-length vectors (their dot product).
@inline(__always)
public func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
    return s
}
