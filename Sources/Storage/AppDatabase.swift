import Foundation
import GRDB

/// The app's SQLite database: a WAL-mode `DatabasePool` on disk (or a queue in memory for tests), migrated on open.
public struct AppDatabase: Sendable {
    /// The connection(s).
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) `directory/casebook.sqlite`, checks its integrity and applies pending migrations.
    /// `observer`, when given, receives the duration of every SQL statement (for metrics).
    public static func open(directory: URL, migrations: MigrationRunner,
                            observer: (@Sendable (TimeInterval) -> Void)? = nil) throws -> AppDatabase {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: directory.appendingPathComponent("casebook.sqlite").path,
                                    configuration: configuration(observer: observer))
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

    static func configuration(observer: (@Sendable (TimeInterval) -> Void)? = nil) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Concurrent writers wait for each other instead of failing with SQLITE_BUSY.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // WAL + NORMAL survives a process crash (every committed write is kept); only power loss can drop the
            // last transactions, which is the usual trade for a much cheaper commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if let observer {
                db.trace(options: .profile) { event in
                    if case let .profile(_, duration) = event { observer(duration) }
                }
            }
        }
        return config
    }

    /// Copies the whole database into `file` with SQLite's online backup API: safe while the server runs, and the
    /// copy is a consistent snapshot. The file is written next to its destination first, then moved into place.
    public func backup(to file: URL) throws {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).partial")
        try? FileManager.default.removeItem(at: temporary)
        let destination = try DatabaseQueue(path: temporary.path)
        try writer.backup(to: destination)
        try destination.close()
        let copy = AppDatabase(writer: try DatabaseQueue(path: temporary.path))
        try copy.checkIntegrity()
        try (copy.writer as? DatabaseQueue)?.close()
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        try FileManager.default.moveItem(at: temporary, to: file)
    }

    /// Replaces this database's content with the backup in `file`, after checking the backup's integrity.
    /// Stop the server first: a running server would keep serving from its open connections.
    public func restore(from file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { throw BackupFileMissing(path: file.path) }
        var config = Configuration()
        config.readonly = true
        let source = try DatabaseQueue(path: file.path, configuration: config)
        try AppDatabase(writer: source).checkIntegrity()
        try source.backup(to: writer)
        try checkIntegrity()
    }

    /// Moves everything from the write-ahead log into the main file (on shutdown, so the file alone is complete).
    public func checkpoint() throws {
        try writer.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
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

/// `restore` was given a path with no file.
public struct BackupFileMissing: Error, CustomStringConvertible, Sendable {
    /// The path given.
    public var path: String
    public var description: String { "there is no backup file at \(path)" }
}
