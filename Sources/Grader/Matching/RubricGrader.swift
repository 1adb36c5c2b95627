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
    /// The question an interviewer asks to probe the point: the front of the learner's weak-point card.
    public var probe: String?

    public init(
        id: String, step: String, level: String, point: String, says: [String], evidence: [[String]],
        contradicts: [String] = [], section: String? = nil, probe: String? = nil
    ) {
        self.id = id
        self.step = step
        self.level = level
        self.point = point
        self.says = says
        self.evidence = evidence
        self.contradicts = contradicts
        self.section = section
        self.probe = probe
    }

    private enum CodingKeys: String, CodingKey { case id, step, level, point, says, evidence, contradicts, section, probe }

    /// `contradicts` and `section` may be left out of a rubric file.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        step = try c.decode(String.self, forKey: .step)
        level = try c.decode(String.self, forKey: .level)
        point = try c.decode(String.self, forKey: .point)
        says = try c.decode([String].self, forKey: .says)
        evidence = try c.decode([[String]].self, forKey: .evidence)
        contradicts = try c.decodeIfPresent([String].self, forKey: .contradicts) ?? []
        section = try c.decodeIfPresent(String.self, forKey: .section)
        probe = try c.decodeIfPresent(String.self, forKey: .probe)
    }

    /// A point whose evidence names a negation asks for it ("not … accuracy"), so negation is not held against it.
    var asksForNegation: Bool { evidence.contains { $0.contains(where: EvidenceTerms.isNegation) } }
}

/// What the grader decided for one point.
public enum Verdict: String, Sendable, Codable, Comparable {
    case missed, partly, covered
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
    /// What a "partly" earned in a sentence is worth in the score, a covered point being worth 1.
    public var partlyCredit: Double
    /// What a "partly" earned only by a bare list of terms is worth (name-dropping, less than half an idea).
    public var listCredit: Double
    public init(cover: Float, semanticOnly: Float, partlyCredit: Double, listCredit: Double) {
        self.cover = cover
        self.semanticOnly = semanticOnly
        self.partlyCredit = partlyCredit
        self.listCredit = listCredit
    }
}

/// A sentence of the answer, located in its step: in the step's text, or (with `source`) in the interview
/// transcript — a reply to a follow-up ("followup:<id>") or a question asked ("question:<n>").
public struct LocatedUnit: Sendable {
    public let step: String
    public let unit: AnswerUnit
    public let source: String?
    public init(step: String, unit: AnswerUnit, source: String? = nil) {
        self.step = step
        self.unit = unit
        self.source = source
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
    /// A "partly" earned only by a bare list of terms.
    public let bareList: Bool

    public init(pointId: String, verdict: Verdict, evidenceUnit: Int?, contradicted: Bool, bareList: Bool = false) {
        self.pointId = pointId
        self.verdict = verdict
        self.evidenceUnit = evidenceUnit
        self.contradicted = contradicted
        self.bareList = bareList
    }
}

/// What one point found in an answer, before any threshold is applied.
public struct PointMatches: Sendable {
    public struct Candidate: Sendable {
        public let unit: Int
        public let hasEvidence: Bool
        public let isBareList: Bool
        /// Cosine to the nearest model statement.
        public let similarity: Float
    }
    /// The first unit that states the opposite of the point.
    public let contradictedBy: Int?
    public let candidates: [Candidate]
}

/// Grades units of an answer against points, given each unit's and each point's embeddings.
///
/// Pure: embeddings are inputs, so the rules are tested without the model. The rules (issue 17):
/// - covered: one unit carries every evidence group (un-negated) AND is within `cover` of a model statement,
///   and is not a bare list;
/// - partly: only one of the two holds (or the unit is a bare list);
/// - a contradicting statement makes the point missed, with that sentence shown;
/// - one unit credits at most two points (the strongest claims take it first).
///
/// `match` does the threshold-free work (term matching, cosines) once; `decide` applies thresholds, so
/// calibration tries many thresholds on one match.
public enum RubricMatcher {
    public static func grade(
        points: [GradablePoint], units: [LocatedUnit], unitEmbeddings: [[Float]], statementEmbeddings: [[[Float]]],
        thresholds: GradingThresholds
    ) -> [PointGrade] {
        let matches = match(
            points: points, units: units, unitEmbeddings: unitEmbeddings, statementEmbeddings: statementEmbeddings)
        return decide(matches, pointIds: points.map(\.id), unitCount: units.count, thresholds: thresholds)
    }

