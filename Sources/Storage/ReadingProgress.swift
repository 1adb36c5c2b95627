import Foundation
import GRDB

/// One section a user has marked as read.
public struct ReadingProgressEntry: Sendable, Equatable {
    /// Page URL of the chapter, e.g. `/cases/fraud-detection`.
    public var documentUrl: String
    /// Heading id of the section.
    public var sectionId: String
    /// When it was marked.
    public var readAt: Date

    /// Creates an entry.
    public init(documentUrl: String, sectionId: String, readAt: Date) {
        self.documentUrl = documentUrl
        self.sectionId = sectionId
        self.readAt = readAt
    }
}

/// Which sections of which chapters a user has read. Callers validate document URLs and section ids against the
/// content before writing; the store only guarantees that each user sees and changes their own rows.
public protocol ReadingProgressRepository: Sendable {
    /// Marks sections as read (idempotent: re-marking keeps the first `readAt`).
    func markRead(userId: Int64, documentUrl: String, sectionIds: [String], at: Date) async throws
    /// Clears sections.
    func markUnread(userId: Int64, documentUrl: String, sectionIds: [String]) async throws
    /// Document URL → read section ids, for every chapter the user has touched.
    func readSections(userId: Int64) async throws -> [String: Set<String>]
    /// Read section ids of one chapter.
    func readSections(userId: Int64, documentUrl: String) async throws -> Set<String>
    /// The most recently marked section, if any.
    func latest(userId: Int64) async throws -> ReadingProgressEntry?
    /// When the user marked anything since `since` (for the day streak).
    func activityDates(userId: Int64, since: Date) async throws -> [Date]
}

/// The GRDB implementation.
public struct SQLiteReadingProgress: ReadingProgressRepository {
    let writer: any DatabaseWriter

    /// Uses `database`.
    public init(_ database: AppDatabase) { writer = database.writer }

    public func markRead(userId: Int64, documentUrl: String, sectionIds: [String], at: Date) async throws {
        try await writer.write { db in
            for id in sectionIds {
                try db.cachedStatement(sql: """
                    INSERT INTO readingProgress (userId, documentUrl, sectionId, readAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(userId, documentUrl, sectionId) DO NOTHING
                    """).execute(arguments: [userId, documentUrl, id, at])
            }
        }
    }

    public func markUnread(userId: Int64, documentUrl: String, sectionIds: [String]) async throws {
        try await writer.write { db in
            for id in sectionIds {
                try db.execute(sql: "DELETE FROM readingProgress WHERE userId = ? AND documentUrl = ? AND sectionId = ?",
                               arguments: [userId, documentUrl, id])
            }
        }
    }

    public func readSections(userId: Int64) async throws -> [String: Set<String>] {
        try await writer.read { db in
            var result: [String: Set<String>] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT documentUrl, sectionId FROM readingProgress WHERE userId = ?",
                                           arguments: [userId])
            while let row = try rows.next() {
                result[row["documentUrl"], default: []].insert(row["sectionId"])
            }
            return result
        }
    }

    public func readSections(userId: Int64, documentUrl: String) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db.cachedStatement(sql: "SELECT sectionId FROM readingProgress WHERE userId = ? AND documentUrl = ?"),
                                    arguments: [userId, documentUrl]))
        }
    }

    public func latest(userId: Int64) async throws -> ReadingProgressEntry? {
        try await writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT documentUrl, sectionId, readAt FROM readingProgress WHERE userId = ? ORDER BY readAt DESC, id DESC LIMIT 1
                """), arguments: [userId]).map {
                ReadingProgressEntry(documentUrl: $0["documentUrl"], sectionId: $0["sectionId"], readAt: $0["readAt"])
            }
        }
    }

    public func activityDates(userId: Int64, since: Date) async throws -> [Date] {
        try await writer.read { db in
            try Date.fetchAll(db.cachedStatement(sql: "SELECT readAt FROM readingProgress WHERE userId = ? AND readAt >= ? ORDER BY readAt"),
                              arguments: [userId, since])
        }
    }
}
