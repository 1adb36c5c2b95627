import Foundation
import Grader
import KnowledgeBase
import Logging
import NIOPosix
import Synchronization

/// Owns the rubric grader's lifecycle: loads the sentence encoder and the rubrics' model-statement embeddings on a
/// background thread while pages are already served, then grades answers off the event loops, caching each grade
/// by answer text and rubric version.
public final class GraderService: Sendable {
    public enum State: Sendable {
        /// Loading the model or embedding the rubrics' statements; `fraction` feeds the progress bar.
        case warmingUp(phase: String, fraction: Double)
        case ready(AnswerGrader, [String: PreparedRubric])
        /// The model is missing or corrupt, or the content has no rubrics: the message says what to run.
        case unavailable(String)
    }

    /// What a request gets back.
    public enum Outcome: Sendable {
        case graded(GradeReport)
        case warmingUp(phase: String, fraction: Double)
        case unavailable(String)
    }

    private let state: Mutex<State>
    private let cache = Mutex(GradeCache(capacity: 2_000))
    let rubricVersion: String

    /// A service that is warming up; call `start`.
    public init(rubricVersion: String) {
        state = Mutex(.warmingUp(phase: "starting", fraction: 0))
        self.rubricVersion = rubricVersion
    }

    /// A service that will never grade (a content directory without rubrics).
    public init(unavailable message: String) {
        state = Mutex(.unavailable(message))
        rubricVersion = "none"
    }

    public var current: State { state.withLock { $0 } }

    /// Loads the encoder from `modelDirectory` and the statement embeddings from `cacheDirectory` (or embeds them
    /// and writes the cache), on its own thread.
    public func start(kb: KnowledgeBase, modelDirectory: URL, cacheDirectory: URL?, logger: Logger) {
        guard let calibration = kb.gradingCalibration, !kb.rubrics.isEmpty else {
            state.withLock { $0 = .unavailable("This content directory has no gradable rubrics.") }
            return
        }
        let thread = Thread { [self] in
            let started = ContinuousClock.now
            do {
                state.withLock { $0 = .warmingUp(phase: "loading the sentence-embedding model", fraction: 0.05) }
                let encoder = try SentenceEncoder(directory: modelDirectory.path)
                let statements = PreparedRubric.statements(of: kb.rubrics)
                let key = StatementCache.key(statements: statements, modelDirectory: modelDirectory)
                var embeddings = cacheDirectory.flatMap { StatementCache.read($0, key: key, count: statements.count) }
                let fromCache = embeddings != nil
                if embeddings == nil {
                    // Batches of statements so the progress bar moves; the cache makes this a first start's cost only.
                    var out: [[Float]] = []
                    let batch = 64
                    for start in stride(from: 0, to: statements.count, by: batch) {
                        state.withLock {
                            $0 = .warmingUp(phase: "embedding the rubrics' model statements",
                                            fraction: 0.1 + 0.9 * Double(start) / Double(statements.count))
                        }
                        out += encoder.embed(Array(statements[start..<min(start + batch, statements.count)]))
                    }
                    embeddings = out
                    if let cacheDirectory {
                        do { try StatementCache.write(out, to: cacheDirectory, key: key) } catch {
                            logger.warning("could not write the grader's statement cache", metadata: ["error": "\(error)"])
                        }
                    }
                }
                let rubrics = PreparedRubric.prepare(kb.rubrics, embeddings: embeddings!)
                state.withLock { $0 = .ready(AnswerGrader(encoder: encoder, calibration: calibration), rubrics) }
                logger.info("grader ready", metadata: [
                    "statements": "\(statements.count)", "fromCache": "\(fromCache)",
                    "ms": "\((ContinuousClock.now - started).components.seconds * 1000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
                ])
            } catch {
                logger.error("grader unavailable", metadata: ["error": "\(error)"])
                state.withLock { $0 = .unavailable("\(error)") }
            }
        }
        thread.name = "grader-warmup"
        thread.start()
    }

    /// Waits until the service is ready or unavailable (tests, the CLI).
    public func waitUntilSettled() async {
        while case .warmingUp = current { try? await Task.sleep(for: .milliseconds(50)) }
    }

