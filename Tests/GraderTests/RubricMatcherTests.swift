import Testing

@testable import Grader

/// The verdict rules on embeddings made by hand (unit axes), so each rule is tested apart from the model.
@Suite("Rubric matcher rules")
struct RubricMatcherTests {
    static let thresholds = GradingThresholds(cover: 0.6, semanticOnly: 0.8, partlyCredit: 0.5, listCredit: 0.1)

    func axis(_ i: Int, _ weight: Float = 1) -> [Float] {
        var v = [Float](repeating: 0, count: 4)
        v[i] = weight
        v[(i + 1) % 4] = (1 - weight * weight).squareRoot()
        return v
    }

    func point(_ id: String, evidence: [[String]], contradicts: [String] = []) -> GradablePoint {
        GradablePoint(id: id, step: "model", level: "mid", point: id, says: [id], evidence: evidence, contradicts: contradicts)
    }

    func grade(_ points: [GradablePoint], _ texts: [String], _ unitVectors: [[Float]], _ statementVectors: [[[Float]]])
        -> [PointGrade]
    {
        let units = texts.map { LocatedUnit(step: "model", unit: AnswerUnit(text: $0, start: 0, end: $0.utf16.count, isBullet: false)) }
        return RubricMatcher.grade(
            points: points, units: units, unitEmbeddings: unitVectors, statementEmbeddings: statementVectors,
            thresholds: Self.thresholds)
    }

    @Test func coveredNeedsEvidenceAndMeaning() {
        let p = point("logq", evidence: [["in-batch negatives"], ["logQ", "frequency correction"]])
        let text = "Train with in-batch negatives and a logQ correction so popular videos are not over-penalised"
        #expect(grade([p], [text], [axis(0, 1)], [[axis(0)]])[0].verdict == .covered)
        // Same words, far in meaning: partly.
        #expect(grade([p], [text], [axis(0, 0.3)], [[axis(0)]])[0].verdict == .partly)
        // Close in meaning, without the evidence: partly only above the stricter threshold.
        let paraphrase = "Correct the sampled loss for how often each item shows up in a batch"
        #expect(grade([p], [paraphrase], [axis(0, 0.9)], [[axis(0)]])[0].verdict == .partly)
        #expect(grade([p], [paraphrase], [axis(0, 0.7)], [[axis(0)]])[0].verdict == .missed)
    }

    @Test func bareListIsAtMostPartly() {
        let p = point("logq", evidence: [["in-batch negatives"], ["logQ"]])
        let g = grade([p], ["two-tower, in-batch negatives, logQ, HNSW"], [axis(0, 1)], [[axis(0)]])
        #expect(g[0].verdict == .partly)
        #expect(g[0].bareList)
        // The same terms in a sentence with a reason are covered, and a partly from a sentence is not a list's.
        let sentence = grade([p], ["We train with in-batch negatives and subtract logQ so popular items are not over-penalised."],
                             [axis(0, 1)], [[axis(0)]])
        #expect(sentence[0].verdict == .covered)
        #expect(!sentence[0].bareList)
    }

    @Test func negationCountsAgainstAndContradictionMisses() {
        let calibration = point("calibrated", evidence: [["calibrate", "calibration"], ["probability", "bid"]])
        #expect(grade([calibration], ["We would not calibrate the probability for the auction"], [axis(0, 1)], [[axis(0)]])[0].verdict
            == .partly)  // meaning alone, above 0.8
        let noAccuracy = point(
            "no-accuracy", evidence: [["not", "avoid", "misleading"], ["accuracy"]], contradicts: ["optimise accuracy"])
        let ok = grade([noAccuracy], ["Accuracy is misleading at a 0.1% fraud rate, so we avoid it"], [axis(0, 1)], [[axis(0)]])
        #expect(ok[0].verdict == .covered)
        let wrong = grade(
            [noAccuracy], ["We optimise accuracy on the validation set", "Accuracy is misleading here, avoid it"],
            [axis(1), axis(0, 1)], [[axis(0)]])
        #expect(wrong[0].verdict == .missed)
        #expect(wrong[0].contradicted)
        #expect(wrong[0].evidenceUnit == 0)
    }

    @Test func oneSentenceCreditsAtMostTwoPoints() {
        let points = ["a", "b", "c"].map { point($0, evidence: [["HNSW"], ["recall"]]) }
        let text = "HNSW keeps recall at 0.95 because ef is tuned for the latency budget"
        let g = grade(points, [text], [axis(0, 1)], [[axis(0)], [axis(0, 0.99)], [axis(0, 0.98)]])
        #expect(g.filter { $0.verdict != .missed }.count == 2)
        #expect(g[2].verdict == .missed)
    }
}

@Suite("Scores")
struct ScoringTests {
    @Test func spearmanAgainstHandWorkedValues() {
        #expect(abs(Scoring.spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12)
        #expect(abs(Scoring.spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12)
        // Ranks x = 1, 2.5, 2.5, 4 and y = 1, 2, 3, 4: Pearson of the ranks is 0.9486833.
        #expect(abs(Scoring.spearman([1, 5, 5, 9], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-9)
        #expect(Scoring.spearman([3, 3, 3], [1, 2, 3]) == 0)
    }

    @Test func overallWeighsPartlyByItsCredit() {
        let g = [Verdict.covered, .partly, .missed, .partly].map {
            PointGrade(pointId: "p", verdict: $0, evidenceUnit: nil, contradicted: false)
        }
        func t(_ partly: Double, _ list: Double) -> GradingThresholds {
            GradingThresholds(cover: 0.5, semanticOnly: 0.5, partlyCredit: partly, listCredit: list)
        }
        #expect(Scoring.overall(g, t(0.5, 0)) == 50)
        #expect(Scoring.overall(g, t(0.1, 0)) == 30)
        #expect(Scoring.overall([], t(0.5, 0)) == 0)
        // A partly earned by a bare list earns the list credit instead.
        let listed = g + [PointGrade(pointId: "q", verdict: .partly, evidenceUnit: 0, contradicted: false, bareList: true)]
        #expect(Scoring.overall(listed, t(0.5, 0.25)) == 45)  // (1 + 0.5 + 0.5 + 0.25) / 5
    }

    @Test func stepScoresCountWhereThePointWasSaid() {
        let points = ["a", "b"].map {
            GradablePoint(id: $0, step: "requirements", level: "mid", point: $0, says: [$0], evidence: [[$0]])
        }
        let units = [LocatedUnit(step: "requirements", unit: AnswerSplitter.units("x here.")[0]),
                     LocatedUnit(step: "data", unit: AnswerSplitter.units("y there.")[0])]
        let grades = [PointGrade(pointId: "a", verdict: .covered, evidenceUnit: 0, contradicted: false),
                      PointGrade(pointId: "b", verdict: .covered, evidenceUnit: 1, contradicted: false)]
        let r = AnswerGrader.report(points, grades: grades, units: units, stepOrder: ["requirements", "data"],
                                    GradingThresholds(cover: 0.5, semanticOnly: 0.5, partlyCredit: 0.5, listCredit: 0.1))
        // Both count overall; the requirements step counts only the one said under it.
        #expect(r.score == 100)
        #expect(r.steps == [GradeReport.Step(step: "requirements", score: 50), GradeReport.Step(step: "data", score: 0)])
        #expect(r.points[1].evidence?.step == "data")
        #expect(r.points[1].evidence?.text == "y there.")
    }
}
