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

    /// The steps' text in framework order, as the grader takes it.
    static func gradedSteps(_ stored: [AttemptStepRecord]) -> [(step: String, text: String)] {
        let byStep = Dictionary(stored.map { ($0.step, $0.body) }, uniquingKeysWith: { a, _ in a })
        return FrameworkStep.allCases.map { ($0.rawValue, byStep[$0.rawValue] ?? "") }
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

    /// Scores of the grades already made and still current, by attempt id, without grading anything (lists).
    func currentScores(_ list: [(AttemptRecord, [AttemptStepRecord])]) async throws -> [Int64: Int] {
        guard let userId = list.first?.0.userId else { return [:] }
        let stored = try await attempts.storedGrades(userId: userId, attemptIds: list.map(\.0.id))
        var out: [Int64: Int] = [:]
        for (a, steps) in list {
            if let g = stored[a.id], g.key == key(a, steps) { out[a.id] = g.score }
        }
        return out
    }

    /// The current reports of graded attempts, by attempt id (progress across attempts).
    func currentReports(_ list: [(AttemptRecord, [AttemptStepRecord])]) async throws -> [Int64: GradeReport] {
        guard let userId = list.first?.0.userId else { return [:] }
        let stored = try await attempts.storedGrades(userId: userId, attemptIds: list.map(\.0.id))
        var out: [Int64: GradeReport] = [:]
        for (a, steps) in list {
            guard let g = stored[a.id], g.key == key(a, steps),
                let report = try? Self.decoder.decode(GradeReport.self, from: Data(g.report.utf8))
            else { continue }
            out[a.id] = report
        }
        return out
    }
}
