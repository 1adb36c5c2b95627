import Foundation
import Testing

@testable import Grader

/// The model directory `make test` fetches (`scripts/fetch-model.sh`); `CASEBOOK_MODEL_DIR` overrides it.
let modelDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["CASEBOOK_MODEL_DIR"] { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return root.appendingPathComponent("data/model/all-MiniLM-L6-v2").path
}()

let sharedEncoder: SentenceEncoder = {
    do { return try SentenceEncoder(directory: modelDirectory) } catch {
        fatalError("\(error) — run scripts/fetch-model.sh first")
    }
}()

func fixture<T: Decodable>(_ name: String, as: T.Type) throws -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

@Suite("Sentence encoder against its references")
struct SentenceEncoderTests {
    struct TokenCase: Decodable {
        let text: String
        let ids: [Int32]
    }
    struct EmbeddingCase: Decodable {
        let text: String
        let embedding: [Float]
    }

    @Test("token ids equal the tokenizers package on tokenizer.json, for 301 varied sentences")
    func tokenIdsMatchReference() throws {
        let cases = try fixture("tokens.json", as: [TokenCase].self)
        #expect(cases.count > 300)
        var mismatches = 0
        for c in cases {
            let ids = sharedEncoder.tokenIds(c.text)
            if ids != c.ids {
                mismatches += 1
                Issue.record("\(c.text.prefix(60)): \(ids.prefix(20)) ≠ \(c.ids.prefix(20))")
            }
        }
        #expect(mismatches == 0)
    }

    @Test("embeddings have cosine ≥ 0.999 with an independent numpy forward pass")
    func embeddingsMatchReference() throws {
        let cases = try fixture("embeddings.json", as: [EmbeddingCase].self)
        let ours = sharedEncoder.embed(cases.map(\.text))
        for (c, e) in zip(cases, ours) {
            #expect(e.count == 384)
            let norm = c.embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let cosine = cosine(c.embedding, e) / norm
            #expect(cosine >= 0.999, "\(c.text.prefix(50)): cosine \(cosine)")
        }
    }

    @Test("a batch gives each text the embedding it gets alone")
    func batchingDoesNotMix() {
        let texts = ["short one", "a much longer sentence about nearest neighbour retrieval with HNSW", "x"]
        let together = sharedEncoder.embed(texts)
        for (t, e) in zip(texts, together) {
            let alone = sharedEncoder.embed([t])[0]
            #expect(cosine(alone, e) > 0.99999)
        }
    }

    @Test("related sentences are closer than unrelated ones")
    func semanticOrder() {
        let e = sharedEncoder.embed([
            "Retrieve candidates with approximate nearest neighbour search over learned embeddings.",
            "Use an ANN index such as HNSW on two-tower vectors to fetch a few hundred items.",
            "Monitor the weekly revenue dashboard for the finance team.",
        ])
        #expect(cosine(e[0], e[1]) > cosine(e[0], e[2]) + 0.2)
    }

    @Test("a missing or corrupt model file is an error naming the file")
    func corruptModelIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: ModelLoadError.self) { try SentenceEncoder(directory: dir.path) }
        for name in ["vocab.txt", "tokenizer.json"] {
            try FileManager.default.copyItem(atPath: modelDirectory + "/" + name, toPath: dir.path + "/" + name)
        }
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).write(to: dir.appendingPathComponent("model.safetensors"))
        do {
            _ = try SentenceEncoder(directory: dir.path)
            Issue.record("a corrupt model loaded")
        } catch let error as ModelLoadError {
            #expect(error.file.hasSuffix("model.safetensors"))
            #expect(error.description.contains("fetch-model.sh"))
        }
    }
}
