import Foundation
import Grader
import KnowledgeBase

// The review page's grade: from a `GradeReport` to what the template shows (stored properties only).

struct GradedPointModel {
    let id: String
    let verdictClass: String, verdictLabel: String
    let text: String
    let level: String
    /// The learner's own sentence, and the link to it highlighted in their answer.
    let quote: String?
    let evidenceURL: String?
    /// "said under 3. Data", when the sentence sits in another step.
    let saidElsewhere: String?
    /// Why a partly or missed point is not covered, in a sentence.
    let note: String?
    /// What a strong answer says, for a point not covered, and where the reference covers it.
    let modelAnswer: String?
    let sectionURL: String?
    /// Not covered and not yet a card: offer "Practise this".
    let canPractise: Bool
    /// Already in the learner's Weak points deck.
    let practised: Bool
}

struct DimensionGapModel {
    let title: String
    let yours: String
    let grader: String
    let gap: String
}

struct GradeSummaryModel {
    let score: Int
    let bar: Int
    let weakestStep: String?
    let weakestURL: String?
    let seniorRaised: Int, seniorTotal: Int
    let staffRaised: Int, staffTotal: Int
    let gaps: [DimensionGapModel]
    let hasGaps: Bool
    let calibratedOn: String
    let labelledAnswers: Int
    /// "a strong senior answer scores about 72, a solid one 47, an average one 15".
    let scale: String?
    /// Points not covered that are not yet cards, for "Practise all".
    let unpractised: Int
    let weakDeckURL: String
    let practisedCount: Int
}

struct GradeWarmingModel {
    let phase: String
    let percent: Int
}

/// Builds the review's grade models from a report; one place for how verdicts read.
struct ReviewGrade {
    let report: GradeReport
    let rubric: [GradablePoint]
    let calibration: GradingCalibration
    let caseURL: String
    /// Points the learner already has a weak-point card for.
    var practised: Set<String> = []
    var weakDeckURL: String = "/cards/review"

    static func evidenceId(step: String, start: Int) -> String { "ev-\(step)-\(start)" }

    /// A verdict's CSS class and label, wherever a grade is shown.
    static func label(_ v: Verdict) -> (String, String) {
        switch v {
        case .covered: ("is-covered", "✓ Covered")
        case .partly: ("is-partly", "◐ Partly")
        case .missed: ("is-missed", "✗ Missed")
        }
    }

    /// Where the quoted sentence is on the review page: highlighted in the step's answer, or in the transcript.
    static func evidenceURL(_ e: GradeReport.Evidence) -> String {
        switch e.source {
        case nil: "#" + evidenceId(step: e.step, start: e.start)
        case let s? where s.hasPrefix("question:"): "#asked-" + s.dropFirst("question:".count)
        case let s?: "#followup-" + s.dropFirst("followup:".count)
        }
    }

    func stepScore(_ step: FrameworkStep) -> Int { report.steps.first { $0.step == step.rawValue }?.score ?? 0 }

    /// The step's highlight ranges: each sentence quoted as evidence for a credited point (or a contradiction).
    func ranges(in step: FrameworkStep) -> [(start: Int, end: Int, id: String)] {
        var seen = Set<Int>()
        return report.points.compactMap { p in
            guard let e = p.evidence, e.source == nil, e.step == step.rawValue, p.verdict != .missed || p.contradicted, seen.insert(e.start).inserted else {
                return nil
            }
            return (e.start, e.end, Self.evidenceId(step: e.step, start: e.start))
        }
    }

