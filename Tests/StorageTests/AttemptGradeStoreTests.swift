import Foundation
import GRDB
import Testing

@testable import Storage

/// The stored grades of attempts: only the attempt's owner reads or writes one, a second grade replaces the first,
/// and deleting the attempt deletes its grade.
@Suite struct AttemptGradeStoreTests {
    func database() throws -> AppDatabase { try migratedDatabase() }
    func user(_ db: AppDatabase, _ name: String) throws -> Int64 { try insertUser(db, name) }

    @Test func onlyTheOwnerStoresAndReadsAGrade() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann"), bob = try user(db, "bob")
        let attempt = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data"], followUps: 2, now: Date())
        let grade = StoredGrade(attemptId: attempt, key: "k1", score: 40, report: "{}", gradedAt: Date(timeIntervalSince1970: 1_000))
        #expect(try await store.storeGrade(userId: bob, grade) == false)
        #expect(try await store.storedGrades(userId: ann, attemptIds: [attempt]).isEmpty)
        #expect(try await store.storeGrade(userId: ann, grade))
        #expect(try await store.storedGrades(userId: ann, attemptIds: [attempt])[attempt] == grade)
        #expect(try await store.storedGrades(userId: bob, attemptIds: [attempt]).isEmpty)

        var newer = grade
        newer.key = "k2"
        newer.score = 55
        #expect(try await store.storeGrade(userId: ann, newer))
        #expect(try await store.storedGrades(userId: ann, attemptIds: [attempt])[attempt] == newer)
        #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attemptGrade") } == 1)

        try await db.writer.write { try $0.execute(sql: "DELETE FROM attempt WHERE id = ?", arguments: [attempt]) }
        #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attemptGrade") } == 0)
    }

    @Test func changingTheTextDropsTheGradeAndListsComeInOneQuery() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann"), bob = try user(db, "bob")
        let fraud = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data"], followUps: 2, now: Date())
        let feed = try await store.createAttempt(userId: ann, caseSlug: "news-feed", steps: ["data"], followUps: 2, now: Date())
        _ = try await store.createAttempt(userId: bob, caseSlug: "fraud-detection", steps: ["data"], followUps: 2, now: Date())
        for id in [fraud, feed] {
            #expect(try await store.storeGrade(userId: ann, StoredGrade(attemptId: id, key: "k\(id)", score: 30, report: "{}", gradedAt: Date())))
        }
        #expect(try await store.gradedAttempts(userId: ann, caseSlug: nil).map(\.0.id).sorted() == [fraud, feed].sorted())
        #expect(try await store.gradedAttempts(userId: ann, caseSlug: "news-feed").map(\.1.key) == ["k\(feed)"])
        #expect(try await store.gradedAttempts(userId: bob, caseSlug: nil).isEmpty)
        // A clock-only save keeps the grade; a changed text drops it.
        _ = try await store.save(attemptId: fraud, userId: ann, edits: [StepEdit(step: "data", body: "", baseVersion: 0, secondsSpent: 9)], now: Date())
        #expect(try await store.gradedAttempts(userId: ann, caseSlug: "fraud-detection").count == 1)
        _ = try await store.save(attemptId: fraud, userId: ann, edits: [StepEdit(step: "data", body: "new text", baseVersion: 0, secondsSpent: 9)], now: Date())
        #expect(try await store.gradedAttempts(userId: ann, caseSlug: "fraud-detection").isEmpty)
        #expect(try await store.gradedAttempts(userId: ann, caseSlug: "news-feed").count == 1)
    }

    @Test func aScoreOutsideZeroToHundredIsRefused() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann")
        let attempt = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data"], followUps: 2, now: Date())
        await #expect(throws: (any Error).self) {
            try await store.storeGrade(userId: ann, StoredGrade(attemptId: attempt, key: "k", score: 101, report: "{}", gradedAt: Date()))
        }
    }
}
