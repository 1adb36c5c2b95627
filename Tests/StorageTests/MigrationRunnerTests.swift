import Foundation
import GRDB
import Testing
@testable import Storage

@Suite struct MigrationRunnerTests {
    func tables(_ db: DatabaseQueue) throws -> [String] {
        try db.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name") }
    }

    @Test func appliesInNumericOrderWhateverTheInputOrder() throws {
        let db = try DatabaseQueue()
        let runner = try MigrationRunner(migrations: [
            SQLMigration(name: "0002_b.sql", number: 2, sql: "ALTER TABLE a ADD COLUMN y INTEGER;"),
            SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);"),
        ])
        #expect(try runner.migrate(db) == ["0001_a.sql", "0002_b.sql"])
        let columns = try db.read { try $0.columns(in: "a").map(\.name) }
        #expect(columns == ["x", "y"])
    }

    @Test func isIdempotent() throws {
        let db = try DatabaseQueue()
        let runner = try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);")])
        #expect(try runner.migrate(db).count == 1)
        #expect(try runner.migrate(db).isEmpty)
        #expect(try runner.isUpToDate(db))
    }

    @Test func aFailingMigrationLeavesTheDatabaseUnchanged() throws {
        let db = try DatabaseQueue()
        let good = SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);")
        try MigrationRunner(migrations: [good]).migrate(db)
        let before = try tables(db)
        let bad = SQLMigration(name: "0002_bad.sql", number: 2, sql: "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1); THIS IS NOT SQL;")
        #expect(throws: MigrationError.self) { try MigrationRunner(migrations: [good, bad]).migrate(db) }
        #expect(try tables(db) == before)
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM a") } == 0)
        #expect(try !MigrationRunner(migrations: [good, bad]).isUpToDate(db))
    }

    @Test func anEditedShippedMigrationIsRefused() throws {
        let db = try DatabaseQueue()
        try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);")]).migrate(db)
        let edited = try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (z TEXT);")])
        #expect(throws: MigrationError.self) { try edited.migrate(db) }
    }

    @Test func duplicateNumbersAreRefused() throws {
        #expect(throws: MigrationError.self) {
            try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: ""), SQLMigration(name: "0001_b.sql", number: 1, sql: "")])
        }
    }

    @Test func readsTheRepositoryMigrationsAndTheyApply() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let runner = try MigrationRunner(directory: root.appendingPathComponent("Migrations"))
        #expect(!runner.migrations.isEmpty)
        #expect(runner.migrations.map(\.number) == runner.migrations.map(\.number).sorted())
        let db = try AppDatabase.inMemory(migrations: runner)
        try db.checkIntegrity()
        #expect(try runner.isUpToDate(db.writer))
        let fk = try db.writer.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        #expect(fk == 1)
    }

    @Test func fileDatabaseUsesWAL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casebook-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try AppDatabase.open(directory: dir, migrations: MigrationRunner(migrations: []))
        let mode = try db.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }
}

@Suite struct BackupTests {
    @Test func backupThenRestoreRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casebook-bk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);")])
        let db = try AppDatabase.open(directory: dir.appendingPathComponent("live"), migrations: runner)
        try db.writer.write { try $0.execute(sql: "INSERT INTO a VALUES (1), (2)") }
        let file = dir.appendingPathComponent("backup.sqlite")
        try db.backup(to: file)
        try db.writer.write { try $0.execute(sql: "DELETE FROM a") }
        try db.restore(from: file)
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM a") } == 2)
    }

    @Test func restoringAMissingOrCorruptFileChangesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casebook-bk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = try MigrationRunner(migrations: [SQLMigration(name: "0001_a.sql", number: 1, sql: "CREATE TABLE a (x INTEGER);")])
        let db = try AppDatabase.open(directory: dir, migrations: runner)
        try db.writer.write { try $0.execute(sql: "INSERT INTO a VALUES (7)") }
        #expect(throws: (any Error).self) { try db.restore(from: dir.appendingPathComponent("nope.sqlite")) }
        let junk = dir.appendingPathComponent("junk.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: junk)
        #expect(throws: (any Error).self) { try db.restore(from: junk) }
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT x FROM a") } == 7)
    }
}
