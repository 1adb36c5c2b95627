import Foundation
import GRDB

// Accounts and sessions: the repository protocols controllers depend on, and their GRDB implementation.
// Every query that touches user-owned rows takes the user id as a parameter and filters on it in SQL, so a caller
// can never reach another user's rows by passing a different document, section or session id.

/// A registered learner.
public struct UserRecord: Sendable, Equatable, Codable, FetchableRecord {
    /// Primary key.
    public var id: Int64
    /// Unique, case-insensitive; stored lower-cased.
    public var username: String
    /// The bcrypt hash (never the password).
    public var passwordHash: String
    /// IANA time zone used to cut study days.
    public var timeZone: String
    /// Local hour at which a study day begins.
    public var dayStartHour: Int
    /// When the account was created.
    public var createdAt: Date
}

/// A signed-in session joined with its user.
public struct SessionRecord: Sendable, Equatable {
    /// Primary key of the session row.
    public var id: Int64
    /// The user.
    public var user: UserRecord
    /// Per-session CSRF token, echoed in every form.
    public var csrfToken: String
    /// When the session was created.
    public var createdAt: Date
    /// Last request seen (refreshed at most once a minute).
    public var lastSeenAt: Date
    /// Absolute expiry.
    public var expiresAt: Date
}

/// Why an account could not be created.
public enum AccountStoreError: Error, Sendable, Equatable {
    /// The username exists (case-insensitively).
    case usernameTaken
}

/// Users: create, find, change password, and the two GDPR-style operations (export, delete).
public protocol UserRepository: Sendable {
    /// Creates a user; throws `AccountStoreError.usernameTaken` if the name exists.
    func createUser(username: String, passwordHash: String, now: Date) async throws -> UserRecord
    /// The user with this username (case-insensitive), if any.
    func user(named username: String) async throws -> UserRecord?
    /// The user with this id, if any.
    func user(id: Int64) async throws -> UserRecord?
    /// Replaces the password hash of `userId`.
    func updatePasswordHash(userId: Int64, passwordHash: String) async throws
    /// Deletes the user and every row of every table that has a `userId` column, in one transaction.
    func deleteUser(userId: Int64) async throws
    /// Everything stored about the user, secrets redacted.
    func exportUser(userId: Int64, now: Date) async throws -> UserDataExport
}

/// Server-side sessions, looked up by the SHA-256 of the cookie token (the token itself is never stored).
public protocol SessionRepository: Sendable {
    /// Stores a new session and returns its id.
    func createSession(userId: Int64, tokenHash: String, csrfToken: String, now: Date, expiresAt: Date) async throws -> Int64
    /// The live session for `tokenHash`: not past its absolute expiry and seen within `idleTimeout`.
    func session(tokenHash: String, now: Date, idleTimeout: TimeInterval) async throws -> SessionRecord?
    /// Records activity on a session.
    func touchSession(id: Int64, userId: Int64, at: Date) async throws
    /// Ends one session of `userId`.
    func deleteSession(id: Int64, userId: Int64) async throws
    /// Ends every session of `userId` except `keeping` (after a password change).
    func deleteSessions(userId: Int64, keeping: Int64?) async throws
    /// Removes expired and idle sessions of everyone; returns how many.
    @discardableResult
    func purgeExpiredSessions(now: Date, idleTimeout: TimeInterval) async throws -> Int
}

/// Fixed-window counters for throttling.
public protocol RateLimitStore: Sendable {
    /// Counts one hit in `bucket`. Returns nil when the hit is within `limit` for the current window, or the seconds
    /// until the window resets when the bucket is already full (the refused hit is not counted).
    func hit(bucket: String, limit: Int, window: TimeInterval, now: Date) async throws -> TimeInterval?
    /// Like `hit` but records nothing.
    func check(bucket: String, limit: Int, window: TimeInterval, now: Date) async throws -> TimeInterval?
    /// Forgets a bucket (after a successful sign-in).
    func reset(bucket: String) async throws
}

/// The GRDB implementation of the account repositories.
public struct SQLiteAccountStore: UserRepository, SessionRepository, RateLimitStore {
    let writer: any DatabaseWriter

    /// Uses `database`.
    public init(_ database: AppDatabase) { writer = database.writer }

    // MARK: users

