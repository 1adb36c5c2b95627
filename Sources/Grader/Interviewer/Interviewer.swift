import Foundation

/// The interviewer's answer to one question.
public struct InterviewerAnswer: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A fact of the case's sheet.
        case fact
        /// A topic every interviewer declines.
        case outOfScope = "out-of-scope"
        /// Nothing on the sheet is close enough: "state an assumption and move on".
        case fallback
    }
    public let kind: Kind
    /// The fact's id, or the out-of-scope topic's; nil for the fallback.
    public let id: String?
    public let answer: String
    /// The match score of what answered (for the fallback: of the best candidate, which fell short of the
    /// threshold): the mean of the question's cosine to the nearest listed question and to the answer, clamped to 0–1.
    public let confidence: Float
}

/// A sheet with its listed questions and answers embedded, and its follow-ups' reply rubrics ready to grade against.
public struct PreparedInterviewer: Sendable {
    /// What a question can be answered with.
    public enum Target: Sendable, Equatable {
        case fact(Int)
        case outOfScope(Int)
    }
    public struct Key: Sendable {
        /// Index into `targets`.
        public let target: Int
        public let question: String
        public let embedding: [Float]
    }

    public let sheet: InterviewerSheet
    public let common: InterviewerCommon
    public let targets: [Target]
    /// Each target's answer, embedded: a question is compared with what answers it as well as with how others asked.
    public let answerEmbeddings: [[Float]]
    /// Every listed question.
    public let keys: [Key]
    /// Each follow-up's reply points with their model statements embedded, by follow-up id.
    public let followUpRubrics: [String: PreparedRubric]

    /// The texts to embed for a sheet, in the order `init(sheet:common:embeddings:)` takes them back: the facts'
    /// listed questions, then their answers, the out-of-scope topics' questions and answers, then every follow-up's
    /// model statements.
    public static func texts(_ sheet: InterviewerSheet, _ common: InterviewerCommon) -> [String] {
        sheet.facts.flatMap(\.asked) + sheet.facts.map(\.answer) + common.outOfScope.flatMap(\.asked) + common.outOfScope.map(\.answer)
            + sheet.followups.flatMap { $0.points.flatMap(\.says) }
    }

    public init(sheet: InterviewerSheet, common: InterviewerCommon, embeddings: [[Float]]) {
        precondition(embeddings.count == Self.texts(sheet, common).count, "one embedding per text")
        self.sheet = sheet
        self.common = common
        var next = 0
        func take() -> [Float] {
            defer { next += 1 }
            return embeddings[next]
        }
        var targets: [Target] = []
        var keys: [Key] = []
        var answers: [[Float]] = []
        for (i, f) in sheet.facts.enumerated() {
            targets.append(.fact(i))
            for q in f.asked { keys.append(Key(target: targets.count - 1, question: q, embedding: take())) }
        }
        for _ in sheet.facts { answers.append(take()) }
        for (i, t) in common.outOfScope.enumerated() {
            targets.append(.outOfScope(i))
            for q in t.asked { keys.append(Key(target: targets.count - 1, question: q, embedding: take())) }
        }
        for _ in common.outOfScope { answers.append(take()) }
        self.targets = targets
        self.keys = keys
        answerEmbeddings = answers
        var rubrics: [String: PreparedRubric] = [:]
        for f in sheet.followups {
            let points = f.gradablePoints
            let perPoint = points.map { p in p.says.map { _ in take() } }
            rubrics[f.id] = PreparedRubric(slug: "\(sheet.case)/\(f.id)", points: points, statementEmbeddings: perPoint)
        }
        followUpRubrics = rubrics
    }

    /// The answer to a question with embedding `question`. `skipping` leaves out one listed question (by index in
    /// `keys`), so calibration can ask a listed question without it matching itself.
    public func answer(_ question: [Float], threshold: Float, skipping: Int? = nil) -> InterviewerAnswer {
        let (best, score) = InterviewerMatcher.best(
            question, keys: keys.map { ($0.target, $0.embedding) }, answers: answerEmbeddings, skipping: skipping)
        let confidence = min(max(score, 0), 1)
        guard let best, score >= threshold else {
            return InterviewerAnswer(kind: .fallback, id: nil, answer: common.fallback, confidence: confidence)
        }
        switch targets[best] {
        case .fact(let i):
            return InterviewerAnswer(kind: .fact, id: sheet.facts[i].id, answer: sheet.facts[i].answer, confidence: confidence)
        case .outOfScope(let i):
            return InterviewerAnswer(kind: .outOfScope, id: common.outOfScope[i].id, answer: common.outOfScope[i].answer, confidence: confidence)
        }
    }

    public func fact(_ id: String) -> InterviewerFact? { sheet.facts.first { $0.id == id } }
    public func followUp(_ id: String) -> FollowUp? { sheet.followups.first { $0.id == id } }
}

/// Pure matching and choosing rules, tested without the model.
public enum InterviewerMatcher {
    public static let maxQuestionCharacters = 500

    /// Why a question cannot be asked (empty, or longer than 500 characters), or nil.
    public static func questionProblem(_ question: String) -> String? {
        let trimmed = question.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "Type a question for the interviewer first." }
        if trimmed.count > maxQuestionCharacters {
            return "A question can be at most \(maxQuestionCharacters) characters (this one has \(trimmed.count)); ask one thing at a time."
        }
        return nil
    }

    /// The target that best answers `query`, and its score: the mean of the cosine to the target's nearest listed
    /// question and the cosine to its answer (`docs/INTERVIEWER.md` says why both). Nil and -1 without targets.
    /// `keys` are (target index, embedding); `answers` one embedding per target; `skipping` a key to leave out.
    public static func best(_ query: [Float], keys: [(Int, [Float])], answers: [[Float]], skipping: Int? = nil) -> (Int?, Float) {
        var nearestQuestion = [Float](repeating: -1, count: answers.count)
        for (i, (target, embedding)) in keys.enumerated() where i != skipping {
            nearestQuestion[target] = max(nearestQuestion[target], cosine(embedding, query))
        }
        var best: Int?
        var bestScore: Float = -1
        for (t, answer) in answers.enumerated() where nearestQuestion[t] > -1 {
            let score = (nearestQuestion[t] + cosine(answer, query)) / 2
            if score > bestScore {
                best = t
                bestScore = score
            }
        }
        return (best, bestScore)
    }

    /// The follow-up to pose after `step`: among that step's follow-ups not yet posed, one that probes a point the
    /// answer so far misses or only partly covers — the one probing the most such points, missed counting before
    /// partly, ties in sheet order. Nil when every probed point is covered (the interviewer has nothing to push on).
    public static func chooseFollowUp(_ followUps: [FollowUp], step: String, verdicts: [String: Verdict], posed: Set<String>) -> FollowUp? {
        var best: (FollowUp, Int)?
        for f in followUps where f.step == step && !posed.contains(f.id) {
            // Missed counts 2, partly 1; a point absent from the verdicts is not known to be missed, so it counts 0.
            let weight = f.probes.reduce(0) { sum, p in
                switch verdicts[p] {
                case .missed?: sum + 2
                case .partly?: sum + 1
                default: sum
                }
            }
            if weight > 0 && weight > (best?.1 ?? 0) { best = (f, weight) }
        }
        return best?.0
    }
}
