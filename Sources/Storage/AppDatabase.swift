import Foundation
import GRDB

/// The app's SQLite database: a WAL-mode `DatabasePool` on disk (or a queue in memory for tests), migrated on open.
public struct AppDatabase: Sendable {
    /// The connection(s).
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) `directory/casebook.sqlite`, checks its integrity and applies pending migrations.
    public static func open(directory: URL, migrations: MigrationRunner) throws -> AppDatabase {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: directory.appendingPathComponent("casebook.sqlite").path, configuration: configuration())
        let db = AppDatabase(writer: pool)
        try db.checkIntegrity()
        try migrations.migrate(pool)
        return db
    }

    /// An in-memory database with the migrations applied (tests).
    public static func inMemory(migrations: MigrationRunner) throws -> AppDatabase {
        let queue = try DatabaseQueue(configuration: configuration())
        try migrations.migrate(queue)
        return AppDatabase(writer: queue)
    }

    /// Wraps an existing writer.
    public init(writer: any DatabaseWriter) { self.writer = writer }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Concurrent writers wait for each other instead of failing with SQLITE_BUSY.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // WAL + NORMAL survives a process crash (every committed write is kept); only power loss can drop the
            // last transactions, which is the usual trade for a much cheaper commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return config
    }

    /// Runs `PRAGMA integrity_check` and throws unless it answers `ok`.
    public func checkIntegrity() throws {
        let result = try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        guard result == ["ok"] else { throw IntegrityError(details: result.joined(separator: "; ")) }
    }
}

/// The database file is damaged.
public struct IntegrityError: Error, CustomStringConvertible, Sendable {
    /// What SQLite reported.
    public var details: String
    public var description: String { "the database failed its integrity check: \(details)" }
}