    public func createUser(username: String, passwordHash: String, now: Date) async throws -> UserRecord {
        try await writer.write { db in
            if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM user WHERE username = ?"), arguments: [username]) != nil {
                throw AccountStoreError.usernameTaken
            }
            do {
                try db.execute(sql: "INSERT INTO user (username, passwordHash, createdAt) VALUES (?, ?, ?)",
                               arguments: [username, passwordHash, now])
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw AccountStoreError.usernameTaken
            }
            let id = db.lastInsertedRowID
            return try UserRecord.fetchOne(db, sql: Self.userSelect + " WHERE id = ?", arguments: [id])!
        }
    }

    static let userSelect = "SELECT id, username, passwordHash, timeZone, dayStartHour, createdAt FROM user"

    public func user(named username: String) async throws -> UserRecord? {
        try await writer.read { db in
            try UserRecord.fetchOne(db, sql: Self.userSelect + " WHERE username = ?", arguments: [username])
        }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await writer.read { db in try UserRecord.fetchOne(db, sql: Self.userSelect + " WHERE id = ?", arguments: [id]) }
    }

    public func updatePasswordHash(userId: Int64, passwordHash: String) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE user SET passwordHash = ? WHERE id = ?").execute(arguments: [passwordHash, userId])
        }
    }

    public func deleteUser(userId: Int64) async throws {
        try await writer.write { db in
            // Deferred so the order of deletes does not matter; every constraint is checked at commit.
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            // Explicit deletes from every table with a userId column, not only ON DELETE CASCADE: a future table
            // that forgets its foreign key is still emptied of this user's rows.
            for table in try UserOwnedTables.names(db) {
                try db.cachedStatement(sql: "DELETE FROM \(table.quotedDatabaseIdentifier) WHERE userId = ?").execute(arguments: [userId])
            }
            try db.cachedStatement(sql: "DELETE FROM user WHERE id = ?").execute(arguments: [userId])
        }
    }

    public func exportUser(userId: Int64, now: Date) async throws -> UserDataExport {
        try await writer.read { db in
            guard let user = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM user WHERE id = ?"), arguments: [userId]) else {
                return UserDataExport(exportedAt: now, user: [:], tables: [:])
            }
            var tables: [String: [[String: ExportValue]]] = [:]
            for table in try UserOwnedTables.names(db) {
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM \(table.quotedDatabaseIdentifier) WHERE userId = ? ORDER BY rowid"),
                                            arguments: [userId])
                tables[table] = rows.map(UserDataExport.object(from:))
            }
            return UserDataExport(exportedAt: now, user: UserDataExport.object(from: user), tables: tables)
        }
    }

    // MARK: sessions

    public func createSession(userId: Int64, tokenHash: String, csrfToken: String, now: Date, expiresAt: Date) async throws -> Int64 {
        try await writer.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO session (tokenHash, userId, csrfToken, createdAt, lastSeenAt, expiresAt) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [tokenHash, userId, csrfToken, now, now, expiresAt])
            return db.lastInsertedRowID
        }
    }

    public func session(tokenHash: String, now: Date, idleTimeout: TimeInterval) async throws -> SessionRecord? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT s.id AS sid, s.csrfToken, s.createdAt AS sCreatedAt, s.lastSeenAt, s.expiresAt,
                       u.id, u.username, u.passwordHash, u.timeZone, u.dayStartHour, u.createdAt
                FROM session s JOIN user u ON u.id = s.userId
                WHERE s.tokenHash = ? AND s.expiresAt > ? AND s.lastSeenAt > ?
                """), arguments: [tokenHash, now, now.addingTimeInterval(-idleTimeout)])
            else { return nil }
            return SessionRecord(id: row["sid"], user: try UserRecord(row: row), csrfToken: row["csrfToken"],
                                 createdAt: row["sCreatedAt"], lastSeenAt: row["lastSeenAt"], expiresAt: row["expiresAt"])
        }
    }

    public func touchSession(id: Int64, userId: Int64, at: Date) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE session SET lastSeenAt = ? WHERE id = ? AND userId = ?").execute(arguments: [at, id, userId])
        }
    }

    public func deleteSession(id: Int64, userId: Int64) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM session WHERE id = ? AND userId = ?").execute(arguments: [id, userId])
        }
    }

    public func deleteSessions(userId: Int64, keeping: Int64?) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM session WHERE userId = ? AND id IS NOT ?").execute(arguments: [userId, keeping])
        }
    }

    public func purgeExpiredSessions(now: Date, idleTimeout: TimeInterval) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM session WHERE expiresAt <= ? OR lastSeenAt <= ?",
                           arguments: [now, now.addingTimeInterval(-idleTimeout)])
            return db.changesCount
        }
    }

    // MARK: rate limits

    public func hit(bucket: String, limit: Int, window: TimeInterval, now: Date) async throws -> TimeInterval? {
        try await writer.write { db in
            if let retry = try Self.retryAfter(db, bucket: bucket, limit: limit, window: window, now: now) { return retry }
            // Either a fresh window (restart the count) or one with room left (add one).
            try db.cachedStatement(sql: """
                INSERT INTO rateLimit (bucket, windowStart, hits) VALUES (?1, ?2, 1)
                ON CONFLICT(bucket) DO UPDATE SET
                    hits = CASE WHEN windowStart <= ?3 THEN 1 ELSE hits + 1 END,
                    windowStart = CASE WHEN windowStart <= ?3 THEN ?2 ELSE windowStart END
                """).execute(arguments: [bucket, now, now.addingTimeInterval(-window)])
            // Old windows are dead weight; sweeping here keeps the table small without a background job.
            if Int.random(in: 0..<64) == 0 {
                try db.cachedStatement(sql: "DELETE FROM rateLimit WHERE windowStart < ?").execute(arguments: [now.addingTimeInterval(-86_400)])
            }
            return nil
        }
    }

    public func check(bucket: String, limit: Int, window: TimeInterval, now: Date) async throws -> TimeInterval? {
        try await writer.read { db in try Self.retryAfter(db, bucket: bucket, limit: limit, window: window, now: now) }
    }

    public func reset(bucket: String) async throws {
        try await writer.write { db in try db.cachedStatement(sql: "DELETE FROM rateLimit WHERE bucket = ?").execute(arguments: [bucket]) }
    }

    static func retryAfter(_ db: Database, bucket: String, limit: Int, window: TimeInterval, now: Date) throws -> TimeInterval? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT windowStart, hits FROM rateLimit WHERE bucket = ?"), arguments: [bucket])
        else { return nil }
        let start: Date = row["windowStart"]
        let hits: Int = row["hits"]
        let resetAt = start.addingTimeInterval(window)
        guard resetAt > now, hits >= limit else { return nil }
        return resetAt.timeIntervalSince(now)
    }
}

/// Tables that hold per-user rows, found by looking for a `userId` column. Deletion and export use this list, so a
/// table added by a later migration is covered as long as it follows the rule: every user-owned table has `userId`.
public enum UserOwnedTables {
    /// Names of every ordinary table with a `userId` column, sorted.
    public static func names(_ db: Database) throws -> [String] {
        let tables = try String.fetchAll(db.cachedStatement(sql: """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' AND sql NOT LIKE 'CREATE VIRTUAL%'
            ORDER BY name
            """))
        return try tables.filter { table in try db.columns(in: table).contains { $0.name == "userId" } }
    }
}

/// A JSON scalar in an export.
public enum ExportValue: Sendable, Equatable, Encodable {
    /// SQL NULL.
    case null
    /// An integer column.
    case int(Int64)
    /// A real column.
    case double(Double)
    /// A text column (blobs are exported as base64 text).
    case string(String)
    /// A secret column, shown as "(redacted)".
    case redacted

    /// Encodes the bare JSON scalar.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .redacted: try c.encode("(redacted)")
        }
    }
}

/// Everything the database holds about one user: the user row and, per user-owned table, that user's rows.
public struct UserDataExport: Sendable, Encodable {
    /// When the export was made.
    public var exportedAt: Date
    /// The user row (password hash redacted).
    public var user: [String: ExportValue]
    /// Table name → rows (secrets redacted).
    public var tables: [String: [[String: ExportValue]]]

    /// Columns whose values are secrets: the user gains nothing from them and an export file may leak.
    static func isSecret(_ column: String) -> Bool {
        column == "passwordHash" || column == "tokenHash" || column == "csrfToken" || column.hasSuffix("Secret")
    }

    static func object(from row: Row) -> [String: ExportValue] {
        var object: [String: ExportValue] = [:]
        for (column, value) in row {
            if isSecret(column) {
                object[column] = .redacted
                continue
            }
            switch value.storage {
            case .null: object[column] = .null
            case .int64(let v): object[column] = .int(v)
            case .double(let v): object[column] = .double(v)
            case .string(let v): object[column] = .string(v)
            case .blob(let d): object[column] = .string(d.base64EncodedString())
            }
        }
        return object
    }
}
