import ArgumentParser
import Foundation
import Grader
import KnowledgeBase

/// `casebook grade`: the rubric grader from the command line.
struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade", abstract: "Grade a Markdown answer against a case's rubric (JSON), or calibrate the grader.",
        subcommands: [Answer.self, Calibrate.self], defaultSubcommand: Answer.self)

    /// Prints `message` to standard error and exits 2, the code for input the grader cannot take.
    static func refuse(_ message: String) -> Never {
        FileHandle.standardError.write(Data("casebook grade: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// `casebook grade --case SLUG FILE`: the same JSON as `GET /api/v1/attempts/{id}/grade`.
    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "answer",
            abstract: "Grade FILE, a Markdown answer with the seven step titles as ## headings (the shape of export.md), and print JSON.")

        @OptionGroup var answer: GradedAnswerOptions

        func run() async throws {
            let setup: (grader: AnswerGrader, rubric: PreparedRubric)
            do { setup = try answer.load() } catch let e as GradedAnswerOptions.BadInput { GradeCommand.refuse(e.message) } catch {
                FileHandle.standardError.write(Data("casebook grade: \(error)\n".utf8))
                Foundation.exit(1)
            }
            let file = answer.file
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let t = try? String(contentsOfFile: file, encoding: .utf8) else { GradeCommand.refuse("cannot read \(file) as UTF-8 text") }
                text = t
            }
            let sections = AnswerDocument.sections(text)
            guard !sections.isEmpty else {
                GradeCommand.refuse("\(file) has none of the step headings; write each step under its title as a ## heading: "
                    + FrameworkStep.allCases.map { "“## \($0.sectionTitle)”" }.joined(separator: ", "))
            }
            let steps = AnswerDocument.steps(text)
            let report = setup.grader.grade(setup.rubric, steps: steps)
            let json = JSONEncoder()
            json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try json.encode(report) + Data("\n".utf8))
        }
    }

}

/// What grading one answer needs, for `casebook grade` and `casebook bench grade` alike.
struct GradedAnswerOptions: ParsableArguments {
    @Option(name: .customLong("case"), help: "The case study's slug, e.g. video-recommendation.")
    var caseSlug: String

    @Argument(help: "The answer, Markdown with the step titles as ## headings; - reads standard input.")
    var file: String

    @Option(help: "Content directory (rubrics in rubrics/).")
    var contentDir: String = "Content"

    @Option(help: "Model directory (env CASEBOOK_MODEL_DIR; default ./data/model/all-MiniLM-L6-v2).")
    var modelDir: String?

    /// Input the grader cannot take (an unknown case, a broken rubric): `casebook grade` exits 2 on it.
    struct BadInput: Error { let message: String }

    /// The grader and the case's rubric with its statements embedded.
    func load() throws -> (grader: AnswerGrader, rubric: PreparedRubric) {
        let dir = URL(fileURLWithPath: contentDir).appendingPathComponent("rubrics")
        let rubrics: [String: [GradablePoint]]
        let calibration: GradingCalibration
        do {
            rubrics = try GradableRubrics.load(directory: dir)
            calibration = try GradableRubrics.calibration(in: dir)
        } catch { throw BadInput(message: "\(error)") }
        guard let points = rubrics[caseSlug] else {
            throw BadInput(message: "there is no case “\(caseSlug)”; the cases are: \(rubrics.keys.sorted().joined(separator: ", "))")
        }
        let encoder = try SentenceEncoder(directory: modelDir ?? env("CASEBOOK_MODEL_DIR") ?? "data/model/all-MiniLM-L6-v2")
        let rubric = PreparedRubric(slug: caseSlug, points: points, statementEmbeddings: points.map { encoder.embed($0.says) })
        return (AnswerGrader(encoder: encoder, calibration: calibration), rubric)
    }
}

extension GradeCommand {
    /// `casebook grade calibrate`: grades every labelled answer of the calibration set over a grid of thresholds,
    /// picks the pair that agrees best with the expert labels on the tuning part, and reports both parts.
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Choose the grader's thresholds on the labelled calibration answers and report the agreement (Markdown).")

        @Option(help: "Content directory (rubrics in rubrics/).")
        var contentDir: String = "Content"

