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
            let offTuning = encoder.embed(set.offTopicTuning)
            let offHeldOut = encoder.embed(set.offTopicHeldOut)
            let heldOut = set.paraphrases.map { (slug: $0.slug, fact: $0.fact, embedding: encoder.embed([$0.question])[0]) }

            func rates(_ t: Float) -> (listed: Double, offTopic: Double) {
                // A fact's question is right when that fact answers; an out-of-scope one when no fact does (declining
                // and the fallback both keep the sheet's facts back, which is what matters).
                let right = positives.filter { kind, id, p, e, k in
                    let a = p.answer(e, threshold: t, skipping: k)
                    return kind == .fact ? a.kind == .fact && a.id == id : a.kind != .fact
                }.count
                var offRight = 0
                for slug in slugs { for e in offTuning where prepared[slug]!.answer(e, threshold: t).kind != .fact { offRight += 1 } }
                return (Double(right) / Double(max(positives.count, 1)), Double(offRight) / Double(max(offTuning.count * slugs.count, 1)))
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
                var right = 0
                for h in heldOut {
                    let ok = prepared[h.slug]!.answer(h.embedding, threshold: t).id == h.fact
                    if ok { right += 1 }
                    perCase[h.slug, default: (0, 0)].0 += ok ? 1 : 0
                    perCase[h.slug, default: (0, 0)].1 += 1
                }
                var offRight = 0
                for slug in slugs { for e in offHeldOut where prepared[slug]!.answer(e, threshold: t).kind != .fact { offRight += 1 } }
                return (Double(right) / Double(max(heldOut.count, 1)), Double(offRight) / Double(max(offHeldOut.count * slugs.count, 1)), perCase)
            }
            let h = heldOutRates(threshold)
            func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
            var out = "# Interviewer calibration\n\n"
            out += "Threshold chosen on the tuning questions: **\(String(format: "%.3f", threshold))** "
            out += "(balanced accuracy \(pct(chosen.1)); best plateau \(String(format: "%.3f", plateau.first!.0))–\(String(format: "%.3f", plateau.last!.0))).\n\n"
            out += "| set | questions | right |\n|---|---:|---:|\n"
            out += "| tuning: listed questions, own left out | \(positives.count) | \(pct(chosen.2.0)) |\n"
            out += "| tuning: off-topic × \(slugs.count) sheets | \(offTuning.count * slugs.count) | \(pct(chosen.2.1)) |\n"
            out += "| held out: paraphrases | \(heldOut.count) | \(pct(h.paraphrases)) |\n"
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
