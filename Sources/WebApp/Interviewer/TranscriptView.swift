import Foundation
import Grader
import KnowledgeBase
import Storage

// The interviewer's turns as the editor and the review page show them (stored properties only, for Mustache).

/// A question the learner asked and the interviewer's answer.
struct ChatTurnModel {
    let anchor: String
    let question: String
    let answer: String
    /// "is-fact", "is-fallback" or "is-out-of-scope".
    let kindClass: String
}

/// The interviewer's follow-up after a step, with the learner's reply box.
struct FollowUpModel {
    let turnId: Int64
    let anchor: String
    /// "Follow-up" or "Curveball".
    let kindLabel: String
    let question: String
    let reply: String
    let version: Int
    /// Newer reply saved elsewhere (after a refused form save).
    let conflictText: String?
}

/// One line of the review's transcript.
struct ReviewTurnModel {
    let anchor: String
    let isQuestion: Bool
    let stepTitle: String
    let prompt: String
    let reply: String
    let kindLabel: String
    let kindClass: String
    /// Follow-ups: the reply's grade against the follow-up's own points.
    let replied: Bool
    let score: ReplyScoreModel?
    let points: [ReplyPointModel]
}

/// A wrapper, because Mustache treats a bare 0 as false.
struct ReplyScoreModel {
    let value: Int
}

struct ReplyPointModel {
    let verdictClass: String, verdictLabel: String
    let text: String
    let quote: String?
    /// What a strong reply says, when this one did not cover it.
    let strongReply: String?
}

/// An expected fact never asked for: "you never asked about label delay".
struct MissedQuestionModel {
    let topic: String
    let example: String
}

struct TranscriptReviewModel {
    let turns: [ReviewTurnModel]
    let hasTurns: Bool
    let asked: Int
    let factsRevealed: Int
    let missed: [MissedQuestionModel]
    let hasMissed: Bool
    let missedCount: Int
    let expectedTotal: Int
    /// "3 questions asked, 2 facts revealed, 1 follow-up answered."
    let countsText: String
}

enum TranscriptView {
    /// What a question's turn stores as `ref`: the fact's id, "out-of-scope:<topic>", or nil for the fallback.
    static func ref(_ a: InterviewerAnswer) -> String? {
        switch a.kind {
        case .fact: a.id
        case .outOfScope: a.id.map { outOfScopePrefix + $0 }
        case .fallback: nil
        }
    }
    static let outOfScopePrefix = "out-of-scope:"

    /// The fact a question's turn revealed, if it revealed one.
    static func fact(_ t: TurnRecord) -> String? {
        guard t.kind == .question, let ref = t.ref, !ref.hasPrefix(outOfScopePrefix) else { return nil }
        return ref
    }

    static func kindClass(_ t: TurnRecord) -> String {
        if fact(t) != nil { return "is-fact" }
        return t.ref?.hasPrefix(outOfScopePrefix) == true ? "is-out-of-scope" : "is-fallback"
    }

    static func chat(_ turns: [TurnRecord], step: String) -> [ChatTurnModel] {
        questionsWithIndex(turns).filter { $0.1.step == step }.map { n, t in
            ChatTurnModel(anchor: "asked-\(n)", question: t.prompt, answer: t.reply, kindClass: kindClass(t))
        }
    }

    /// Questions numbered in order of asking, as the grader numbers them ("question:<n>").
    static func questionsWithIndex(_ turns: [TurnRecord]) -> [(Int, TurnRecord)] {
        Array(turns.filter { $0.kind == .question }.enumerated())
    }

    static func followUp(_ turns: [TurnRecord], step: String, sheet: InterviewerSheet?, conflict: [Int64: String] = [:],
                         replyOverride: [Int64: String] = [:]) -> FollowUpModel? {
        guard let t = turns.first(where: { $0.kind == .followUp && $0.step == step }) else { return nil }
        let kind = t.ref.flatMap { id in sheet?.followups.first { $0.id == id } }?.kind
        return FollowUpModel(turnId: t.id, anchor: "followup-\(t.ref ?? String(t.id))", kindLabel: kind == .curveball ? "Curveball" : "Follow-up",
                             question: t.prompt, reply: replyOverride[t.id] ?? t.reply, version: t.version, conflictText: conflict[t.id])
    }

    /// The whole conversation in order, follow-ups with their grades, and the expected facts never asked for.
    static func review(_ turns: [TurnRecord], sheet: InterviewerSheet?, report: GradeReport?) -> TranscriptReviewModel {
        var n = 0
        let models = turns.map { t -> ReviewTurnModel in
            let stepTitle = FrameworkStep(rawValue: t.step)?.sectionTitle ?? t.step
            switch t.kind {
            case .question:
                defer { n += 1 }
                let cls = kindClass(t)
                return ReviewTurnModel(anchor: "asked-\(n)", isQuestion: true, stepTitle: stepTitle, prompt: t.prompt, reply: t.reply,
                                       kindLabel: cls == "is-fact" ? "Fact revealed" : cls == "is-out-of-scope" ? "Out of scope" : "Your call",
                                       kindClass: cls, replied: true, score: nil, points: [])
            case .followUp:
                let f = t.ref.flatMap { id in sheet?.followups.first { $0.id == id } }
                let grade = report?.followUps?.first { $0.id == t.ref }
                let replied = !t.reply.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                let points = (f?.points ?? []).map { p -> ReplyPointModel in
                    let g = grade?.points.first { $0.point == p.id }
                    let verdict = g?.verdict ?? .missed
                    let (cls, lbl) = ReviewGrade.label(verdict)
                    return ReplyPointModel(verdictClass: cls, verdictLabel: lbl, text: p.point,
                                           quote: verdict == .missed ? nil : g?.evidence?.text, strongReply: verdict == .covered ? nil : p.says.first)
                }
                return ReviewTurnModel(anchor: "followup-\(t.ref ?? String(t.id))", isQuestion: false, stepTitle: stepTitle, prompt: t.prompt,
                                       reply: t.reply, kindLabel: f?.kind == .curveball ? "Curveball" : "Follow-up", kindClass: "is-followup",
                                       replied: replied, score: grade.map { ReplyScoreModel(value: $0.score) }, points: points)
            }
        }
        let askedFacts = Set(turns.compactMap(fact))
        let expected = sheet?.facts.filter(\.expected) ?? []
        let missed = expected.filter { !askedFacts.contains($0.id) }.map {
            MissedQuestionModel(topic: $0.id.replacingOccurrences(of: "-", with: " "), example: $0.asked.first ?? "")
        }
        let asked = turns.filter { $0.kind == .question }.count
        let followUps = turns.filter { $0.kind == .followUp }
        let replied = followUps.filter { !$0.reply.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        let counts = "\(plural(asked, "question")) asked, \(plural(askedFacts.count, "fact")) revealed, "
            + "\(replied) of \(plural(followUps.count, "follow-up")) answered."
        return TranscriptReviewModel(turns: models, hasTurns: !models.isEmpty, asked: asked,
                                     factsRevealed: askedFacts.count, missed: missed, hasMissed: !missed.isEmpty, missedCount: missed.count,
                                     expectedTotal: expected.count, countsText: counts)
    }
}
