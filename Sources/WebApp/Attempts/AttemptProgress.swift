import Foundation
import Grader
import KnowledgeBase

/// Progress across graded attempts (issue 20): per case, the scores over time; across cases, a skill profile per
/// framework step, the weakest step and one concrete next step. Pure: reports in, view models out.
public enum AttemptProgress {
    /// One graded attempt of a case.
    struct Graded {
        let attemptId: Int64
        let slug: String
        let startedAt: Date
        let report: GradeReport
    }

    // MARK: per case

    struct ChartRow {
        /// 1 for the oldest, as the chart's x axis numbers them.
        let n: Int
        let label: String
        let url: String
        let score: Int
        let steps: [StepCell]
    }

    struct StepCell {
        let score: Int
        let below: Bool
    }

    /// Oldest first, as the chart reads left to right.
    static func rows(_ graded: [Graded], bar: Int) -> [ChartRow] {
        graded.sorted { $0.startedAt < $1.startedAt }.enumerated().map { i, g in
            ChartRow(
                n: i + 1, label: label(g.startedAt), url: "/attempts/\(g.attemptId)/review", score: g.report.score,
                steps: FrameworkStep.allCases.map { s in
                    let score = g.report.steps.first { $0.step == s.rawValue }?.score ?? 0
                    return StepCell(score: score, below: score < bar)
                })
        }
    }

    /// "2 Dec 14:37" (UTC): attempts on one day stay apart.
    static func label(_ date: Date) -> String { UTCDates.formatter("d MMM HH:mm").string(from: date) }

