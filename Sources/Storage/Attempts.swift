import Foundation
import GRDB

/// A mock-interview attempt: one learner's own design for one case study.
public struct AttemptRecord: Sendable, Equatable {
    /// Row id (the `/attempts/{id}` in URLs).
    public var id: Int64
    /// Owner.
    public var userId: Int64
    /// Slug of the case study.
    public var caseSlug: String
    /// When it was started.
    public var startedAt: Date
    /// Last save.
    public var updatedAt: Date
    /// When the learner submitted it for review (nil while in progress).
    public var submittedAt: Date?
    /// Self-assessment per dimension key (1…4); empty until graded.
    public var grades: [String: Int]
    /// When the self-assessment was saved.
    public var gradedAt: Date?
    /// How many follow-ups the interviewer may pose (0–3).
    public var followUps: Int = 2
}

/// The current text of one framework step of an attempt.
public struct AttemptStepRecord: Sendable, Equatable {
    /// The step's raw value (`requirements`, `framing`…).
    public var step: String
    /// Markdown as typed.
    public var body: String
    /// Bumped on every saved change; 0 before the first save.
    public var version: Int
    /// Seconds the learner's interview clock spent on this step.
    public var secondsSpent: Int
    /// Last change.
    public var updatedAt: Date

    /// Creates a record.
    public init(step: String, body: String, version: Int, secondsSpent: Int, updatedAt: Date) {
        self.step = step
        self.body = body
        self.version = version
        self.secondsSpent = secondsSpent
        self.updatedAt = updatedAt
    }
}

/// The outcome of saving one step.
/// The grader's stored grade of an attempt: the report as JSON (Storage does not know its type) under the key of
/// the answer text and rubric version it was made from.
public struct StoredGrade: Sendable, Equatable {
    public var attemptId: Int64
    public var key: String
    public var score: Int
    public var report: String
    public var gradedAt: Date

    public init(attemptId: Int64, key: String, score: Int, report: String, gradedAt: Date) {
        self.attemptId = attemptId
        self.key = key
        self.score = score
        self.report = report
        self.gradedAt = gradedAt
    }
}

public enum StepSaveResult: Sendable, Equatable {
    /// Stored (or identical to what was stored): the version the client now holds.
    case saved(AttemptStepRecord)
    /// The client edited an older version; nothing was written. Carries what is stored now.
    case conflict(current: AttemptStepRecord)
    /// No such attempt or step for this user.
    case notFound
}

/// One step's save: the text, the version it was edited from, and the clock's seconds for the step (nil: unchanged).
public struct StepEdit: Sendable, Equatable {
    /// Step raw value.
    public var step: String
    /// New text.
    public var body: String
    /// The version the client started from.
    public var baseVersion: Int
    /// Seconds spent on the step, as measured by the client's clock.
    public var secondsSpent: Int?

    /// Creates an edit.
    public init(step: String, body: String, baseVersion: Int, secondsSpent: Int?) {
        self.step = step
        self.body = body
        self.baseVersion = baseVersion
        self.secondsSpent = secondsSpent
    }
}

