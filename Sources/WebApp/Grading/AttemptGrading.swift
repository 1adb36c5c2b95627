import Foundation
import Grader
import KnowledgeBase
import Storage

/// Grades of attempts: the stored grade when it was made from the same text under the same rubric version,
/// otherwise a fresh grade from the grader, stored for next time. One place for "is this grade still current".
struct AttemptGrading: Sendable {
    let grader: GraderService
    let attempts: any AttemptRepository

    static let decoder = JSONDecoder()
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    /// The steps' text in framework order, as the grader takes it: all seven, or a re-drill's one step.
    static func gradedSteps(_ stored: [AttemptStepRecord]) -> [(step: String, text: String)] {
        let byStep = Dictionary(stored.map { ($0.step, $0.body) }, uniquingKeysWith: { a, _ in a })
        return AttemptController.steps(of: stored).map { ($0.rawValue, byStep[$0.rawValue] ?? "") }
    }

    func key(_ attempt: AttemptRecord, _ steps: [AttemptStepRecord], _ turns: [TurnRecord]) -> String {
        grader.key(slug: attempt.caseSlug, steps: Self.gradedSteps(steps), transcript: turns)
    }

    /// The attempt's grade (its steps and what was said to the interviewer), graded now if no current one is stored
    /// (the review page, the API, and choosing a follow-up).
    /// `turns`: the attempt's conversation when the caller has it already (nil: read here).
    func grade(_ attempt: AttemptRecord, steps: [AttemptStepRecord], turns given: [TurnRecord]? = nil) async throws -> GraderService.Outcome {
        var turns = given ?? []
        if given == nil { turns = try await attempts.turns(attemptId: attempt.id, userId: attempt.userId) }
        let key = key(attempt, steps, turns)
        if let stored = try await attempts.storedGrades(userId: attempt.userId, attemptIds: [attempt.id])[attempt.id], stored.key == key,
            let report = try? Self.decoder.decode(GradeReport.self, from: Data(stored.report.utf8))
        {
            return .graded(report)
        }
        let outcome = await grader.grade(slug: attempt.caseSlug, steps: Self.gradedSteps(steps), transcript: turns)
        if case .graded(let report) = outcome {
            let json = String(decoding: try Self.encoder.encode(report), as: UTF8.self)
            try await attempts.storeGrade(
                userId: attempt.userId, StoredGrade(attemptId: attempt.id, key: key, score: report.score, report: json, gradedAt: Date()))
        }
        return outcome
    }

    /// The user's stored grades still current, newest first, in one query. A stored grade's text is current by
    /// construction (saving a changed step deletes it); its key says whether the rubric version is.
    func current(userId: Int64, caseSlug: String?) async throws -> [(AttemptRecord, StoredGrade)] {
        try await attempts.gradedAttempts(userId: userId, caseSlug: caseSlug).filter { a, g in
            g.key.hasPrefix(grader.keyPrefix(slug: a.caseSlug))
        }
    }

    /// Scores of the current grades by attempt id (lists that must not grade anything).
    func currentScores(userId: Int64, caseSlug: String?) async throws -> [Int64: Int] {
        Dictionary(try await current(userId: userId, caseSlug: caseSlug).map { ($0.0.id, $0.1.score) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every current grade of a submitted attempt with its report, for progress across attempts.
    func graded(userId: Int64, caseSlug: String?) async throws -> [AttemptProgress.Graded] {
        Self.graded(try await current(userId: userId, caseSlug: caseSlug))
    }

    static func graded(_ current: [(AttemptRecord, StoredGrade)]) -> [AttemptProgress.Graded] {
        current.filter { $0.0.submittedAt != nil }.compactMap { a, g in
            (try? decoder.decode(GradeReport.self, from: Data(g.report.utf8))).map {
                AttemptProgress.Graded(attemptId: a.id, slug: a.caseSlug, startedAt: a.startedAt, report: $0)
            }
        }
    }
}
