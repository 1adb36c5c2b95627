import Foundation
import GRDB

@testable import Storage

/// A fresh in-memory database with every migration applied.
func migratedDatabase() throws -> AppDatabase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try AppDatabase.inMemory(migrations: MigrationRunner(directory: root.appendingPathComponent("Migrations")))
}

/// Inserts a user row and returns its id.
func insertUser(_ db: AppDatabase, _ name: String) throws -> Int64 {
    try db.writer.write { db in
        try db.execute(sql: "INSERT INTO user (username, passwordHash, createdAt) VALUES (?, 'x', ?)", arguments: [name, Date()])
        return db.lastInsertedRowID
    }
}