    func points(for step: FrameworkStep) -> [GradedPointModel] {
        let byId = Dictionary(rubric.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return report.points.filter { $0.step == step.rawValue }.compactMap { p in
            guard let point = byId[p.point] else { return nil }
            let (cls, label) = Self.label(p.verdict)
            let showsEvidence = p.verdict != .missed || p.contradicted
            let evidence = showsEvidence ? p.evidence : nil
            let elsewhere = evidence.flatMap { e -> String? in
                if let source = e.source { return source.hasPrefix("question:") ? "a question you asked the interviewer" : "your reply to the interviewer's follow-up" }
                guard e.step != step.rawValue, let s = FrameworkStep(rawValue: e.step) else { return nil }
                return "said under \((FrameworkStep.allCases.firstIndex(of: s) ?? 0) + 1). \(s.sectionTitle)"
            }
            let note: String? =
                if p.contradicted { "Your sentence says the opposite of this point, so it counts against it." }
                else if p.verdict == .partly && p.bareList { "Named in a list, without saying why or how: half an idea at most." }
                else if p.verdict == .partly { "Close, but one sentence does not carry the whole idea: say what and why together." }
                else { nil }
            return GradedPointModel(
                id: point.id, verdictClass: cls, verdictLabel: label, text: point.point, level: point.level,
                quote: evidence?.text, evidenceURL: evidence.map(Self.evidenceURL),
                saidElsewhere: elsewhere, note: note,
                modelAnswer: p.verdict == .covered ? nil : point.says.first,
                sectionURL: p.verdict == .covered ? nil : point.section.map { caseURL + "#" + $0 },
                canPractise: p.verdict != .covered && !practised.contains(point.id), practised: practised.contains(point.id))
        }
    }

    /// Which self-assessment dimension each step feeds (communication is not something the grader can judge).
    static let dimensionSteps: [String: [FrameworkStep]] = [
        "scoping": [.requirements], "framing": [.framing, .evaluation], "data": [.data], "modelling": [.model],
        "serving": [.serving, .monitoring],
    ]

    func summary(selfGrades: [String: Int]) -> GradeSummaryModel {
        let byId = Dictionary(rubric.map { ($0.id, $0.level) }, uniquingKeysWith: { a, _ in a })
        func raised(_ level: String) -> (Int, Int) {
            let all = report.points.filter { byId[$0.point] == level }
            return (all.filter { $0.verdict == .covered }.count, all.count)
        }
        let bar = calibration.hireBar
        let graded = FrameworkStep.allCases.filter { s in report.steps.contains { $0.step == s.rawValue } }
        let weakest = graded.map { ($0, stepScore($0)) }.filter { $0.1 < bar }.min { $0.1 < $1.1 }
        let senior = raised("senior"), staff = raised("staff")
        let gaps = InterviewGuide.dimensions.compactMap { d -> DimensionGapModel? in
            guard let steps = Self.dimensionSteps[d.key]?.filter(graded.contains), !steps.isEmpty else { return nil }
            let mean = steps.map(stepScore).reduce(0, +) / steps.count
            let graderSignal = calibration.signal(mean)
            let grader = "\(InterviewGuide.signal(graderSignal)) (steps scored \(mean))"
            guard let mine = selfGrades[d.key] else {
                return DimensionGapModel(title: d.title, yours: "not graded", grader: grader, gap: "—")
            }
            let gap = mine - graderSignal
            let text = gap == 0 ? "agrees" : gap > 0 ? "you graded yourself \(gap) level\(gap == 1 ? "" : "s") higher" : "you graded yourself \(-gap) level\(gap == -1 ? "" : "s") lower"
            return DimensionGapModel(title: d.title, yours: InterviewGuide.signal(mine), grader: grader, gap: text)
        }
        return GradeSummaryModel(
            score: report.score, bar: bar,
            weakestStep: weakest.map { "\((FrameworkStep.allCases.firstIndex(of: $0.0) ?? 0) + 1). \($0.0.sectionTitle) (\($0.1))" },
            weakestURL: weakest.map { "#review-\($0.0.rawValue)" },
            seniorRaised: senior.0, seniorTotal: senior.1, staffRaised: staff.0, staffTotal: staff.1,
            gaps: gaps, hasGaps: !gaps.isEmpty, calibratedOn: calibration.calibratedOn, labelledAnswers: calibration.labelledAnswers,
            scale: Self.scale(calibration.typicalScores),
            unpractised: report.points.filter { $0.verdict != .covered && !practised.contains($0.point) }.count,
            weakDeckURL: weakDeckURL, practisedCount: practised.count)
    }

    static func scale(_ typical: [String: Int]) -> String? {
        guard let strong = typical["strong"], let good = typical["good"], let average = typical["average"] else { return nil }
        return "On this scale a strong senior answer scores about \(strong), a solid one about \(good) and an average one about \(average)."
    }
}