/// Attempts and their step texts. Every method is scoped to `userId` in SQL: another user's attempt is simply not
/// found. Callers validate case slugs, step names and sizes against the content before writing.
public protocol AttemptRepository: Sendable {
    /// Starts an attempt with one empty row per step; the interviewer may pose `followUps` follow-ups (0–3).
    func createAttempt(userId: Int64, caseSlug: String, steps: [String], followUps: Int, now: Date) async throws -> Int64
    /// The attempt, if it is this user's.
    func attempt(id: Int64, userId: Int64) async throws -> AttemptRecord?
    /// Its steps, in no particular order.
    func steps(attemptId: Int64, userId: Int64) async throws -> [AttemptStepRecord]
    /// Saves edits in one transaction, each step checked against its version independently (last writer wins per
    /// step, but only a writer that saw the current version). A stale step reports a conflict and is left unchanged.
    func save(attemptId: Int64, userId: Int64, edits: [StepEdit], now: Date) async throws -> [StepSaveResult]
    /// Marks it submitted (keeps the first submission time).
    func submit(attemptId: Int64, userId: Int64, now: Date) async throws -> Bool
    /// Stores the self-assessment (dimension key → 1…4).
    func grade(attemptId: Int64, userId: Int64, grades: [String: Int], now: Date) async throws -> Bool
    /// All of the user's attempts, newest first, optionally for one case study.
    func attempts(userId: Int64, caseSlug: String?, limit: Int) async throws -> [AttemptRecord]
    /// Case slugs the user has started an attempt on.
    func attemptedCases(userId: Int64) async throws -> Set<String>
    /// Times of work on attempts (starts and saves) since `since`.
    func activityDates(userId: Int64, since: Date) async throws -> [Date]
    /// Attempts whose step texts contain every one of `terms` (case-insensitive), newest first.
    func search(userId: Int64, terms: [String], limit: Int) async throws -> [(AttemptRecord, [AttemptStepRecord])]
    /// The stored grades of the user's attempts among `attemptIds`, by attempt id.
    func storedGrades(userId: Int64, attemptIds: [Int64]) async throws -> [Int64: StoredGrade]
    /// The user's attempts that have a stored grade, newest first (of one case, or all), in one query.
    func gradedAttempts(userId: Int64, caseSlug: String?) async throws -> [(AttemptRecord, StoredGrade)]
    /// Stores (or replaces) the grade of the user's attempt; false when the attempt is not theirs.
    @discardableResult
    func storeGrade(userId: Int64, _ grade: StoredGrade) async throws -> Bool

    // The conversation with the interviewer (issue 19). Every change to it deletes the attempt's stored grade.
    /// The attempt's turns in order.
    func turns(attemptId: Int64, userId: Int64) async throws -> [TurnRecord]
    /// Appends a question and its answer (once per `clientKey`); nil when the attempt is not the user's.
    func ask(attemptId: Int64, userId: Int64, _ question: AskedQuestion, now: Date) async throws -> TurnRecord?
    /// Poses a follow-up after `step`, unless the step has one or the attempt's follow-ups are used up — checked and
    /// written in one transaction.
    func poseFollowUp(attemptId: Int64, userId: Int64, step: String, followUpId: String, question: String, now: Date) async throws -> FollowUpPoseResult
    /// Saves a reply to a follow-up if it was edited from the stored version.
    func saveReply(attemptId: Int64, userId: Int64, turnId: Int64, text: String, baseVersion: Int, now: Date) async throws -> ReplySaveResult
    /// Sets how many follow-ups the interviewer may pose (clamped to 0–3).
    func setFollowUps(attemptId: Int64, userId: Int64, count: Int) async throws -> Bool
}

/// The GRDB implementation.
public struct SQLiteAttemptStore: AttemptRepository {
    let writer: any DatabaseWriter

    /// Uses `database`.
    public init(_ database: AppDatabase) { writer = database.writer }

    /// Grade columns by dimension key.
    public static let gradeColumns: [(key: String, column: String)] = [
        ("scoping", "gradeScoping"), ("framing", "gradeFraming"), ("data", "gradeData"),
        ("modelling", "gradeModelling"), ("serving", "gradeServing"), ("communication", "gradeCommunication"),
    ]

    static func record(_ row: Row) -> AttemptRecord {
        var grades: [String: Int] = [:]
        for (key, column) in gradeColumns {
            if let v: Int = row[column] { grades[key] = v }
        }
        return AttemptRecord(id: row["id"], userId: row["userId"], caseSlug: row["caseSlug"], startedAt: row["startedAt"],
                             updatedAt: row["updatedAt"], submittedAt: row["submittedAt"], grades: grades, gradedAt: row["gradedAt"],
                             followUps: row["followUps"])
    }

    static func stepRecord(_ row: Row) -> AttemptStepRecord {
        AttemptStepRecord(step: row["step"], body: row["body"], version: row["version"], secondsSpent: row["secondsSpent"],
                          updatedAt: row["updatedAt"])
    }

