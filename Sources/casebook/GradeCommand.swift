import ArgumentParser
import Foundation
import Grader
import KnowledgeBase
import Yams

/// `casebook grade`: the rubric grader from the command line.
struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade", abstract: "The rubric grader: calibrate its thresholds on the labelled answers.",
        subcommands: [Calibrate.self])

    /// The seven `##` step sections of a Markdown answer (the shape of `/attempts/{id}/export.md`), as graded units.
    static func units(ofAnswer markdown: String) -> [LocatedUnit] {
        var sections: [(step: FrameworkStep, lines: [Substring])] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## "),
                let step = FrameworkStep.allCases.first(where: { $0.sectionTitle == line.dropFirst(3).trimmingCharacters(in: .whitespaces) })
            {
                sections.append((step, []))
            } else if !sections.isEmpty {
                sections[sections.count - 1].lines.append(line)
            }
        }
        return sections.flatMap { s in
            AnswerSplitter.units(s.lines.joined(separator: "\n")).map { LocatedUnit(step: s.step.rawValue, unit: $0) }
        }
    }

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

        /// Kept out of the tuning (issue 17): two levels for four cases.
        static let heldOut: [String: Set<String>] = [
            "video-recommendation": ["good", "weak"], "fraud-detection": ["good", "weak"],
            "visual-search": ["good", "weak"], "rag-assistant": ["good", "weak"],
        ]
        static let levels = ["strong", "good", "average", "weak", "generic", "stuffed"]

        struct Label: Decodable {
            var score: Double
            var covered: [String]?
            var partly: [String]?
        }
        struct LabelFile: Decodable { var answers: [String: Label] }

        struct Answer {
            let slug: String
            let level: String
            let units: [LocatedUnit]
            var embeddings: [[Float]] = []
            let label: Label?
            var heldOut: Bool { Calibrate.heldOut[slug]?.contains(level) ?? false }
        }

        func run() async throws {
            let rubrics = try GradableRubrics.load(directory: URL(fileURLWithPath: contentDir).appendingPathComponent("rubrics"))
            let encoder = try SentenceEncoder(directory: modelDir)
            var answers: [Answer] = []
            for slug in rubrics.keys.sorted() {
                let dir = URL(fileURLWithPath: calibrationDir).appendingPathComponent(slug)
                let labels = (try? String(contentsOf: dir.appendingPathComponent("labels.yaml"), encoding: .utf8))
                    .flatMap { try? YAMLDecoder().decode(LabelFile.self, from: $0) }
                for level in Self.levels {
                    guard let text = try? String(contentsOf: dir.appendingPathComponent("\(level).md"), encoding: .utf8) else { continue }
                    answers.append(Answer(slug: slug, level: level, units: GradeCommand.units(ofAnswer: text), label: labels?.answers[level]))
                }
            }
            let started = ContinuousClock.now
            let statementEmbeddings = rubrics.mapValues { points in points.map { encoder.embed($0.says) } }
            for i in answers.indices { answers[i].embeddings = encoder.embed(answers[i].units.map(\.unit.text)) }
            let embedTime = ContinuousClock.now - started

            // Term matching and cosines once per (answer, rubric); thresholds are applied afterwards.
            func matches(_ a: Answer, against slug: String) -> [PointMatches] {
                RubricMatcher.match(
                    points: rubrics[slug]!, units: a.units, unitEmbeddings: a.embeddings,
                    statementEmbeddings: statementEmbeddings[slug]!)
            }
            let labelled = answers.filter { $0.label != nil }
            let own = labelled.map { matches($0, against: $0.slug) }
            func grades(_ i: Int, _ t: GradingThresholds) -> [PointGrade] {
                RubricMatcher.decide(own[i], pointIds: rubrics[labelled[i].slug]!.map(\.id), unitCount: labelled[i].units.count, thresholds: t)
            }

            struct Agreement {
                var spearman = 0.0
                var precision = 0.0
                var recall = 0.0
                var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
            }
            // A point is "credited" when the verdict is covered or partly; the labels say the same per point.
            func agreement(_ indices: [Int], _ t: GradingThresholds) -> Agreement {
                var tp = 0.0, fp = 0.0, fn = 0.0
                var ours: [Double] = [], experts: [Double] = []
                for i in indices {
                    let g = grades(i, t)
                    let label = labelled[i].label!
                    let expected = Set((label.covered ?? []) + (label.partly ?? []))
                    for p in g {
                        let credited = p.verdict != .missed
                        if credited && expected.contains(p.pointId) { tp += 1 }
                        if credited && !expected.contains(p.pointId) { fp += 1 }
                        if !credited && expected.contains(p.pointId) { fn += 1 }
                    }
                    ours.append(Double(Scoring.overall(g, partlyCredit: t.partlyCredit)))
                    experts.append(label.score)
                }
                return Agreement(
                    spearman: Scoring.spearman(ours, experts), precision: tp + fp == 0 ? 0 : tp / (tp + fp),
                    recall: tp + fn == 0 ? 0 : tp / (tp + fn))
            }
            let tuning = labelled.indices.filter { !labelled[$0].heldOut }
            let held = labelled.indices.filter { labelled[$0].heldOut }
            // The issue's bars on the tuning part: generic answers ≤ 15 and keyword-stuffed ≤ 20 on average. Among the
            // grid points that meet them, the one with the best Spearman + F1; if none does, the best overall.
            func meetsBars(_ t: GradingThresholds) -> Bool {
                func mean(_ level: String) -> Double {
                    let s = tuning.filter { labelled[$0].level == level }.map { Double(Scoring.overall(grades($0, t), partlyCredit: t.partlyCredit)) }
                    return s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
                }
                return mean("generic") <= 15 && mean("stuffed") <= 20
            }
            var best: (GradingThresholds, Agreement, Bool)?
            for c in stride(from: Float(0.30), through: 0.80, by: 0.05) {
                for s in stride(from: c, through: 0.95, by: 0.05) {
                    for partly in [0.1, 0.2, 0.3, 0.5] {
                        let t = GradingThresholds(cover: c, semanticOnly: s, partlyCredit: partly)
                        let a = agreement(tuning, t)
                        let ok = meetsBars(t)
                        if let b = best, (b.2 && !ok) || (b.2 == ok && a.spearman + a.f1 <= b.1.spearman + b.1.f1) { continue }
                        best = (t, a, ok)
                    }
                }
            }
            guard let (thresholds, tuned, barsMet) = best else { throw ValidationError("no labelled answers in \(calibrationDir)") }
            let check = agreement(held, thresholds)

            let date = ISO8601DateFormatter().string(from: Date()).prefix(10)
            print("Produced by `casebook grade calibrate` on \(date): \(labelled.count) labelled answers in \(Set(labelled.map(\.slug)).count) cases (\(tuning.count) tuning, \(held.count) held out), \(answers.count) answers in all; embedding every statement and answer took \(embedTime).\n")
            let f = { (x: Double) in String(format: "%.2f", x) }
            print("Thresholds chosen on the tuning part (grid: cover 0.30–0.80 and semantic-only cover–0.95 in steps of 0.05, partly credit 0.1/0.2/0.3/0.5; the best Spearman + F1 among those keeping generic ≤ 15 and stuffed ≤ 20 on average, \(barsMet ? "met" : "which no grid point met, so the best overall")): cover \(f(Double(thresholds.cover))), semantic-only \(f(Double(thresholds.semanticOnly))), partly credit \(f(thresholds.partlyCredit)).\n")
            print("| part | answers | Spearman (grader vs expert score) | point precision | point recall |")
            print("|---|---|---|---|---|")
            print(String(format: "| tuning | %d | %.3f | %.3f | %.3f |", tuning.count, tuned.spearman, tuned.precision, tuned.recall))
            print(String(format: "| held out | %d | %.3f | %.3f | %.3f |", held.count, check.spearman, check.precision, check.recall))
            print("\nPer case, expert score → grader score (held-out answers marked *):\n")
            print("| case | " + Self.levels.joined(separator: " | ") + " |")
            print("|---|" + String(repeating: "---|", count: Self.levels.count))
            var byLevel: [String: [Int]] = [:]
            for slug in Set(labelled.map(\.slug)).sorted() {
                var cells: [String] = []
                for level in Self.levels {
                    guard let i = labelled.indices.first(where: { labelled[$0].slug == slug && labelled[$0].level == level }) else {
                        cells.append("—")
                        continue
                    }
                    let score = Scoring.overall(grades(i, thresholds), partlyCredit: thresholds.partlyCredit)
                    byLevel[level, default: []].append(score)
                    cells.append("\(Int(labelled[i].label!.score)) → \(score)\(labelled[i].heldOut ? "*" : "")")
                }
                print("| \(slug) | " + cells.joined(separator: " | ") + " |")
            }
            let means = Self.levels.map { l in byLevel[l].map { String(format: "%.1f", Double($0.reduce(0, +)) / Double($0.count)) } ?? "—" }
            print("| **mean grader score** | " + means.joined(separator: " | ") + " |")
            // Another case's strong answer graded against each rubric: the most any of them earns.
            var crossMax = 0
            var crossWorst = ""
            for a in answers where a.level == "strong" {
                for slug in rubrics.keys where slug != a.slug {
                    let g = RubricMatcher.decide(
                        matches(a, against: slug), pointIds: rubrics[slug]!.map(\.id), unitCount: a.units.count,
                        thresholds: thresholds)
                    let score = Scoring.overall(g, partlyCredit: thresholds.partlyCredit)
                    if score > crossMax { (crossMax, crossWorst) = (score, "\(a.slug)'s strong answer on the \(slug) rubric") }
                }
            }
            print("\nAnother case's strong answer, graded against each of the other rubrics: highest score \(crossMax) (\(crossWorst)).")
        }
    }
}
