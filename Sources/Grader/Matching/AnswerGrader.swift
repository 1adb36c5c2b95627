import Foundation

/// What calibration on the labelled answers chose (`casebook grade calibrate --write`), kept in one file,
/// `Content/rubrics/calibration.json`, so the server, the CLI and the tests grade alike.
public struct GradingCalibration: Sendable, Codable, Equatable {
    public var thresholds: GradingThresholds
    /// Grader scores at which a step (or a self-assessment dimension) reads as lean no hire, hire and strong hire:
    /// midpoints between the mean grader scores of the weak, average, good and strong calibration answers.
    public var hireBars: [Int]
    /// The mean grader score of the calibration answers at each level (strong, good, average, weak), so the review
    /// can say what a score means on this scale.
    public var typicalScores: [String: Int]
    /// When and on what it was calibrated, for the review page's footnote and the grade cache's key.
    public var calibratedOn: String
    public var labelledAnswers: Int

    public init(thresholds: GradingThresholds, hireBars: [Int], typicalScores: [String: Int], calibratedOn: String, labelledAnswers: Int) {
        self.thresholds = thresholds
        self.hireBars = hireBars
        self.typicalScores = typicalScores
        self.calibratedOn = calibratedOn
        self.labelledAnswers = labelledAnswers
    }

    /// 1 (no hire) to 4 (strong hire) for a 0–100 grader score.
    public func signal(_ score: Int) -> Int { 1 + hireBars.filter { score >= $0 }.count }
    /// The score a step needs to read as "hire".
    public var hireBar: Int { hireBars.count > 1 ? hireBars[1] : 50 }
}

/// A rubric with its model statements embedded, ready to grade against.
public struct PreparedRubric: Sendable {
    public let slug: String
    public let points: [GradablePoint]
    /// Per point, one unit vector per `says` statement.
    public let statementEmbeddings: [[[Float]]]

    public init(slug: String, points: [GradablePoint], statementEmbeddings: [[[Float]]]) {
        precondition(points.count == statementEmbeddings.count, "one embedding list per point")
        self.slug = slug
        self.points = points
        self.statementEmbeddings = statementEmbeddings
    }

    /// The points expected in `steps` only (a re-drill of one step); the whole rubric when every step is there.
    public func restricted(to steps: Set<String>) -> PreparedRubric {
        let keep = points.indices.filter { steps.contains(points[$0].step) }
        guard keep.count < points.count else { return self }
        return PreparedRubric(slug: slug, points: keep.map { points[$0] }, statementEmbeddings: keep.map { statementEmbeddings[$0] })
    }

    /// Every model statement of `rubrics` in one list, in a fixed order, and the way back to prepared rubrics once
    /// they are embedded (so a cache can store them as one block).
    public static func statements(of rubrics: [String: [GradablePoint]]) -> [String] {
        rubrics.keys.sorted().flatMap { rubrics[$0]!.flatMap(\.says) }
    }

    public static func prepare(_ rubrics: [String: [GradablePoint]], embeddings: [[Float]]) -> [String: PreparedRubric] {
        precondition(embeddings.count == statements(of: rubrics).count, "one embedding per statement")
        var next = 0
        var out: [String: PreparedRubric] = [:]
        for slug in rubrics.keys.sorted() {
            let points = rubrics[slug]!
            let perPoint = points.map { p -> [[Float]] in
                defer { next += p.says.count }
                return Array(embeddings[next..<(next + p.says.count)])
            }
            out[slug] = PreparedRubric(slug: slug, points: points, statementEmbeddings: perPoint)
        }
        return out
    }
}

/// The grade of one answer: what `casebook grade` prints and `GET /api/v1/attempts/{id}/grade` returns.
public struct GradeReport: Sendable, Codable, Equatable {
    public struct Evidence: Sendable, Codable, Equatable {
        /// The step whose text holds the sentence (or in which the transcript line was said).
        public let step: String
        public let text: String
        /// UTF-16 offsets in that step's text (or in the transcript line), end exclusive.
        public let start: Int
        public let end: Int
        /// Nil for the step's text; "followup:<id>" for a reply to a follow-up, "question:<n>" for the n-th question
        /// asked of the interviewer (from 0).
        public let source: String?
        public init(step: String, text: String, start: Int, end: Int, source: String? = nil) {
            self.step = step
            self.text = text
            self.start = start
            self.end = end
            self.source = source
        }
    }
    public struct Point: Sendable, Codable, Equatable {
        /// The step where the point is expected.
        public let step: String
        public let point: String
        public let verdict: Verdict
        /// The learner's sentence that earned it, or, when `contradicted`, the one that said the opposite.
        public let evidence: Evidence?
        public let contradicted: Bool
        /// A "partly" earned only by a bare list of terms.
        public let bareList: Bool
    }
    public struct Step: Sendable, Codable, Equatable {
        public let step: String
        public let score: Int
    }
    /// A reply to a follow-up, graded against the follow-up's own points.
    public struct FollowUpGrade: Sendable, Codable, Equatable {
        public let id: String
        public let score: Int
        public let points: [Point]
    }
    public let score: Int
    public let steps: [Step]
    public let points: [Point]
    /// Absent in reports made before the interviewer existed, and when nothing was replied.
    public let followUps: [FollowUpGrade]?

    public init(score: Int, steps: [Step], points: [Point], followUps: [FollowUpGrade]? = nil) {
        self.score = score
        self.steps = steps
        self.points = points
        self.followUps = followUps
    }
}

