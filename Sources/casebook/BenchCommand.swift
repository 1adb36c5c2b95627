import ArgumentParser
import Foundation
import Grader
import KnowledgeBase
import WebApp

/// `casebook bench`: micro-benchmarks that time the real code paths in-process.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time search queries, bcrypt and the sentence encoder in-process.",
        subcommands: [Search.self, Bcrypt.self, Encoder.self, Grade.self, Interviewer.self])

    /// Wall-clock milliseconds of each of `runs` calls of `body`.
    static func milliseconds(runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
        try (0..<runs).map { _ in
            let start = ContinuousClock.now
            try body()
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
    }

    /// `casebook bench interviewer`: what one question costs the server once warm: embedding it and matching it
    /// against the case's sheet (the held-out paraphrases, one after another on one thread).
    struct Interviewer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time the interviewer's answers (embed + match) in-process; prints p50/p90/p99.")
        @OptionGroup var options: InterviewerCommand.Options
        @Option(help: "Questions: heldout/<slug>.yaml paraphrases.")
        var questionsDir: String = "Tests/InterviewerTests/Questions"
        @Option(help: "Passes over the questions.")
        var passes: Int = 3

        func run() async throws {
            let (encoder, prepared, loaded) = try options.load(requireCalibration: true)
            let set = try InterviewerQuestionSet.load(directory: URL(fileURLWithPath: questionsDir), sheets: prepared.mapValues(\.sheet))
            var times: [Double] = []
            var facts = 0
            for _ in 0..<passes {
                for q in set.paraphrases {
                    times += BenchCommand.milliseconds(runs: 1) {
                        let a = prepared[q.slug]!.answer(encoder.embed([q.question])[0], threshold: loaded.calibration.threshold)
                        if a.kind == .fact { facts += 1 }
                    }
                }
            }
            times.sort()
            func pct(_ p: Double) -> String { String(format: "%.2f", times[min(times.count - 1, Int(Double(times.count) * p))]) }
            print("questions \(set.paraphrases.count) × \(passes), answered with a fact \(facts)")
            print("answer latency ms: p50 \(pct(0.50)) p90 \(pct(0.90)) p99 \(pct(0.99)) max \(pct(1.0))")
        }
    }

    /// `casebook bench search`: builds the full-text index from the content and times queries.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time full-text search over the whole content (prints p50/p90/p99).")

        @Option(help: "Directory of Markdown content.")
        var contentDir: String = "Content"

        @Option(help: "Number of timed queries.")
        var queries: Int = 20_000

        func run() async throws {
            let kb = try KnowledgeBase.load(from: URL(fileURLWithPath: contentDir), diagramCache: nil)
            let index = try SearchIndex(kb: kb)
            // Realistic queries: every glossary term, a word from each section title, and some multi-word phrases.
            var pool = kb.glossary.map(\.term)
            pool += kb.documents.flatMap { $0.sections.map(\.title) }.filter { !$0.isEmpty }
            pool += ["two tower retrieval", "cold start", "precision recall", "feature store", "online experiment", "drift",
                     "p99 latency", "embed", "negative sampling", "NEAR(\"x\" AND *", "🙂 ranking"]
            var times: [Double] = []
            times.reserveCapacity(queries)
            var results = 0
            for q in pool { results += try index.searchSync(SearchQuery(q)).count }  // warm-up
            for i in 0..<queries {
                let query = SearchQuery(pool[i % pool.count])
                let start = ContinuousClock.now
                results += try index.searchSync(query).count
                let d = ContinuousClock.now - start
                times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            }
            times.sort()
            func pct(_ p: Double) -> String { String(format: "%.3f", times[min(times.count - 1, Int(Double(times.count) * p))]) }
            print("entries \(index.count), distinct queries \(pool.count), timed \(queries), results \(results)")
            print("search latency ms: p50 \(pct(0.50)) p90 \(pct(0.90)) p99 \(pct(0.99)) max \(pct(1.0))")
        }
    }

    /// `casebook bench encoder`: load time, time to embed every sentence of an answer, and peak memory.
    struct Encoder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the sentence encoder on a Markdown answer (one sentence or bullet per embedding).")

        @Option(help: "Model directory.")
        var modelDir: String = "data/model/all-MiniLM-L6-v2"

        @Option(help: "Timed runs.")
        var runs: Int = 10

        @Argument(help: "A Markdown answer.")
        var file: String

        func run() async throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read \(file)")
            }
            let loadStart = ContinuousClock.now
            let encoder = try SentenceEncoder(directory: modelDir)
            let load = ContinuousClock.now - loadStart
            let units = AnswerSplitter.units(text).map(\.text)
            let words = text.split(whereSeparator: { $0.isWhitespace }).count
            let tokens = units.reduce(0) { $0 + encoder.tokenIds($1).count }
            _ = encoder.embed(units)  // warm-up
            var times: [Double] = []
            times += BenchCommand.milliseconds(runs: runs) { _ = encoder.embed(units) }
            times.sort()
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let peak = status.split(separator: "\n").filter { $0.hasPrefix("VmHWM") || $0.hasPrefix("VmRSS") }
                .joined(separator: ", ")
            print("words \(words), sentences \(units.count), tokens \(tokens), model load \(load)")
            print(String(format: "embed all sentences, one thread: median %.1f ms, min %.1f ms, max %.1f ms (%d runs)",
                         times[times.count / 2], times[0], times[times.count - 1], runs))
            print(peak.replacingOccurrences(of: "\t", with: " "))
        }
    }

    /// `casebook bench grade`: grading one whole answer as the review page does (split, embed every sentence,
    /// match against the case's rubric), timed end to end on one thread.
    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time grading a Markdown answer (## step headings) against a case's rubric, embedding included.")

        @OptionGroup var answer: GradedAnswerOptions

        @Option(help: "Timed runs.")
        var runs: Int = 10

        func run() async throws {
            let (grader, rubric) = try answer.load()
            let encoder = grader.encoder
            let points = rubric.points
            let caseSlug = answer.caseSlug
            let text = try String(contentsOfFile: answer.file, encoding: .utf8)
            let steps = AnswerDocument.steps(text)
            let words = steps.reduce(0) { $0 + $1.text.split(whereSeparator: { $0.isWhitespace }).count }
            var report = grader.grade(rubric, steps: steps)  // warm-up
            var times: [Double] = []
            times += BenchCommand.milliseconds(runs: max(1, runs)) { report = grader.grade(rubric, steps: steps) }
            times.sort()
            // The same answer's sentences embedded alone: the rest of the time is splitting and matching.
            let sentences = steps.flatMap { AnswerSplitter.units($0.text).map(\.text) }
            var embedTimes: [Double] = []
            embedTimes += BenchCommand.milliseconds(runs: max(1, runs)) { _ = encoder.embed(sentences) }
            embedTimes.sort()
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let memory = status.split(separator: "\n").filter { $0.hasPrefix("VmHWM") || $0.hasPrefix("VmRSS") }
                .joined(separator: ", ").replacingOccurrences(of: "\t", with: " ")
            print("\(caseSlug): \(words) words in the step sections, \(points.count) points, score \(report.score)")
            print(String(format: "grade the answer, one thread: median %.1f ms, min %.1f ms, max %.1f ms (%d runs)",
                         times[times.count / 2], times[0], times[times.count - 1], times.count))
            print(String(format: "of which embedding the %d sentences: median %.1f ms", sentences.count, embedTimes[embedTimes.count / 2]))
            print(memory)
        }
    }

    /// `casebook bench bcrypt`: how long one hash and one verification take at a cost.
    struct Bcrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time bcrypt hash and verify at a cost.")

        @Option(help: "bcrypt cost.")
        var cost: Int = 12

        @Option(help: "Runs.")
        var runs: Int = 5

        func run() async throws {
            let hasher = BcryptPasswordHasher(cost: UInt8(cost))
            var times: [Double] = []
            let hash = try await hasher.hash("correct horse battery")
            for _ in 0..<runs {
                let start = ContinuousClock.now
                _ = try await hasher.verify("correct horse battery", hash: hash)
                let d = ContinuousClock.now - start
                times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            }
            times.sort()
            print(String(format: "bcrypt cost %d verify ms: median %.1f min %.1f max %.1f", cost, times[times.count / 2], times[0], times.last!))
        }
    }
}
