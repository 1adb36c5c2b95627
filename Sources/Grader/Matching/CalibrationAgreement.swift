import Foundation

/// An expert's label of one calibration answer (`Tests/GraderTests/Calibration/<slug>/labels.yaml`).
public struct ExpertLabel: Sendable, Codable {
    public var score: Double
    public var covered: [String]?
    /// Part of the idea in a real sentence.
    public var partly: [String]?
    /// Named only in a bare list of terms.
    public var listed: [String]?

    /// The points the expert gave any credit.
    public var credited: Set<String> { Set((covered ?? []) + (partly ?? []) + (listed ?? [])) }
}

/// How far the grader agrees with the expert labels over a set of answers: the one definition the calibration
/// command and the calibration tests share.
public struct CalibrationAgreement: Sendable {
    public var spearman = 0.0
    /// "Credited" (covered or partly, either kind) by the grader and the expert.
    public var precision = 0.0
    public var recall = 0.0
    /// Covered by the grader against covered by the expert.
    public var coveredPrecision = 0.0
    public var coveredRecall = 0.0
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    public init(_ graded: [(grades: [PointGrade], label: ExpertLabel)], _ t: GradingThresholds) {
        var tp = 0.0, fp = 0.0, fn = 0.0
        var ctp = 0.0, cfp = 0.0, cfn = 0.0
        var ours: [Double] = [], experts: [Double] = []
        for (grades, label) in graded {
            let expected = label.credited
            let expectedCovered = Set(label.covered ?? [])
            for p in grades {
                let credited = p.verdict != .missed
                if credited && expected.contains(p.pointId) { tp += 1 }
                if credited && !expected.contains(p.pointId) { fp += 1 }
                if !credited && expected.contains(p.pointId) { fn += 1 }
                let covered = p.verdict == .covered
                if covered && expectedCovered.contains(p.pointId) { ctp += 1 }
                if covered && !expectedCovered.contains(p.pointId) { cfp += 1 }
                if !covered && expectedCovered.contains(p.pointId) { cfn += 1 }
            }
            ours.append(Double(Scoring.overall(grades, t)))
            experts.append(label.score)
        }
        func ratio(_ a: Double, _ b: Double) -> Double { a + b == 0 ? 0 : a / (a + b) }
        spearman = Scoring.spearman(ours, experts)
        precision = ratio(tp, fp)
        recall = ratio(tp, fn)
        coveredPrecision = ratio(ctp, cfp)
        coveredRecall = ratio(ctp, cfn)
    }
}