    public func createAttempt(userId: Int64, caseSlug: String, steps: [String], followUps: Int, now: Date) async throws -> Int64 {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO attempt (userId, caseSlug, startedAt, updatedAt, followUps) VALUES (?, ?, ?, ?, ?)",
                           arguments: [userId, caseSlug, now, now, min(max(followUps, 0), 3)])
            let id = db.lastInsertedRowID
            for step in steps {
                try db.execute(sql: "INSERT INTO attemptStep (attemptId, userId, step, updatedAt) VALUES (?, ?, ?, ?)",
                               arguments: [id, userId, step, now])
            }
            return id
        }
    }

    public func attempt(id: Int64, userId: Int64) async throws -> AttemptRecord? {
        try await writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM attempt WHERE id = ? AND userId = ?"), arguments: [id, userId]).map(Self.record)
        }
    }

    public func steps(attemptId: Int64, userId: Int64) async throws -> [AttemptStepRecord] {
        try await writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM attemptStep WHERE attemptId = ? AND userId = ? ORDER BY id"),
                             arguments: [attemptId, userId]).map(Self.stepRecord)
        }
    }

    public func save(attemptId: Int64, userId: Int64, edits: [StepEdit], now: Date) async throws -> [StepSaveResult] {
        try await writer.write { db in
            var results: [StepSaveResult] = []
            var changed = false
            for edit in edits {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT * FROM attemptStep WHERE attemptId = ? AND userId = ? AND step = ?
                    """), arguments: [attemptId, userId, edit.step])
                else {
                    results.append(.notFound)
                    continue
                }
                let current = Self.stepRecord(row)
                let seconds = edit.secondsSpent.map { max(0, $0) }
                if current.body == edit.body {
                    // Same text (a retry of a save that did land, or a clock-only update): no new version, no conflict.
                    if let seconds, seconds != current.secondsSpent {
                        try db.cachedStatement(sql: "UPDATE attemptStep SET secondsSpent = ? WHERE id = ?").execute(arguments: [seconds, row["id"]])
                        changed = true
                    }
                    var saved = current
                    saved.secondsSpent = seconds ?? current.secondsSpent
                    results.append(.saved(saved))
                    continue
                }
                guard edit.baseVersion == current.version else {
                    results.append(.conflict(current: current))
                    continue
                }
                // The version in the WHERE clause makes the check and the write one statement.
                try db.cachedStatement(sql: """
                    UPDATE attemptStep SET body = ?, version = version + 1, secondsSpent = COALESCE(?, secondsSpent), updatedAt = ?
                    WHERE id = ? AND version = ?
                    """).execute(arguments: [edit.body, seconds, now, row["id"], current.version])
                // The text a stored grade was made from has changed: the grade goes, and is made again when viewed.
                try db.cachedStatement(sql: "DELETE FROM attemptGrade WHERE attemptId = ? AND userId = ?").execute(arguments: [attemptId, userId])
                changed = true
                results.append(.saved(AttemptStepRecord(step: current.step, body: edit.body, version: current.version + 1,
                                                        secondsSpent: seconds ?? current.secondsSpent, updatedAt: now)))
            }
            if changed {
                try db.cachedStatement(sql: "UPDATE attempt SET updatedAt = ? WHERE id = ? AND userId = ?").execute(arguments: [now, attemptId, userId])
            }
            return results
        }
    }

    public func submit(attemptId: Int64, userId: Int64, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: """
                UPDATE attempt SET submittedAt = COALESCE(submittedAt, ?), updatedAt = ? WHERE id = ? AND userId = ?
                """).execute(arguments: [now, now, attemptId, userId])
            return db.changesCount == 1
        }
    }

    public func grade(attemptId: Int64, userId: Int64, grades: [String: Int], now: Date) async throws -> Bool {
        try await writer.write { db in
            var sets: [String] = []
            var args: [(any DatabaseValueConvertible)?] = []
            for (key, column) in Self.gradeColumns {
                sets.append("\(column) = ?")
                args.append(grades[key])
            }
            args += [now, now, attemptId, userId]
            try db.execute(sql: "UPDATE attempt SET \(sets.joined(separator: ", ")), gradedAt = ?, updatedAt = ? WHERE id = ? AND userId = ?",
                           arguments: StatementArguments(args))
            return db.changesCount == 1
        }
    }

    public func attempts(userId: Int64, caseSlug: String?, limit: Int) async throws -> [AttemptRecord] {
        try await writer.read { db in
            if let caseSlug {
                return try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT * FROM attempt WHERE userId = ? AND caseSlug = ? ORDER BY startedAt DESC, id DESC LIMIT ?
                    """), arguments: [userId, caseSlug, limit]).map(Self.record)
            }
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM attempt WHERE userId = ? ORDER BY startedAt DESC, id DESC LIMIT ?"),
                                    arguments: [userId, limit]).map(Self.record)
        }
    }

    public func attemptedCases(userId: Int64) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT caseSlug FROM attempt WHERE userId = ?"), arguments: [userId]))
        }
    }

    public func activityDates(userId: Int64, since: Date) async throws -> [Date] {
        try await writer.read { db in
            try Date.fetchAll(db.cachedStatement(sql: """
                SELECT startedAt FROM attempt WHERE userId = ?1 AND startedAt >= ?2
                UNION ALL SELECT updatedAt FROM attemptStep WHERE userId = ?1 AND version > 0 AND updatedAt >= ?2
                """), arguments: [userId, since])
        }
    }

    public func storedGrades(userId: Int64, attemptIds: [Int64]) async throws -> [Int64: StoredGrade] {
        guard !attemptIds.isEmpty else { return [:] }
        return try await writer.read { db in
            let marks = Array(repeating: "?", count: attemptIds.count).joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM attemptGrade WHERE userId = ? AND attemptId IN (\(marks))",
                                        arguments: StatementArguments([userId] + attemptIds))
            return Dictionary(rows.map { r in
                (r["attemptId"], StoredGrade(attemptId: r["attemptId"], key: r["gradeKey"], score: r["score"], report: r["report"], gradedAt: r["gradedAt"]))
            }, uniquingKeysWith: { a, _ in a })
        }
    }

    public func gradedAttempts(userId: Int64, caseSlug: String?) async throws -> [(AttemptRecord, StoredGrade)] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.*, g.gradeKey, g.score, g.report, g.gradedAt AS gradeAt FROM attempt a JOIN attemptGrade g ON g.attemptId = a.id
                WHERE a.userId = ?1 AND (?2 IS NULL OR a.caseSlug = ?2) ORDER BY a.startedAt DESC, a.id DESC
                """), arguments: [userId, caseSlug])
            return rows.map { r in
                (Self.record(r), StoredGrade(attemptId: r["id"], key: r["gradeKey"], score: r["score"], report: r["report"], gradedAt: r["gradeAt"]))
            }
        }
    }

    public func storeGrade(userId: Int64, _ g: StoredGrade) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO attemptGrade (attemptId, userId, gradeKey, score, report, gradedAt)
                SELECT id, userId, ?, ?, ?, ? FROM attempt WHERE id = ? AND userId = ?
                ON CONFLICT (attemptId) DO UPDATE SET gradeKey = excluded.gradeKey, score = excluded.score,
                    report = excluded.report, gradedAt = excluded.gradedAt
                """).execute(arguments: [g.key, g.score, g.report, g.gradedAt, g.attemptId, userId])
            return db.changesCount == 1
        }
    }

    public func search(userId: Int64, terms: [String], limit: Int) async throws -> [(AttemptRecord, [AttemptStepRecord])] {
        let terms = terms.filter { !$0.isEmpty }
        guard !terms.isEmpty else { return [] }
        return try await writer.read { db in
            // instr on lower(): no LIKE wildcards to escape, and the user's own rows are few.
            let conditions = terms.map { _ in
                "EXISTS (SELECT 1 FROM attemptStep s WHERE s.attemptId = a.id AND s.userId = a.userId AND instr(lower(s.body), ?) > 0)"
            }
            let args: [(any DatabaseValueConvertible)?] = [userId] + terms.map { $0.lowercased() } + [limit]
            let attempts = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.* FROM attempt a WHERE a.userId = ? AND \(conditions.joined(separator: " AND "))
                ORDER BY a.updatedAt DESC, a.id DESC LIMIT ?
                """), arguments: StatementArguments(args)).map(Self.record)
            return try attempts.map { a in
                (a, try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM attemptStep WHERE attemptId = ? AND userId = ? ORDER BY id"),
                                     arguments: [a.id, userId]).map(Self.stepRecord))
            }
        }
    }
}