    /// A line chart of the overall score per attempt, with the hire bar dashed; an SVG with its own title and
    /// description (the table beside it carries the same numbers for screen readers and without SVG).
    static func chart(_ rows: [ChartRow], bar: Int, caseTitle: String) -> String {
        let width = 640.0, height = 220.0, left = 36.0, right = 12.0, top = 12.0, bottom = 28.0
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ i: Int) -> Double { rows.count <= 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(rows.count - 1) }
        func y(_ score: Int) -> Double { top + plotH * (1 - Double(min(max(score, 0), 100)) / 100) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let first = rows.first?.score ?? 0, last = rows.last?.score ?? 0
        var svg = """
            <svg class="progress-chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">\(escape(caseTitle)): grader score per attempt</title>
            <desc id="chart-desc">\(rows.count) graded attempt\(rows.count == 1 ? "" : "s"), from \(first) to \(last) out of 100; the dashed line is the bar of \(bar).</desc>

            """
        for g in stride(from: 0, through: 100, by: 25) {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(g)))\" y2=\"\(f(y(g)))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y(g) + 4))\" text-anchor=\"end\">\(g)</text>\n"
        }
        svg += "<line class=\"bar-line\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(bar)))\" y2=\"\(f(y(bar)))\"/>\n"
        if rows.count > 1 {
            let points = rows.indices.map { "\(f(x($0))),\(f(y(rows[$0].score)))" }.joined(separator: " ")
            svg += "<polyline class=\"score-line\" points=\"\(points)\"/>\n"
        }
        for (i, r) in rows.enumerated() {
            svg += "<circle class=\"score-dot\" cx=\"\(f(x(i)))\" cy=\"\(f(y(r.score)))\" r=\"4\"><title>\(escape(r.label)): \(r.score)</title></circle>"
            svg += "<text class=\"axis\" x=\"\(f(x(i)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(i + 1)</text>\n"
        }
        return svg + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    // MARK: across cases

    public struct StepSkill: Sendable, Equatable {
        public let step: FrameworkStep
        /// Mean step score over the latest graded attempt of each case.
        public let mean: Int
        public let cases: Int
        public let seniorCovered: Int, seniorTotal: Int
        public let staffCovered: Int, staffTotal: Int
    }

    /// The dashboard's skill profile (through `AttemptActivityProvider`).
    public struct Profile: Sendable, Equatable {
        public let steps: [StepSkill]
        public let weakest: FrameworkStep?
        /// "Next: Evaluation on Fraud detection — you missed “…” in 2 attempts."
        public let suggestion: String?
        public let suggestionURL: String?
        public let cases: Int
        /// Whether the learner is improving: over cases attempted more than once, the latest graded attempt's score
        /// against the first one's, on average ("+14 since your first attempt, over 3 cases"); nil with no repeat.
        public let trend: String?
    }

    /// The profile over every graded attempt; nil when nothing is graded yet.
    static func profile(_ graded: [Graded], rubrics: [String: [GradablePoint]], titles: [String: String], caseURLs: [String: String])
        -> Profile?
    {
        guard !graded.isEmpty else { return nil }
        let latest = Dictionary(grouping: graded, by: \.slug).compactMapValues { $0.max { $0.startedAt < $1.startedAt } }
        let levels = rubrics.mapValues { Dictionary($0.map { ($0.id, $0.level) }, uniquingKeysWith: { a, _ in a }) }
        let steps = FrameworkStep.allCases.map { step -> StepSkill in
            let scores = latest.values.map { g in g.report.steps.first { $0.step == step.rawValue }?.score ?? 0 }
            func count(_ level: String) -> (Int, Int) {
                let points = latest.values.flatMap { g in
                    g.report.points.filter { $0.step == step.rawValue && levels[g.slug]?[$0.point] == level }
                }
                return (points.filter { $0.verdict == .covered }.count, points.count)
            }
            let senior = count("senior"), staff = count("staff")
            return StepSkill(step: step, mean: scores.reduce(0, +) / max(1, scores.count), cases: scores.count,
                             seniorCovered: senior.0, seniorTotal: senior.1, staffCovered: staff.0, staffTotal: staff.1)
        }
        let weakest = steps.min { $0.mean < $1.mean }?.step
        var suggestion: String?
        var suggestionURL: String?
        if let weakest {
            // The case whose latest attempt scores lowest on that step, and its point of that step missed most often.
            let slug = latest.values.min { a, b in
                (a.report.steps.first { $0.step == weakest.rawValue }?.score ?? 0) < (b.report.steps.first { $0.step == weakest.rawValue }?.score ?? 0)
            }?.slug
            if let slug, let title = titles[slug] {
                let attempts = graded.filter { $0.slug == slug }
                let missed = Dictionary(grouping: attempts.flatMap { a in
                    a.report.points.filter { $0.step == weakest.rawValue && $0.verdict == .missed }.map(\.point)
                }, by: { $0 }).mapValues(\.count)
                let top = missed.max { ($0.value, $1.key) < ($1.value, $0.key) }
                let text = top.flatMap { t in rubrics[slug]?.first { $0.id == t.key } }.map { p in
                    let times = missed[p.id] ?? 0
                    return " — you missed “\(p.point)” \(times == 1 ? "in your last attempt" : "in \(times) attempts")"
                } ?? ""
                suggestion = "Next: \(weakest.sectionTitle) on \(title)\(text)."
                suggestionURL = caseURLs[slug].map { $0 + "#" + weakest.sectionId }
            }
        }
        return Profile(steps: steps, weakest: weakest, suggestion: suggestion, suggestionURL: suggestionURL, cases: latest.count,
                       trend: trend(graded))
    }

    static func trend(_ graded: [Graded]) -> String? {
        let repeated = Dictionary(grouping: graded, by: \.slug).values.filter { $0.count > 1 }.map { list -> Int in
            let sorted = list.sorted { $0.startedAt < $1.startedAt }
            return sorted.last!.report.score - sorted.first!.report.score
        }
        guard !repeated.isEmpty else { return nil }
        let mean = Int((Double(repeated.reduce(0, +)) / Double(repeated.count)).rounded())
        let cases = repeated.count == 1 ? "1 case attempted more than once" : "\(repeated.count) cases attempted more than once"
        let change = mean > 0 ? "up \(mean) points" : mean < 0 ? "down \(-mean) points" : "unchanged"
        return "Your latest attempts score \(change) on your first ones (\(cases))."
    }
}
