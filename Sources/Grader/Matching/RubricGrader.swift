import Foundation

/// One gradable rubric point (the format in `docs/RUBRICS.md`).
public struct GradablePoint: Sendable, Codable, Equatable {
    public var id: String
    public var step: String
    public var level: String
    public var point: String
    /// Model statements: how a strong answer says it.
    public var says: [String]
    /// Concept groups that must all occur in one sentence or bullet; each group lists alternatives.
    public var evidence: [[String]]
    public var contradicts: [String]
    public var section: String?

    public init(
        id: String, step: String, level: String, point: String, says: [String], evidence: [[String]],
        contradicts: [String] = [], section: String? = nil
    ) {
        self.id = id
        self.step = step
        self.level = level
        self.point = point
        self.says = says
        self.evidence = evidence
        self.contradicts = contradicts
        self.section = section
    }

    /// A point whose evidence names a negation asks for it ("not … accuracy"), so negation is not held against it.
    var asksForNegation: Bool { evidence.contains { $0.contains(where: EvidenceTerms.isNegation) } }
}

/// What the grader decided for one point.
public enum Verdict: String, Sendable, Codable, Comparable {
    case missed, partly, covered
    var credit: Double {
        switch self {
        case .missed: 0
        case .partly: 0.5
        case .covered: 1
        }
    }
    var rank: Int {
        switch self {
        case .missed: 0
        case .partly: 1
        case .covered: 2
        }
    }
    public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
}

/// The thresholds a grade depends on. There is deliberately no default: they come from calibration on labelled
/// answers (issue 17), never from a guess.
public struct GradingThresholds: Sendable, Codable, Equatable {
    /// Cosine to the nearest model statement for a sentence with the evidence to be "covered".
    public var cover: Float
    /// Cosine at which a sentence without the evidence still earns "partly".
    public var semanticOnly: Float
    public init(cover: Float, semanticOnly: Float) {
        self.cover = cover
        self.semanticOnly = semanticOnly
    }
}

/// A sentence of the answer, located in its step.
public struct LocatedUnit: Sendable {
    public let step: String
    public let unit: AnswerUnit
    public init(step: String, unit: AnswerUnit) {
        self.step = step
        self.unit = unit
    }
}

/// Per point: the verdict and the sentence it rests on.
public struct PointGrade: Sendable, Equatable {
    public let pointId: String
    public let verdict: Verdict
    /// Index into the units graded; nil when missed with no sentence near it.
    public let evidenceUnit: Int?
    /// The sentence stated the opposite of a "what not to do" point.
    public let contradicted: Bool
}

/// Grades units of an answer against points, given each unit's and each point's embeddings.
///
/// Pure: embeddings are inputs, so the rules are tested without the model. The rules (issue 17):
/// - covered: one unit carries every evidence group (un-negated) AND is within `cover` of a model statement,
///   and is not a bare list;
/// - partly: only one of the two holds (or the unit is a bare list);
/// - a contradicting statement makes the point missed, with that sentence shown;
/// - one unit credits at most two points (the strongest claims take it first).
public enum RubricMatcher {
    public static func grade(
        points: [GradablePoint], units: [LocatedUnit], unitEmbeddings: [[Float]], statementEmbeddings: [[[Float]]],
        thresholds: GradingThresholds
    ) -> [PointGrade] {
        let sentences = units.map { EvidenceTerms.Sentence($0.unit.text) }
        struct Claim {
            let point: Int
            let unit: Int
            let verdict: Verdict
            let similarity: Float
        }
        var claims: [Claim] = []
        var contradicted = [Int?](repeating: nil, count: points.count)
        for (p, point) in points.enumerated() {
            let allowNegation = point.asksForNegation
            for (u, sentence) in sentences.enumerated() {
                if contradicted[p] == nil, point.contradicts.contains(where: { sentence.contains($0) }) {
                    contradicted[p] = u
                }
                let hasEvidence = point.evidence.allSatisfy { group in
                    group.contains { sentence.contains($0, negationAllowed: allowNegation) }
                }
                let similarity = statementEmbeddings[p].map { dot($0, unitEmbeddings[u]) }.max() ?? -1
                let verdict: Verdict
                if hasEvidence && similarity >= thresholds.cover && !sentence.isBareList {
                    verdict = .covered
                } else if hasEvidence || similarity >= thresholds.semanticOnly {
                    verdict = .partly
                } else {
                    continue
                }
                claims.append(Claim(point: p, unit: u, verdict: verdict, similarity: similarity))
            }
        }
        claims.sort { ($0.verdict, $0.similarity) > ($1.verdict, $1.similarity) }
        var used = [Int](repeating: 0, count: units.count)
        var best = [Claim?](repeating: nil, count: points.count)
        for c in claims where best[c.point] == nil && used[c.unit] < 2 {
            best[c.point] = c
            used[c.unit] += 1
        }
        return points.enumerated().map { p, point in
            if let u = contradicted[p] {
                return PointGrade(pointId: point.id, verdict: .missed, evidenceUnit: u, contradicted: true)
            }
            guard let c = best[p] else {
                return PointGrade(pointId: point.id, verdict: .missed, evidenceUnit: nil, contradicted: false)
            }
            return PointGrade(pointId: point.id, verdict: c.verdict, evidenceUnit: c.unit, contradicted: false)
        }
    }
}
