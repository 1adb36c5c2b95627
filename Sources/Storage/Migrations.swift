import Foundation
import GRDB

/// One numbered `.sql` file from `Migrations/`.
public struct SQLMigration: Sendable, Equatable {
    /// The file name, e.g. `0001_accounts.sql`; also the identifier recorded once applied.
    public var name: String
    /// The number that orders it.
    public var number: Int
    /// The SQL it runs.
    public var sql: String

    /// FNV-1a of the SQL: a file edited after it shipped is detected and refused.
    public var checksum: String { String(fnv1a(sql), radix: 16) }

    /// Creates a migration from its file name and text.
    public init(name: String, number: Int, sql: String) {
        self.name = name
        self.number = number
        self.sql = sql
    }
}

/// Errors of the migration runner, phrased for the person running the server.
public enum MigrationError: Error, CustomStringConvertible, Sendable {
    case badFileName(String)
    case duplicateNumber(Int, String, String)
    case edited(String)
    case failed(String, String)
    case missingDirectory(String)

    public var description: String {
        switch self {
        case .badFileName(let f): "Migrations/\(f): the name must look like 0001_what_it_does.sql"
        case .duplicateNumber(let n, let a, let b): "Migrations/\(a) and Migrations/\(b) share the number \(n)"
        case .edited(let f): "Migrations/\(f) was changed after it was applied; never edit a shipped migration, add a new numbered file instead"
        case .failed(let f, let why): "Migrations/\(f) failed and was rolled back: \(why)"
        case .missingDirectory(let d): "migrations directory \(d) not found"
        }
    }
}

/// Applies `Migrations/*.sql` in order, each once and inside its own transaction (SQLite DDL is transactional,
/// so a failing file leaves the database as it was). GRDB's `DatabaseMigrator` does the ordering and bookkeeping;
/// a companion table records each file's checksum so that an edited shipped file is caught.
public struct MigrationRunner: Sendable {
    /// The migrations, sorted by number.
    public let migrations: [SQLMigration]

    /// Uses the given migrations (sorted by number).
    public init(migrations: [SQLMigration]) throws {
        let sorted = migrations.sorted { $0.number < $1.number }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.number == b.number {
            throw MigrationError.duplicateNumber(a.number, a.name, b.name)
        }
        self.migrations = sorted
    }

    /// Reads every `.sql` file in `directory`.
    public init(directory: URL) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw MigrationError.missingDirectory(directory.path)
        }
        var found: [SQLMigration] = []
        for name in names where name.hasSuffix(".sql") {
            let digits = name.prefix { $0.isNumber }
            guard digits.count == 4, let number = Int(digits), name.dropFirst(4).first == "_" else {
                throw MigrationError.badFileName(name)
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            found.append(SQLMigration(name: name, number: number, sql: sql))
        }
        try self.init(migrations: found)
    }

    /// Applies what is missing; returns the names applied now.
    @discardableResult
    public func migrate(_ writer: any DatabaseWriter) throws -> [String] {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS schemaMigrationChecksum (
                    name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, appliedAt TEXT NOT NULL)
                """)
            for row in try Row.fetchAll(db, sql: "SELECT name, checksum FROM schemaMigrationChecksum") {
                let name: String = row["name"]
                if let m = migrations.first(where: { $0.name == name }), m.checksum != row["checksum"] as String {
                    throw MigrationError.edited(name)
                }
            }
        }
        var migrator = DatabaseMigrator()
        for m in migrations {
            migrator.registerMigration(m.name) { db in
                do {
                    try db.execute(sql: m.sql)
                } catch let e as DatabaseError {
                    throw MigrationError.failed(m.name, e.message ?? "\(e)")
                }
                try db.execute(
                    sql: "INSERT INTO schemaMigrationChecksum (name, checksum, appliedAt) VALUES (?, ?, ?)",
                    arguments: [m.name, m.checksum, ISO8601DateFormatter().string(from: Date())])
            }
        }
        let before = try writer.read { try migrator.appliedIdentifiers($0) }
        try migrator.migrate(writer)
        return migrations.map(\.name).filter { !before.contains($0) }
    }

    /// True when every migration has been applied.
    public func isUpToDate(_ reader: any DatabaseReader) throws -> Bool {
        var migrator = DatabaseMigrator()
        for m in migrations { migrator.registerMigration(m.name) { _ in } }
        return try reader.read { try migrator.hasCompletedMigrations($0) }
    }
}

func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h &*= 0x100_0000_01b3
    }
    return h
}