    public static func match(
        points: [GradablePoint], units: [LocatedUnit], unitEmbeddings: [[Float]], statementEmbeddings: [[[Float]]]
    ) -> [PointMatches] {
        let sentences = units.map { EvidenceTerms.Sentence($0.unit.text) }
        return points.enumerated().map { p, point in
            let allowNegation = point.asksForNegation
            // Terms tokenised once per point, not once per sentence.
            let groups = point.evidence.map { $0.map(EvidenceTerms.Term.init) }
            let contradicts = point.contradicts.map(EvidenceTerms.Term.init)
            let contradicted = sentences.firstIndex { s in contradicts.contains { s.contains($0) } }
            let candidates = sentences.enumerated().map { u, sentence in
                PointMatches.Candidate(
                    unit: u,
                    hasEvidence: carries(sentence, groups, negationAllowed: allowNegation),
                    isBareList: sentence.isBareList,
                    similarity: statementEmbeddings[p].map { cosine($0, unitEmbeddings[u]) }.max() ?? -1)
            }
            return PointMatches(contradictedBy: contradicted, candidates: candidates)
        }
    }

    /// Every evidence group has an un-negated alternative in the sentence: the term half of "covered".
    static func carries(_ sentence: EvidenceTerms.Sentence, _ groups: [[EvidenceTerms.Term]], negationAllowed: Bool) -> Bool {
        groups.allSatisfy { group in group.contains { sentence.contains($0, negationAllowed: negationAllowed) } }
    }

    /// Whether one sentence or bullet of `text` carries all of `point`'s evidence, by the grader's own rule.
    public static func carriesEvidence(_ point: GradablePoint, in text: String) -> Bool {
        let groups = point.evidence.map { $0.map(EvidenceTerms.Term.init) }
        return AnswerSplitter.units(text).contains { carries(EvidenceTerms.Sentence($0.text), groups, negationAllowed: point.asksForNegation) }
    }

    public static func decide(
        _ matches: [PointMatches], pointIds: [String], unitCount: Int, thresholds: GradingThresholds
    ) -> [PointGrade] {
        struct Claim {
            let point: Int
            let unit: Int
            let verdict: Verdict
            let bareList: Bool
            let similarity: Float
            /// A claim in a sentence outranks one from a bare list at the same verdict.
            var rank: (Int, Int, Float) { (verdict.rank, bareList ? 0 : 1, similarity) }
        }
        var claims: [Claim] = []
        for (p, m) in matches.enumerated() where m.contradictedBy == nil {
            for c in m.candidates {
                let verdict: Verdict
                if c.hasEvidence && c.similarity >= thresholds.cover && !c.isBareList {
                    verdict = .covered
                } else if c.hasEvidence || c.similarity >= thresholds.semanticOnly {
                    verdict = .partly
                } else {
                    continue
                }
                claims.append(
                    Claim(point: p, unit: c.unit, verdict: verdict, bareList: verdict == .partly && c.isBareList, similarity: c.similarity))
            }
        }
        claims.sort { $0.rank > $1.rank }
        var used = [Int](repeating: 0, count: unitCount)
        var best = [Claim?](repeating: nil, count: matches.count)
        for c in claims where best[c.point] == nil && used[c.unit] < 2 {
            best[c.point] = c
            used[c.unit] += 1
        }
        return matches.enumerated().map { p, m in
            if let u = m.contradictedBy {
                return PointGrade(pointId: pointIds[p], verdict: .missed, evidenceUnit: u, contradicted: true)
            }
            guard let c = best[p] else {
                return PointGrade(pointId: pointIds[p], verdict: .missed, evidenceUnit: nil, contradicted: false)
            }
            return PointGrade(pointId: pointIds[p], verdict: c.verdict, evidenceUnit: c.unit, contradicted: false, bareList: c.bareList)
        }
    }
}