/// What the learner said to the interviewer, for grading beside the steps' text.
public struct InterviewTranscript: Sendable {
    /// A question the learner asked; `credits` are the rubric points the fact it was answered with credits.
    public struct Question: Sendable {
        public let step: String
        public let text: String
        public let credits: [String]
        public init(step: String, text: String, credits: [String]) {
            self.step = step
            self.text = text
            self.credits = credits
        }
    }
    /// The learner's reply to a follow-up, graded with the follow-up's points (and, like any sentence, against the
    /// case's rubric in the follow-up's step).
    public struct Reply: Sendable {
        public let followUp: String
        public let step: String
        public let text: String
        public let rubric: PreparedRubric
        public init(followUp: String, step: String, text: String, rubric: PreparedRubric) {
            self.followUp = followUp
            self.step = step
            self.text = text
            self.rubric = rubric
        }
    }
    public let questions: [Question]
    public let replies: [Reply]
    public init(questions: [Question] = [], replies: [Reply] = []) {
        self.questions = questions
        self.replies = replies
    }
    public static let empty = InterviewTranscript()
}

/// Grades an answer (text per step) against a prepared rubric: splits it into sentences and bullets, embeds them
/// and applies the calibrated rules of `RubricMatcher`.
public struct AnswerGrader: Sendable {
    public let encoder: SentenceEncoder
    public let calibration: GradingCalibration

    public init(encoder: SentenceEncoder, calibration: GradingCalibration) {
        self.encoder = encoder
        self.calibration = calibration
    }

    /// `steps` in order of the framework, each with the learner's Markdown; steps may be empty. The transcript's
    /// replies are graded like sentences of their step (and against their follow-up's points); a question asked
    /// covers the points its fact credits.
    public func grade(_ rubric: PreparedRubric, steps: [(step: String, text: String)], transcript: InterviewTranscript = .empty) -> GradeReport {
        var units = steps.flatMap { s in AnswerSplitter.units(s.text).map { LocatedUnit(step: s.step, unit: $0) } }
        var replyUnits: [Range<Int>] = []
        for r in transcript.replies {
            let start = units.count
            units += AnswerSplitter.units(r.text).map { LocatedUnit(step: r.step, unit: $0, source: "followup:\(r.followUp)") }
            replyUnits.append(start..<units.count)
        }
        let embeddings = encoder.embed(units.map(\.unit.text))
        var grades = RubricMatcher.grade(
            points: rubric.points, units: units, unitEmbeddings: embeddings,
            statementEmbeddings: rubric.statementEmbeddings, thresholds: calibration.thresholds)
        // Asking is evidence too: a question whose fact credits a point covers it, shown with the question.
        for (n, q) in transcript.questions.enumerated() {
            var unit: Int?  // the question as one unit, added once if it credits anything
            for (p, point) in rubric.points.enumerated() where q.credits.contains(point.id) && grades[p].verdict != .covered && !grades[p].contradicted {
                if unit == nil {
                    units.append(LocatedUnit(step: q.step, unit: AnswerUnit(text: q.text, start: 0, end: q.text.utf16.count, isBullet: false),
                                             source: "question:\(n)"))
                    unit = units.count - 1
                }
                grades[p] = PointGrade(pointId: point.id, verdict: .covered, evidenceUnit: unit, contradicted: false)
            }
        }
        var report = Self.report(rubric.points, grades: grades, units: units, stepOrder: steps.map(\.step), calibration.thresholds)
        let followUps = zip(transcript.replies, replyUnits).compactMap { r, range -> GradeReport.FollowUpGrade? in
            guard !range.isEmpty else { return nil }
            let own = Array(units[range])
            let g = RubricMatcher.grade(
                points: r.rubric.points, units: own, unitEmbeddings: Array(embeddings[range]),
                statementEmbeddings: r.rubric.statementEmbeddings, thresholds: calibration.thresholds)
            let sub = Self.report(r.rubric.points, grades: g, units: own, stepOrder: [], calibration.thresholds)
            return GradeReport.FollowUpGrade(id: r.followUp, score: sub.score, points: sub.points)
        }
        if !followUps.isEmpty { report = GradeReport(score: report.score, steps: report.steps, points: report.points, followUps: followUps) }
        return report
    }

    /// The report for decided grades: a point counts in the overall score wherever it was said (interviewers listen
    /// anywhere); a step's score counts the points expected in that step and said in it.
    public static func report(
        _ points: [GradablePoint], grades: [PointGrade], units: [LocatedUnit], stepOrder: [String], _ t: GradingThresholds
    ) -> GradeReport {
        let reported = zip(points, grades).map { p, g in
            GradeReport.Point(
                step: p.step, point: p.id, verdict: g.verdict,
                evidence: g.evidenceUnit.map { u in
                    let unit = units[u]
                    return GradeReport.Evidence(step: unit.step, text: unit.unit.text, start: unit.unit.start, end: unit.unit.end, source: unit.source)
                },
                contradicted: g.contradicted, bareList: g.bareList)
        }
        let steps = stepOrder.map { step -> GradeReport.Step in
            let own = zip(points, grades).filter { $0.0.step == step }
            guard !own.isEmpty else { return GradeReport.Step(step: step, score: 0) }
            let credit = own.reduce(0.0) { sum, pg in
                let saidHere = pg.1.evidenceUnit.map { units[$0].step == step } ?? false
                return sum + (saidHere ? Scoring.credit(pg.1, t) : 0)
            }
            return GradeReport.Step(step: step, score: Int((credit * 100 / Double(own.count)).rounded()))
        }
        return GradeReport(score: Scoring.overall(grades, t), steps: steps, points: reported)
    }
}
