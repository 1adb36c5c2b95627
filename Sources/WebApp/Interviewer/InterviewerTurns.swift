import Foundation
import Grader
import KnowledgeBase
import Storage

/// The interviewer's side of a mock interview, shared by the JSON routes (`InterviewerController`) and the
/// no-JavaScript form (`AttemptController.saveForm`): answering a question and posing a follow-up after a step.
struct InterviewerTurns: Sendable {
    let grader: GraderService
    let attempts: any AttemptRepository
    var grading: AttemptGrading { AttemptGrading(grader: grader, attempts: attempts) }


    enum AskResult: Sendable {
        case asked(TurnRecord)
        case invalid(String)
        case warmingUp(phase: String, fraction: Double)
        case unavailable(String)
    }

    /// Answers `question` from the case's sheet and saves both with the attempt (once per `clientKey`).
    func ask(_ attempt: AttemptRecord, step: FrameworkStep, question: String, clientKey: String?) async throws -> AskResult {
        if let problem = InterviewerMatcher.questionProblem(question) { return .invalid(problem) }
        let text = question.trimmingCharacters(in: .whitespacesAndNewlines)
        switch await grader.ask(slug: attempt.caseSlug, question: text) {
        case .warmingUp(let phase, let fraction): return .warmingUp(phase: phase, fraction: fraction)
        case .unavailable(let message): return .unavailable(message)
        case .answered(let a):
            let asked = AskedQuestion(step: step.rawValue, question: text, answer: a.answer, factId: TranscriptView.ref(a),
                                      confidence: Double(a.confidence), clientKey: clientKey.map { String($0.prefix(64)) })
            guard let turn = try await attempts.ask(attemptId: attempt.id, userId: attempt.userId, asked, now: Date()) else {
                return .unavailable("There is no such attempt in your account.")
            }
            return .asked(turn)
        }
    }

    enum FollowUpResult: Sendable {
        case posed(TurnRecord, isNew: Bool)
        /// Why the interviewer has nothing to ask (said to the learner).
        case none(String)
        case warmingUp(phase: String, fraction: Double)
    }

    /// After `step`: a follow-up aimed at a point the answer so far misses, if the attempt has follow-ups left.
    func followUp(_ attempt: AttemptRecord, step: FrameworkStep) async throws -> FollowUpResult {
        let turns = try await attempts.turns(attemptId: attempt.id, userId: attempt.userId)
        let posed = turns.filter { $0.kind == .followUp }
        if let same = posed.first(where: { $0.step == step.rawValue }) { return .posed(same, isNew: false) }
        guard attempt.followUps > 0 else { return .none("Follow-ups are off for this interview.") }
        guard posed.count < attempt.followUps else {
            return .none("The interviewer has asked all \(attempt.followUps) follow-ups of this interview.")
        }
        let steps = try await attempts.steps(attemptId: attempt.id, userId: attempt.userId)
        guard let interviewer = grader.interviewer(attempt.caseSlug) else {
            if case .warmingUp(let phase, let fraction) = grader.current { return .warmingUp(phase: phase, fraction: fraction) }
            return .none("This case study has no interviewer sheet.")
        }
        let report: GradeReport
        switch try await grading.grade(attempt, steps: steps) {
        case .graded(let r): report = r
        case .warmingUp(let phase, let fraction): return .warmingUp(phase: phase, fraction: fraction)
        case .unavailable(let message): return .none(message)
        }
        let verdicts = Dictionary(report.points.map { ($0.point, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        guard let chosen = InterviewerMatcher.chooseFollowUp(interviewer.sheet.followups, step: step.rawValue, verdicts: verdicts,
                                                              posed: Set(posed.compactMap(\.ref)))
        else {
            return .none("No follow-up on “\(step.sectionTitle)”: your answer already covers what the interviewer would push on.")
        }
        switch try await attempts.poseFollowUp(attemptId: attempt.id, userId: attempt.userId, step: step.rawValue,
                                               followUpId: chosen.id, question: chosen.question, now: Date()) {
        case .posed(let t): return .posed(t, isNew: true)
        case .alreadyPosed(let t): return .posed(t, isNew: false)
        case .limitReached: return .none("The interviewer has asked all \(attempt.followUps) follow-ups of this interview.")
        case .notFound: return .none("There is no such attempt in your account.")
        }
    }
}
