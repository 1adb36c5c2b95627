import Foundation
import Grader
import KnowledgeBase
import Logging
import NIOPosix
import Storage
import Synchronization

/// Owns the rubric grader's lifecycle: loads the sentence encoder and the rubrics' model-statement embeddings on a
/// background thread while pages are already served, then grades answers off the event loops. Grades are kept by
/// `AttemptGrading` in the database, under `key(slug:steps:)`.
public final class GraderService: Sendable {
    /// Everything embedded and ready: the grader, each case's rubric and each case's interviewer.
    public struct Ready: Sendable {
        public let grader: AnswerGrader
        public let rubrics: [String: PreparedRubric]
        public let interviewers: [String: PreparedInterviewer]
        public let interviewerThreshold: Float
    }

    public enum State: Sendable {
        /// Loading the model or embedding the rubrics' statements; `fraction` feeds the progress bar.
        case warmingUp(phase: String, fraction: Double)
        case ready(Ready)
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
                // The rubrics' model statements, then each interviewer sheet's questions and reply statements: one
                // block, one cache file.
                let slugs = kb.interviewers.keys.sorted()
                let sheetTexts = kb.interviewerCommon.map { common in slugs.map { PreparedInterviewer.texts(kb.interviewers[$0]!, common) } } ?? []
                let rubricStatements = PreparedRubric.statements(of: kb.rubrics)
                let statements = rubricStatements + sheetTexts.flatMap { $0 }
                let key = StatementCache.key(statements: statements, modelDirectory: modelDirectory)
                var embeddings = cacheDirectory.flatMap { StatementCache.read($0, key: key, count: statements.count) }
                let fromCache = embeddings != nil
                if embeddings == nil {
                    // Batches of statements so the progress bar moves; the cache makes this a first start's cost only.
                    var out: [[Float]] = []
                    let batch = 64
                    for start in stride(from: 0, to: statements.count, by: batch) {
                        state.withLock {
                            $0 = .warmingUp(phase: "embedding the rubrics' model statements and the interviewer sheets",
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
                let all = embeddings!
                let rubrics = PreparedRubric.prepare(kb.rubrics, embeddings: Array(all[..<rubricStatements.count]))
                var interviewers: [String: PreparedInterviewer] = [:]
                if let common = kb.interviewerCommon {
                    var next = rubricStatements.count
                    for (slug, texts) in zip(slugs, sheetTexts) {
                        interviewers[slug] = PreparedInterviewer(sheet: kb.interviewers[slug]!, common: common, embeddings: Array(all[next..<(next + texts.count)]))
                        next += texts.count
                    }
                }
                let ready = Ready(grader: AnswerGrader(encoder: encoder, calibration: calibration), rubrics: rubrics, interviewers: interviewers,
                                  interviewerThreshold: kb.interviewerCalibration?.threshold ?? 1)
                state.withLock { $0 = .ready(ready) }
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

    /// The grade of `steps` (framework order) against the case's rubric; the work runs on NIO's thread pool, never
    /// on an event loop.
    public func grade(slug: String, steps: [(step: String, text: String)], transcript: [TurnRecord] = []) async -> Outcome {
        let ready: Ready
        let rubric: PreparedRubric
        switch current {
        case .warmingUp(let phase, let fraction): return .warmingUp(phase: phase, fraction: fraction)
        case .unavailable(let message): return .unavailable(message)
        case .ready(let r):
            guard let whole = r.rubrics[slug] else { return .unavailable("The case study “\(slug)” has no gradable rubric.") }
            ready = r
            // A re-drill of some steps is graded on those steps' points only.
            rubric = whole.restricted(to: Set(steps.map(\.step)))
        }
        let interview = Self.transcript(transcript, interviewer: ready.interviewers[slug])
        do {
            return .graded(try await NIOThreadPool.singleton.runIfActive { ready.grader.grade(rubric, steps: steps, transcript: interview) })
        } catch {
            return .unavailable("The server is shutting down; try again in a moment.")
        }
    }

    /// The stored turns as the grader takes them: questions with the points their facts credit, replies with their
    /// follow-up's points (a turn whose fact or follow-up left the sheet counts for nothing).
    static func transcript(_ turns: [TurnRecord], interviewer: PreparedInterviewer?) -> InterviewTranscript {
        guard let interviewer else { return .empty }
        var questions: [InterviewTranscript.Question] = []
        var replies: [InterviewTranscript.Reply] = []
        for t in turns {
            switch t.kind {
            case .question:
                questions.append(.init(step: t.step, text: t.prompt, credits: TranscriptView.fact(t).flatMap(interviewer.fact)?.credits ?? []))
            case .followUp:
                guard let id = t.ref, let f = interviewer.followUp(id), let rubric = interviewer.followUpRubrics[id],
                    !t.reply.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                else { continue }
                replies.append(.init(followUp: f.id, step: f.step, text: t.reply, rubric: rubric))
            }
        }
        return InterviewTranscript(questions: questions, replies: replies)
    }

    /// What the interviewer says to `question` on the case `slug`: the question is embedded off the event loops.
    public enum AskOutcome: Sendable {
        case answered(InterviewerAnswer)
        case warmingUp(phase: String, fraction: Double)
        case unavailable(String)
    }

    public func ask(slug: String, question: String) async -> AskOutcome {
        switch current {
        case .warmingUp(let phase, let fraction): return .warmingUp(phase: phase, fraction: fraction)
        case .unavailable(let message): return .unavailable(message)
        case .ready(let r):
            guard let interviewer = r.interviewers[slug] else { return .unavailable("The case study “\(slug)” has no interviewer sheet.") }
            do {
                return .answered(try await NIOThreadPool.singleton.runIfActive {
                    interviewer.answer(r.grader.encoder.embed([question])[0], threshold: r.interviewerThreshold)
                })
            } catch {
                return .unavailable("The server is shutting down; try again in a moment.")
            }
        }
    }

    /// The case's interviewer once the model is ready.
    public func interviewer(_ slug: String) -> PreparedInterviewer? {
        if case .ready(let r) = current { return r.interviewers[slug] }
        return nil
    }

    /// The key of a grade of `steps` (and what was said to the interviewer) under this rubric version:
    /// "<slug>:<version>:<hash of the text>".
    public func key(slug: String, steps: [(step: String, text: String)], transcript: [TurnRecord] = []) -> String {
        var hash = ContentHash()
        for s in steps {
            hash.add(s.step)
            hash.add(s.text)
        }
        for t in transcript {
            hash.add(t.kind.rawValue)
            hash.add(t.step)
            hash.add(t.ref ?? "")
            hash.add(t.prompt)
            hash.add(t.reply)
        }
        return keyPrefix(slug: slug) + hash.hex
    }

    /// A stored grade is under this rubric version when its key starts so. Its text is current by construction:
    /// saving a changed step deletes the attempt's stored grade (`SQLiteAttemptStore.save`).
    public func keyPrefix(slug: String) -> String { "\(slug):\(rubricVersion):" }
}

/// The rubrics' model-statement embeddings on disk, keyed by the statements' text and the model file, so a restart
/// skips embedding them (issue 17: a restart stays under 2 s to first page).
enum StatementCache {
    static func key(statements: [String], modelDirectory: URL) -> String {
        var h = ContentHash()
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
