import Foundation

/// One thing the interviewer knows about a case and reveals only when asked (`docs/INTERVIEWER.md`).
public struct InterviewerFact: Sendable, Codable, Equatable {
    public var id: String
    /// What the interviewer says.
    public var answer: String
    /// Ways a candidate might ask for it: the questions a learner's question is matched against.
    public var asked: [String]
    /// Rubric points that asking for this fact shows (asking about scale covers "pins down scale").
    public var credits: [String]
    /// A strong candidate asks for it; the review names the expected facts the learner never asked for.
    public var expected: Bool

    public init(id: String, answer: String, asked: [String], credits: [String] = [], expected: Bool = false) {
        self.id = id
        self.answer = answer
        self.asked = asked
        self.credits = credits
        self.expected = expected
    }

    private enum CodingKeys: String, CodingKey { case id, answer, asked, credits, expected }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        answer = try c.decode(String.self, forKey: .answer)
        asked = try c.decode([String].self, forKey: .asked)
        credits = try c.decodeIfPresent([String].self, forKey: .credits) ?? []
        expected = try c.decodeIfPresent(Bool.self, forKey: .expected) ?? false
    }
}

/// A question the interviewer puts after a step: a follow-up that digs into what was said, or a curveball that
/// changes a constraint. Posed only when the answer misses a point it probes; the reply is graded with `points`.
public struct FollowUp: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case followUp = "follow-up", curveball }

    /// A grading point of the reply: the rubric format without step, level, probe or section.
    public struct ReplyPoint: Sendable, Codable, Equatable {
        public var id: String
        public var point: String
        public var says: [String]
        public var evidence: [[String]]
        public var contradicts: [String]
        private enum CodingKeys: String, CodingKey { case id, point, says, evidence, contradicts }
        public init(id: String, point: String, says: [String], evidence: [[String]], contradicts: [String] = []) {
            self.id = id
            self.point = point
            self.says = says
            self.evidence = evidence
            self.contradicts = contradicts
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            point = try c.decode(String.self, forKey: .point)
            says = try c.decode([String].self, forKey: .says)
            evidence = try c.decode([[String]].self, forKey: .evidence)
            contradicts = try c.decodeIfPresent([String].self, forKey: .contradicts) ?? []
        }
    }

    public var id: String
    public var kind: Kind
    /// The framework step it follows.
    public var step: String
    /// Rubric point ids it aims at.
    public var probes: [String]
    public var question: String
    public var points: [ReplyPoint]

    public init(id: String, kind: Kind, step: String, probes: [String], question: String, points: [ReplyPoint]) {
        self.id = id
        self.kind = kind
        self.step = step
        self.probes = probes
        self.question = question
        self.points = points
    }

    /// The reply's points as the grader takes them (in the follow-up's step, at mid level).
    public var gradablePoints: [GradablePoint] {
        points.map { GradablePoint(id: $0.id, step: step, level: "mid", point: $0.point, says: $0.says, evidence: $0.evidence, contradicts: $0.contradicts) }
    }
}

/// A topic every interviewer declines ("We won't go into UI design today").
public struct OutOfScopeTopic: Sendable, Codable, Equatable {
    public var id: String
    public var answer: String
    public var asked: [String]
    public init(id: String, answer: String, asked: [String]) {
        self.id = id
        self.answer = answer
        self.asked = asked
    }
}

/// `Content/interviewers/<slug>.yaml`.
public struct InterviewerSheet: Sendable, Codable, Equatable {
    public var `case`: String
    public var facts: [InterviewerFact]
    public var followups: [FollowUp]
    public init(case slug: String, facts: [InterviewerFact], followups: [FollowUp]) {
        self.case = slug
        self.facts = facts
        self.followups = followups
    }
}

/// `Content/interviewers/common.yaml`: what every case's interviewer shares.
public struct InterviewerCommon: Sendable, Codable, Equatable {
    /// Said when no fact is close enough to the question.
    public var fallback: String
    public var outOfScope: [OutOfScopeTopic]
    public init(fallback: String, outOfScope: [OutOfScopeTopic]) {
        self.fallback = fallback
        self.outOfScope = outOfScope
    }
}

/// What calibration chose (`casebook interviewer calibrate --write`), in `Content/interviewers/calibration.json`.
public struct InterviewerCalibration: Sendable, Codable, Equatable {
    /// Cosine to a fact's nearest listed question at which the fact answers; below it, the fallback does.
    public var threshold: Float
    public var calibratedOn: String
    /// Questions it was tuned on: listed (each left out of its own fact) and off-topic.
    public var tuningQuestions: Int
    public init(threshold: Float, calibratedOn: String, tuningQuestions: Int) {
        self.threshold = threshold
        self.calibratedOn = calibratedOn
        self.tuningQuestions = tuningQuestions
    }
}
