import Foundation
import GRDB

/// One turn of a mock interview's conversation with the interviewer (`Migrations/0040_interviewer.sql`).
public struct TurnRecord: Sendable, Equatable, Codable, FetchableRecord {
    public enum Kind: String, Sendable, Codable, DatabaseValueConvertible {
        /// The learner asked (`prompt`); the interviewer answered (`reply`).
        case question
        /// The interviewer asked (`prompt`); the learner replies (`reply`, edited and autosaved).
        case followUp
    }
    public var id: Int64
    public var kind: Kind
    /// The framework step the learner was on.
    public var step: String
    public var prompt: String
    public var reply: String
    /// A question: the fact that answered it, "out-of-scope:<topic>" when it was declined, nil for the fallback.
    /// A follow-up: its id in the case's sheet.
    public var ref: String?
    /// How close the question was to the fact that answered it (0–1).
    public var confidence: Double?
    /// Bumped on every saved change to a follow-up's reply.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, kind: Kind, step: String, prompt: String, reply: String, ref: String?, confidence: Double?,
                version: Int, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.kind = kind
        self.step = step
        self.prompt = prompt
        self.reply = reply
        self.ref = ref
        self.confidence = confidence
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A question and the interviewer's answer, to append.
public struct AskedQuestion: Sendable, Equatable {
    public var step: String
    public var question: String
    public var answer: String
    public var factId: String?
    public var confidence: Double
    /// The browser's id for the question: a retry with the same key returns the turn already stored.
    public var clientKey: String?
    public init(step: String, question: String, answer: String, factId: String?, confidence: Double, clientKey: String?) {
        self.step = step
        self.question = question
        self.answer = answer
        self.factId = factId
        self.confidence = confidence
        self.clientKey = clientKey
    }
}

/// What posing a follow-up did.
public enum FollowUpPoseResult: Sendable, Equatable {
    case posed(TurnRecord)
    /// This step already has its follow-up (another tab, a retry): that one.
    case alreadyPosed(TurnRecord)
    /// The attempt's follow-ups are used up (or turned off).
    case limitReached
    case notFound
}

/// What saving a reply did.
public enum ReplySaveResult: Sendable, Equatable {
    case saved(TurnRecord)
    /// Edited from an older version; nothing written. Carries what is stored.
    case conflict(current: TurnRecord)
    case notFound
}

extension SQLiteAttemptStore {
    static let turnColumns = "id, kind, step, prompt, reply, ref, confidence, version, createdAt, updatedAt"

    public func turns(attemptId: Int64, userId: Int64) async throws -> [TurnRecord] {
        try await writer.read { db in try Self.turns(db, attemptId: attemptId, userId: userId) }
    }

    static func turns(_ db: Database, attemptId: Int64, userId: Int64) throws -> [TurnRecord] {
        try TurnRecord.fetchAll(db.cachedStatement(sql: "SELECT \(turnColumns) FROM attemptTurn WHERE attemptId = ? AND userId = ? ORDER BY id"),
                                arguments: [attemptId, userId])
    }

    static func turn(_ db: Database, id: Int64) throws -> TurnRecord? {
        try TurnRecord.fetchOne(db.cachedStatement(sql: "SELECT \(turnColumns) FROM attemptTurn WHERE id = ?"), arguments: [id])
    }

    /// The attempt's text (and so its grade) changed.
    static func touched(_ db: Database, attemptId: Int64, userId: Int64, now: Date) throws {
        try db.cachedStatement(sql: "DELETE FROM attemptGrade WHERE attemptId = ? AND userId = ?").execute(arguments: [attemptId, userId])
        try db.cachedStatement(sql: "UPDATE attempt SET updatedAt = ? WHERE id = ? AND userId = ?").execute(arguments: [now, attemptId, userId])
    }

    public func ask(attemptId: Int64, userId: Int64, _ q: AskedQuestion, now: Date) async throws -> TurnRecord? {
        try await writer.write { db in
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM attempt WHERE id = ? AND userId = ?"), arguments: [attemptId, userId]) != nil
            else { return nil }
            if let key = q.clientKey, let id = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT id FROM attemptTurn WHERE attemptId = ? AND clientKey = ?
                """), arguments: [attemptId, key]) {
                return try Self.turn(db, id: id)
            }
            try db.cachedStatement(sql: """
                INSERT INTO attemptTurn (attemptId, userId, kind, step, prompt, reply, ref, confidence, clientKey, createdAt, updatedAt)
                VALUES (?, ?, 'question', ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [attemptId, userId, q.step, q.question, q.answer, q.factId, q.confidence, q.clientKey, now, now])
            let id = db.lastInsertedRowID
            try Self.touched(db, attemptId: attemptId, userId: userId, now: now)
            return try Self.turn(db, id: id)
        }
    }

    public func poseFollowUp(attemptId: Int64, userId: Int64, step: String, followUpId: String, question: String, now: Date) async throws
        -> FollowUpPoseResult
    {
        try await writer.write { db in
            guard let limit = try Int.fetchOne(db.cachedStatement(sql: "SELECT followUps FROM attempt WHERE id = ? AND userId = ?"),
                                               arguments: [attemptId, userId])
            else { return .notFound }
            let existing = try Self.turns(db, attemptId: attemptId, userId: userId).filter { $0.kind == .followUp }
            if let same = existing.first(where: { $0.step == step }) { return .alreadyPosed(same) }
            guard existing.count < limit else { return .limitReached }
            // The unique indexes make a concurrent second pose for this step (or of this follow-up) a no-op.
            try db.cachedStatement(sql: """
                INSERT INTO attemptTurn (attemptId, userId, kind, step, prompt, ref, createdAt, updatedAt)
                VALUES (?, ?, 'followUp', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """).execute(arguments: [attemptId, userId, step, question, followUpId, now, now])
            guard db.changesCount == 1 else {
                return try Self.turns(db, attemptId: attemptId, userId: userId).first { $0.kind == .followUp && $0.step == step }.map { .alreadyPosed($0) } ?? .limitReached
            }
            return try Self.turn(db, id: db.lastInsertedRowID).map { .posed($0) } ?? .notFound
        }
    }

    public func saveReply(attemptId: Int64, userId: Int64, turnId: Int64, text: String, baseVersion: Int, now: Date) async throws -> ReplySaveResult {
        try await writer.write { db in
            guard let current = try TurnRecord.fetchOne(db.cachedStatement(sql: """
                SELECT \(Self.turnColumns) FROM attemptTurn WHERE id = ? AND attemptId = ? AND userId = ? AND kind = 'followUp'
                """), arguments: [turnId, attemptId, userId])
            else { return .notFound }
            if current.reply == text { return .saved(current) }
            guard current.version == baseVersion else { return .conflict(current: current) }
            try db.cachedStatement(sql: "UPDATE attemptTurn SET reply = ?, version = version + 1, updatedAt = ? WHERE id = ? AND version = ?")
                .execute(arguments: [text, now, turnId, current.version])
            try Self.touched(db, attemptId: attemptId, userId: userId, now: now)
            return try Self.turn(db, id: turnId).map { .saved($0) } ?? .notFound
        }
    }

    public func setFollowUps(attemptId: Int64, userId: Int64, count: Int) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE attempt SET followUps = ? WHERE id = ? AND userId = ?").execute(arguments: [min(max(count, 0), 3), attemptId, userId])
            return db.changesCount == 1
        }
    }
}