        @Option(help: "Calibration set: <slug>/<level>.md and <slug>/labels.yaml.")
        var calibrationDir: String = "Tests/GraderTests/Calibration"

        @Option(help: "Model directory.")
        var modelDir: String = "data/model/all-MiniLM-L6-v2"

        @Flag(help: "Write the chosen thresholds to <content-dir>/rubrics/calibration.json (what the server and the CLI grade with).")
        var write = false

        struct Sample {
            let slug: String
            let level: String
            let units: [LocatedUnit]
            var embeddings: [[Float]] = []
            let label: ExpertLabel?
            let heldOut: Bool
        }

        func run() async throws {
            let rubricDir = URL(fileURLWithPath: contentDir).appendingPathComponent("rubrics")
            let rubrics = try GradableRubrics.load(directory: rubricDir)
            let encoder = try SentenceEncoder(directory: modelDir)
            let set = try CalibrationSet.load(directory: URL(fileURLWithPath: calibrationDir), rubrics: rubrics)
            var answers = set.samples.map { Sample(slug: $0.slug, level: $0.level, units: $0.units, label: $0.label, heldOut: $0.heldOut) }
            let started = ContinuousClock.now
            let statementEmbeddings = rubrics.mapValues { points in points.map { encoder.embed($0.says) } }
            for i in answers.indices { answers[i].embeddings = encoder.embed(answers[i].units.map(\.unit.text)) }
            let embedTime = ContinuousClock.now - started

            // Term matching and cosines once per (answer, rubric); thresholds are applied afterwards.
            func matches(_ a: Sample, against slug: String) -> [PointMatches] {
                RubricMatcher.match(
                    points: rubrics[slug]!, units: a.units, unitEmbeddings: a.embeddings,
                    statementEmbeddings: statementEmbeddings[slug]!)
            }
            let labelled = answers.filter { $0.label != nil }
            let own = labelled.map { matches($0, against: $0.slug) }
            func grades(_ i: Int, _ t: GradingThresholds) -> [PointGrade] {
                RubricMatcher.decide(own[i], pointIds: rubrics[labelled[i].slug]!.map(\.id), unitCount: labelled[i].units.count, thresholds: t)
            }
            func agreement(_ indices: [Int], _ t: GradingThresholds) -> CalibrationAgreement {
                CalibrationAgreement(indices.map { (grades($0, t), labelled[$0].label!) }, t)
            }
            let strong = answers.filter { $0.level == "strong" }
            let cross = strong.map { a in rubrics.keys.sorted().filter { $0 != a.slug }.map { (slug: $0, matches: matches(a, against: $0)) } }
            /// The highest score another case's strong answer earns on a rubric not its own.
            func crossCase(_ t: GradingThresholds) -> (score: Int, what: String) {
                var worst = (0, "")
                for (a, others) in zip(strong, cross) {
                    for o in others {
                        let g = RubricMatcher.decide(o.matches, pointIds: rubrics[o.slug]!.map(\.id), unitCount: a.units.count, thresholds: t)
                        let score = Scoring.overall(g, t)
                        if score > worst.0 { worst = (score, "\(a.slug)'s strong answer on the \(o.slug) rubric") }
                    }
                }
                return worst
            }
            let tuning = labelled.indices.filter { !labelled[$0].heldOut }
            let held = labelled.indices.filter { labelled[$0].heldOut }
            // The issue's bars, on the tuning part: every generic answer ≤ 15, every keyword-stuffed one ≤ 20, another
            // case's strong answer ≤ 20. Among the grid points that meet them, the best Spearman + F1; if none does,
            // the best of those meeting the most bars.
            /// Whether every case's tuning answers are in the issue's order (levels held out are skipped).
            func inOrder(_ t: GradingThresholds) -> Bool {
                let chain = ["strong", "good", "average", "weak", "generic"]
                for slug in Set(tuning.map { labelled[$0].slug }) {
                    var score: [String: Int] = [:]
                    for i in tuning where labelled[i].slug == slug { score[labelled[i].level] = Scoring.overall(grades(i, t), t) }
                    let present = chain.compactMap { score[$0] }
                    if zip(present, present.dropFirst()).contains(where: { $0 <= $1 }) { return false }
                    if let a = score["average"], let s = score["stuffed"], a <= s { return false }
                }
                return true
            }
            func highest(_ level: String, _ t: GradingThresholds) -> Int {
                tuning.filter { labelled[$0].level == level }.map { Scoring.overall(grades($0, t), t) }.max() ?? 0
            }
            struct Candidate {
                let t: GradingThresholds
                let agreement: CalibrationAgreement
                let bars: Int
                var objective: Double { agreement.spearman + agreement.f1 }
            }
            var best: Candidate?
            var tried = 0
            for c in stride(from: Float(0.30), through: 0.80, by: 0.05) {
                for s in stride(from: c, through: 0.95, by: 0.05) {
                    for partly in [0.2, 0.3, 0.4, 0.5, 0.6] {
                        for list in [0.0, 0.05, 0.1, 0.2] where list <= partly {
                            tried += 1
                            let t = GradingThresholds(cover: c, semanticOnly: s, partlyCredit: partly, listCredit: list)
                            let a = agreement(tuning, t)
                            var bars = (highest("generic", t) <= 15 ? 1 : 0) + (highest("stuffed", t) <= 20 ? 1 : 0) + (inOrder(t) ? 1 : 0)
                            if let b = best, (bars + 1, a.spearman + a.f1) <= (b.bars, b.objective) { continue }
                            // The cross-case bar costs 132 gradings: only for a candidate that could win.
                            bars += crossCase(t).score <= 20 ? 1 : 0
                            if let b = best, (bars, a.spearman + a.f1) <= (b.bars, b.objective) { continue }
                            best = Candidate(t: t, agreement: a, bars: bars)
                        }
                    }
                }
            }
            guard let chosen = best else { throw ValidationError("no labelled answers in \(calibrationDir)") }
            let thresholds = chosen.t
            let check = agreement(held, thresholds)
            let (crossMax, crossWorst) = crossCase(thresholds)

            // Hire bars: midpoints between the mean grader scores of neighbouring levels on the tuning part.
            func meanScore(_ level: String) -> Double {
                let s = tuning.filter { labelled[$0].level == level }.map { Double(Scoring.overall(grades($0, thresholds), thresholds)) }
                return s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
            }
            let ladder = ["weak", "average", "good", "strong"].map(meanScore)
            let hireBars = (0..<3).map { Int(((ladder[$0] + ladder[$0 + 1]) / 2).rounded()) }

            let date = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let seconds = Double(embedTime.components.seconds) + Double(embedTime.components.attoseconds) / 1e18
            print("Produced by `casebook grade calibrate` on \(date): \(labelled.count) labelled answers in \(Set(labelled.map(\.slug)).count) cases (\(tuning.count) tuning, \(held.count) held out), \(answers.count) answers in all; embedding every statement and answer took \(String(format: "%.0f", seconds)) s.\n")
            let f = { (x: Double) in String(format: "%.2f", x) }
            print("Thresholds chosen on the tuning part from \(tried) grid points (cover 0.30–0.80 and semantic-only cover–0.95 in steps of 0.05; partly credit 0.2–0.6; list credit 0–0.2): the best Spearman + F1 among those meeting \(chosen.bars == 4 ? "all four bars (every generic ≤ 15, every stuffed ≤ 20, cross-case ≤ 20, every case's levels in order)" : "\(chosen.bars) of the four bars, which is the most any grid point met"). Cover \(f(Double(thresholds.cover))), semantic-only \(f(Double(thresholds.semanticOnly))), partly credit \(f(thresholds.partlyCredit)), list credit \(f(thresholds.listCredit)); hire bars (lean / hire / strong) \(hireBars.map(String.init).joined(separator: " / ")).\n")
            print("| part | answers | Spearman (grader vs expert score) | credited precision | credited recall | covered precision | covered recall |")
            print("|---|---|---|---|---|---|---|")
            let whole = agreement(Array(labelled.indices), thresholds)
            for (name, n, a) in [("tuning", tuning.count, chosen.agreement), ("held out", held.count, check), ("whole set", labelled.count, whole)] {
                print(String(format: "| %@ | %d | %.3f | %.3f | %.3f | %.3f | %.3f |", name, n, a.spearman, a.precision, a.recall, a.coveredPrecision, a.coveredRecall))
            }
            print("\nPer case, expert score → grader score (held-out answers marked *):\n")
            print("| case | " + CalibrationSet.levels.joined(separator: " | ") + " | in order |")
            print("|---|" + String(repeating: "---|", count: CalibrationSet.levels.count + 1))
            var byLevel: [String: [Int]] = [:]
            var orderedCases = 0
            var weakAboveStuffed = 0
            var expertsWeakAboveStuffed = 0
            let cases = Set(labelled.map(\.slug)).sorted()
            for slug in cases {
                var cells: [String] = []
                var scores: [String: Int] = [:]
                for level in CalibrationSet.levels {
                    guard let i = labelled.indices.first(where: { labelled[$0].slug == slug && labelled[$0].level == level }) else {
                        cells.append("—")
                        continue
                    }
                    let score = Scoring.overall(grades(i, thresholds), thresholds)
                    scores[level] = score
                    byLevel[level, default: []].append(score)
                    cells.append("\(Int(labelled[i].label!.score)) → \(score)\(labelled[i].heldOut ? "*" : "")")
                }
                let sv = { scores[$0] ?? -1 }
                // The issue's order; stuffed answers belong with the bottom (below average), and the experts themselves
                // put them above weak ones, so weak > stuffed is reported apart.
                let ordered = sv("strong") > sv("good") && sv("good") > sv("average") && sv("average") > sv("weak")
                    && sv("weak") > sv("generic") && sv("average") > sv("stuffed")
                orderedCases += ordered ? 1 : 0
                weakAboveStuffed += sv("weak") > sv("stuffed") ? 1 : 0
                let expert = { (level: String) in labelled.first { $0.slug == slug && $0.level == level }?.label?.score ?? -1 }
                expertsWeakAboveStuffed += expert("weak") > expert("stuffed") ? 1 : 0
                print("| \(slug) | " + cells.joined(separator: " | ") + " | \(ordered ? "yes" : "no") |")
            }
            let means = CalibrationSet.levels.map { l in byLevel[l].map { String(format: "%.1f", Double($0.reduce(0, +)) / Double($0.count)) } ?? "—" }
            print("| **mean grader score** | " + means.joined(separator: " | ") + " | \(orderedCases) of \(cases.count) |")
            print("\nOrder: strong > good > average > weak > generic, and stuffed below average, in \(orderedCases) of \(cases.count) cases. Weak above stuffed: \(weakAboveStuffed) of \(cases.count) (the expert labels: \(expertsWeakAboveStuffed) of \(cases.count)).")
            print("\nAnother case's strong answer, graded against each of the other rubrics: highest score \(crossMax) (\(crossWorst)).")
            print("Highest generic answer: \(highest("generic", thresholds)); highest keyword-stuffed answer: \(highest("stuffed", thresholds)) (tuning part).")
            // What moving the cosine thresholds would trade, the credits held where they were chosen.
            print("\nThe trade-off on the tuning part, cover = semantic-only moved, partly and list credit as chosen:\n")
            print("| cosine threshold | credited precision | credited recall | Spearman | highest stuffed | highest cross-case |")
            print("|---|---|---|---|---|---|")
            for c in stride(from: Float(0.35), through: 0.651, by: 0.05) {
                var t = thresholds
                t.cover = c
                t.semanticOnly = c
                let a = agreement(tuning, t)
                print(String(format: "| %.2f | %.3f | %.3f | %.3f | %d | %d |", Double(c), a.precision, a.recall, a.spearman,
                             highest("stuffed", t), crossCase(t).score))
            }
            if write {
                let typical = Dictionary(uniqueKeysWithValues: zip(["weak", "average", "good", "strong"], ladder.map { Int($0.rounded()) }))
                let calibration = GradingCalibration(
                    thresholds: thresholds, hireBars: hireBars, typicalScores: typical, calibratedOn: date, labelledAnswers: tuning.count)
                let json = JSONEncoder()
                json.outputFormatting = [.prettyPrinted, .sortedKeys]
                try (json.encode(calibration) + Data("\n".utf8)).write(to: rubricDir.appendingPathComponent("calibration.json"))
                print("\nWrote \(rubricDir.path)/calibration.json.")
            }
        }
    }
}
