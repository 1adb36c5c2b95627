import ArgumentParser
import Foundation
import Grader
import KnowledgeBase

/// `casebook interviewer`: ask a case's interviewer from the command line, or calibrate its threshold.
struct InterviewerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interviewer", abstract: "Ask a case's interviewer a question (JSON), or calibrate when a fact answers.",
        subcommands: [Ask.self, Calibrate.self], defaultSubcommand: Ask.self)

    struct Options: ParsableArguments {
        @Option(help: "Content directory (sheets in interviewers/, rubrics in rubrics/).")
        var contentDir: String = "Content"
        @Option(help: "Model directory (env CASEBOOK_MODEL_DIR; default ./data/model/all-MiniLM-L6-v2).")
        var modelDir: String?

        /// Every sheet with its questions embedded, and the calibration if there is one.
        func load(requireCalibration: Bool) throws -> (SentenceEncoder, [String: PreparedInterviewer], InterviewerSheets.Loaded) {
            let content = URL(fileURLWithPath: contentDir)
            let rubricDir = content.appendingPathComponent("rubrics")
            let rubrics = try GradableRubrics.load(directory: rubricDir)
            let loaded = try InterviewerSheets.load(directory: content.appendingPathComponent("interviewers"), rubrics: rubrics,
                                                    everyday: GradableRubrics.everydayWords(in: rubricDir), requireCalibration: requireCalibration)
            let encoder = try SentenceEncoder(directory: modelDir ?? env("CASEBOOK_MODEL_DIR") ?? "data/model/all-MiniLM-L6-v2")
            let prepared = loaded.sheets.mapValues { sheet in
                PreparedInterviewer(sheet: sheet, common: loaded.common, embeddings: encoder.embed(PreparedInterviewer.texts(sheet, loaded.common)))
            }
            return (encoder, prepared, loaded)
        }
    }

    static func refuse(_ message: String) -> Never {
        FileHandle.standardError.write(Data("casebook interviewer: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// `casebook interviewer ask --case SLUG "QUESTION"`: the same JSON as `POST /api/v1/cases/{slug}/interviewer`.
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the interviewer's answer to QUESTION as JSON.")
        @OptionGroup var options: Options
        @Option(name: .customLong("case"), help: "The case study's slug, e.g. fraud-detection.")
        var caseSlug: String
        @Argument(help: "The question.")
        var question: String

        func run() async throws {
            if let problem = InterviewerMatcher.questionProblem(question) { InterviewerCommand.refuse(problem) }
            let (encoder, prepared, loaded) = try options.load(requireCalibration: true)
            guard let interviewer = prepared[caseSlug] else {
                InterviewerCommand.refuse("there is no case “\(caseSlug)”; the cases are: \(prepared.keys.sorted().joined(separator: ", "))")
            }
            let a = interviewer.answer(encoder.embed([question])[0], threshold: loaded.calibration.threshold)
            let json = JSONEncoder()
            json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try json.encode(a) + Data("\n".utf8))
        }
    }

    /// `casebook interviewer calibrate`: the threshold that best separates the listed questions (each asked with
    /// itself left out, so it must be found through the fact's other questions) from off-topic ones, reported on
    /// questions kept out of the tuning.
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Choose the interviewer's threshold on the listed and off-topic tuning questions; report the held-out ones (Markdown).")
        @OptionGroup var options: Options
        @Option(help: "Questions: off-topic-tuning.txt, off-topic-heldout.txt, heldout/<slug>.yaml.")
        var questionsDir: String = "Tests/InterviewerTests/Questions"
        @Flag(help: "Write the threshold to <content-dir>/interviewers/calibration.json.")
        var write = false

        func run() async throws {
            let (encoder, prepared, _) = try options.load(requireCalibration: false)
            let dir = URL(fileURLWithPath: questionsDir)
            let set = try InterviewerQuestionSet.load(directory: dir, sheets: prepared.mapValues(\.sheet))
            let slugs = prepared.keys.sorted()
            // Tuning: every listed question with its own key left out, and every off-topic tuning question on every sheet.
            var positives: [(InterviewerAnswer.Kind, String, PreparedInterviewer, [Float], Int)] = []
            for slug in slugs {
                let p = prepared[slug]!
                for (k, key) in p.keys.enumerated() {
                    let expectedId: String
                    let kind: InterviewerAnswer.Kind
                    switch p.targets[key.target] {
                    case .fact(let i): (kind, expectedId) = (.fact, p.sheet.facts[i].id)
                    case .outOfScope(let i): (kind, expectedId) = (.outOfScope, p.common.outOfScope[i].id)
                    }
                    positives.append((kind, expectedId, p, key.embedding, k))
                }
            }
            // Each question's best candidate once (threshold -1 lets every candidate through); a threshold then only
            // decides whether that candidate's score is enough, so the grid costs comparisons, not matching.
            let offTuning = encoder.embed(set.offTopicTuning)
            let offHeldOut = encoder.embed(set.offTopicHeldOut)
            let paraphraseEmbeddings = encoder.embed(set.paraphrases.map(\.question))
            let listedBest = positives.map { kind, id, p, e, k in (kind, id, p.answer(e, threshold: -1, skipping: k)) }
            func best(_ embeddings: [[Float]]) -> [InterviewerAnswer] {
                slugs.flatMap { slug in embeddings.map { prepared[slug]!.answer($0, threshold: -1) } }
            }
            let offTuningBest = best(offTuning)
            let offHeldOutBest = best(offHeldOut)
            let paraphraseBest = zip(set.paraphrases, paraphraseEmbeddings).map { q, e in (q, prepared[q.slug]!.answer(e, threshold: -1)) }
            /// The fact revealed at threshold `t`, or nil.
            func fact(_ a: InterviewerAnswer, _ t: Float) -> String? { a.kind == .fact && a.confidence >= t ? a.id : nil }
            func share(_ right: Int, _ total: Int) -> Double { Double(right) / Double(max(total, 1)) }

            func rates(_ t: Float) -> (listed: Double, offTopic: Double) {
                // A fact's question is right when that fact answers; an out-of-scope one when no fact does (declining
                // and the fallback both keep the sheet's facts back, which is what matters).
                let right = listedBest.filter { kind, id, a in kind == .fact ? fact(a, t) == id : fact(a, t) == nil }.count
                return (share(right, listedBest.count), share(offTuningBest.filter { fact($0, t) == nil }.count, offTuningBest.count))
            }
            // Balanced accuracy over a grid; the middle of the best plateau, so the choice is not at an edge by chance.
            let grid = stride(from: Float(0.10), through: 0.90, by: 0.005).map { $0 }
            let scored = grid.map { t -> (Float, Double, (Double, Double)) in let r = rates(t); return (t, (r.listed + r.offTopic) / 2, r) }
            let bestScore = scored.map(\.1).max() ?? 0
            let plateau = scored.filter { abs($0.1 - bestScore) < 1e-9 }
            let chosen = plateau[plateau.count / 2]
            let threshold = (chosen.0 * 1000).rounded() / 1000

            func heldOutRates(_ t: Float) -> (paraphrases: Double, offTopic: Double, perCase: [String: (Int, Int)]) {
                var perCase: [String: (Int, Int)] = [:]
                for (q, a) in paraphraseBest {
                    perCase[q.slug, default: (0, 0)].0 += fact(a, t) == q.fact ? 1 : 0
                    perCase[q.slug, default: (0, 0)].1 += 1
                }
                let right = perCase.values.map(\.0).reduce(0, +)
                return (share(right, paraphraseBest.count), share(offHeldOutBest.filter { fact($0, t) == nil }.count, offHeldOutBest.count), perCase)
            }
            let h = heldOutRates(threshold)
            func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
            var out = "# Interviewer calibration\n\n"
            out += "Threshold chosen on the tuning questions: **\(String(format: "%.3f", threshold))** "
            out += "(balanced accuracy \(pct(chosen.1)); best plateau \(String(format: "%.3f", plateau.first!.0))–\(String(format: "%.3f", plateau.last!.0))).\n\n"
            out += "| set | questions | right |\n|---|---:|---:|\n"
            out += "| tuning: listed questions, own left out | \(positives.count) | \(pct(chosen.2.0)) |\n"
            out += "| tuning: off-topic × \(slugs.count) sheets | \(offTuning.count * slugs.count) | \(pct(chosen.2.1)) |\n"
            out += "| held out: paraphrases | \(paraphraseBest.count) | \(pct(h.paraphrases)) |\n"
            out += "| held out: off-topic × \(slugs.count) sheets | \(offHeldOut.count * slugs.count) | \(pct(h.offTopic)) |\n\n"
            out += "| case | held-out paraphrases right |\n|---|---:|\n"
            for slug in slugs { let (r, n) = h.perCase[slug] ?? (0, 0); out += "| \(slug) | \(r)/\(n) |\n" }
            out += "\n| threshold | listed (tuning) | off-topic (tuning) | paraphrases (held out) | off-topic (held out) |\n|---:|---:|---:|---:|---:|\n"
            for t in stride(from: Float(0.20), through: 0.50, by: 0.025) {
                let r = rates(t)
                let hr = heldOutRates(t)
                out += "| \(String(format: "%.3f", t)) | \(pct(r.listed)) | \(pct(r.offTopic)) | \(pct(hr.paraphrases)) | \(pct(hr.offTopic)) |\n"
            }
            print(out)
            if write {
                let calibration = InterviewerCalibration(
                    threshold: threshold, calibratedOn: ISO8601DateFormatter().string(from: Date()).prefix(10).description,
                    tuningQuestions: positives.count + offTuning.count)
                let json = JSONEncoder()
                json.outputFormatting = [.prettyPrinted, .sortedKeys]
                let url = URL(fileURLWithPath: options.contentDir).appendingPathComponent("interviewers/calibration.json")
                try (json.encode(calibration) + Data("\n".utf8)).write(to: url)
                FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8))
            }
        }
    }
}
