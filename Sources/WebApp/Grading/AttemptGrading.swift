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

    func key(_ attempt: AttemptRecord, _ steps: [AttemptStepRecord]) -> String {
        grader.key(slug: attempt.caseSlug, steps: Self.gradedSteps(steps))
    }

    /// The attempt's grade, graded now if no current one is stored (the review page and the API).
    func grade(_ attempt: AttemptRecord, steps: [AttemptStepRecord]) async throws -> GraderService.Outcome {
        let key = key(attempt, steps)
        if let stored = try await attempts.storedGrades(userId: attempt.userId, attemptIds: [attempt.id])[attempt.id], stored.key == key,
            let report = try? Self.decoder.decode(GradeReport.self, from: Data(stored.report.utf8))
        {
            return .graded(report)
        }
        let outcome = await grader.grade(slug: attempt.caseSlug, steps: Self.gradedSteps(steps))
        if case .graded(let report) = outcome {
            let json = String(decoding: try Self.encoder.encode(report), as: UTF8.self)
            try await attempts.storeGrade(
                userId: attempt.userId, StoredGrade(attemptId: attempt.id, key: key, score: report.score, report: json, gradedAt: Date()))
        }
        return outcome
    }

    /// The stored grades still current (same text, same rubric version), by attempt id, without grading anything.
    func currentGrades(_ list: [(AttemptRecord, [AttemptStepRecord])]) async throws -> [Int64: StoredGrade] {
        guard let userId = list.first?.0.userId else { return [:] }
        let stored = try await attempts.storedGrades(userId: userId, attemptIds: list.map(\.0.id))
        return stored.filter { id, g in list.first { $0.0.id == id }.map { g.key == key($0.0, $0.1) } ?? false }
    }

    /// Scores of the current grades (lists).
    func currentScores(_ list: [(AttemptRecord, [AttemptStepRecord])]) async throws -> [Int64: Int] {
        try await currentGrades(list).mapValues(\.score)
    }

    /// Reports of the current grades (progress across attempts).
    func currentReports(_ list: [(AttemptRecord, [AttemptStepRecord])]) async throws -> [Int64: GradeReport] {
        try await currentGrades(list).compactMapValues { try? Self.decoder.decode(GradeReport.self, from: Data($0.report.utf8)) }
    }
}