    /// The grade of `steps` (framework order) against the case's rubric, from the cache when the same text was
    /// graded under the same rubric version; the work runs on NIO's thread pool, never on an event loop.
    public func grade(slug: String, steps: [(step: String, text: String)]) async -> Outcome {
        let grader: AnswerGrader
        let rubric: PreparedRubric
        switch current {
        case .warmingUp(let phase, let fraction): return .warmingUp(phase: phase, fraction: fraction)
        case .unavailable(let message): return .unavailable(message)
        case .ready(let g, let rubrics):
            guard let r = rubrics[slug] else { return .unavailable("The case study “\(slug)” has no gradable rubric.") }
            grader = g
            // A re-drill of some steps is graded on those steps' points only.
            rubric = r.restricted(to: Set(steps.map(\.step)))
        }
        let key = key(slug: slug, steps: steps)
        if let hit = cache.withLock({ $0.get(key) }) { return .graded(hit) }
        do {
            let report = try await NIOThreadPool.singleton.runIfActive { grader.grade(rubric, steps: steps) }
            cache.withLock { $0.put(key, report) }
            return .graded(report)
        } catch {
            return .unavailable("The server is shutting down; try again in a moment.")
        }
    }

    /// The key of a grade of `steps` under this rubric version (stored grades carry it).
    public func key(slug: String, steps: [(step: String, text: String)]) -> String {
        GradeCache.key(slug: slug, version: rubricVersion, steps: steps)
    }
}

/// Grades by answer text and rubric version; the oldest entries go first once `capacity` is reached.
struct GradeCache: Sendable {
    let capacity: Int
    private var entries: [String: (report: GradeReport, tick: Int)] = [:]
    private var tick = 0

    init(capacity: Int) { self.capacity = capacity }

    /// The key hashes the whole answer with the rubric version: an edited answer or a changed rubric is a miss.
    static func key(slug: String, version: String, steps: [(step: String, text: String)]) -> String {
        var hasher = FNV1a()
        hasher.add(slug)
        hasher.add(version)
        for s in steps {
            hasher.add(s.step)
            hasher.add(s.text)
        }
        return "\(slug):\(version):\(hasher.hex)"
    }

    mutating func get(_ key: String) -> GradeReport? {
        guard let e = entries[key] else { return nil }
        tick += 1
        entries[key] = (e.report, tick)
        return e.report
    }

    mutating func put(_ key: String, _ report: GradeReport) {
        tick += 1
        entries[key] = (report, tick)
        if entries.count > capacity, let oldest = entries.min(by: { $0.value.tick < $1.value.tick })?.key {
            entries.removeValue(forKey: oldest)
        }
    }
}

/// 128 bits of FNV-1a (two 64-bit lanes with different offsets): cache keys, not security.
struct FNV1a {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4
    mutating func add(_ s: String) {
        for byte in s.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        a = (a ^ 0xff) &* 0x100_0000_01b3
        b = (b ^ 0xfe) &* 0x100_0000_01b3
    }
    var hex: String { String(a, radix: 16) + String(b, radix: 16) }
}

/// The rubrics' model-statement embeddings on disk, keyed by the statements' text and the model file, so a restart
/// skips embedding them (issue 17: a restart stays under 2 s to first page).
enum StatementCache {
    static func key(statements: [String], modelDirectory: URL) -> String {
        var h = FNV1a()
        let weights = modelDirectory.appendingPathComponent("model.safetensors").path
        let size = (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0
        h.add("\(size)")
        for s in statements { h.add(s) }
        return h.hex
    }

    static func url(_ dir: URL, key: String) -> URL { dir.appendingPathComponent("statements-\(key).f32") }

    /// Nil when absent, the wrong size or unreadable: the caller embeds again.
    static func read(_ dir: URL, key: String, count: Int) -> [[Float]]? {
        let d = SentenceEncoder.dimension
        guard let data = try? Data(contentsOf: url(dir, key: key)), data.count == count * d * 4 else { return nil }
        let floats: [Float] = data.withUnsafeBytes { raw in
            (0..<(count * d)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (0..<count).map { Array(floats[($0 * d)..<(($0 + 1) * d)]) }
    }

    static func write(_ embeddings: [[Float]], to dir: URL, key: String) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var data = Data(capacity: embeddings.count * SentenceEncoder.dimension * 4)
        for e in embeddings {
            for x in e { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        try data.write(to: url(dir, key: key), options: .atomic)
    }
}
