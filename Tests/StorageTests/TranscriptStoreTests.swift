import Foundation
import GRDB
import Testing

@testable import Storage

/// The conversation with the interviewer: questions stored once per browser key, one follow-up per step within the
/// attempt's limit (also when two requests race), replies versioned like steps, and every change dropping the
/// attempt's stored grade.
@Suite struct TranscriptStoreTests {
    func database() throws -> AppDatabase { try migratedDatabase() }
    func user(_ db: AppDatabase, _ name: String) throws -> Int64 { try insertUser(db, name) }

    func question(_ text: String, key: String?) -> AskedQuestion {
        AskedQuestion(step: "requirements", question: text, answer: "About 10 million.", factId: "scale", confidence: 0.7, clientKey: key)
    }

    @Test func aRetriedQuestionIsStoredOnceAndOnlyForTheOwner() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann"), bob = try user(db, "bob")
        let a = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["requirements"], followUps: 2, now: Date())
        let first = try #require(try await store.ask(attemptId: a, userId: ann, question("How many users?", key: "k1"), now: Date()))
        let retry = try #require(try await store.ask(attemptId: a, userId: ann, question("How many users?", key: "k1"), now: Date()))
        #expect(first == retry)
        _ = try await store.ask(attemptId: a, userId: ann, question("How many users?", key: nil), now: Date())
        #expect(try await store.turns(attemptId: a, userId: ann).count == 2)
        #expect(try await store.ask(attemptId: a, userId: bob, question("Mine?", key: "k2"), now: Date()) == nil)
        #expect(try await store.turns(attemptId: a, userId: bob).isEmpty)
        let t = try await store.turns(attemptId: a, userId: ann)[0]
        #expect(t.kind == .question && t.ref == "scale" && t.reply == "About 10 million.")
    }

    @Test func oneFollowUpPerStepWithinTheLimitEvenWhenRequestsRace() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann")
        let a = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data", "model", "serving"], followUps: 2, now: Date())
        // Two tabs pose the data step's follow-up at once: one row.
        async let x = store.poseFollowUp(attemptId: a, userId: ann, step: "data", followUpId: "f1", question: "Q1?", now: Date())
        async let y = store.poseFollowUp(attemptId: a, userId: ann, step: "data", followUpId: "f2", question: "Q2?", now: Date())
        let results = try await [x, y]
        #expect(results.filter { if case .posed = $0 { true } else { false } }.count == 1)
        #expect(results.filter { if case .alreadyPosed = $0 { true } else { false } }.count == 1)
        guard case .posed = try await store.poseFollowUp(attemptId: a, userId: ann, step: "model", followUpId: "f3", question: "Q3?", now: Date())
        else { Issue.record("the second follow-up was refused"); return }
        #expect(try await store.poseFollowUp(attemptId: a, userId: ann, step: "serving", followUpId: "f4", question: "Q4?", now: Date()) == .limitReached)
        #expect(try await store.setFollowUps(attemptId: a, userId: ann, count: 9))
        #expect(try await store.attempt(id: a, userId: ann)?.followUps == 3)
        let off = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data"], followUps: 0, now: Date())
        #expect(try await store.poseFollowUp(attemptId: off, userId: ann, step: "data", followUpId: "f1", question: "Q?", now: Date()) == .limitReached)
        #expect(try await store.poseFollowUp(attemptId: 9999, userId: ann, step: "data", followUpId: "f1", question: "Q?", now: Date()) == .notFound)
    }

    @Test func repliesAreVersionedAndEveryChangeDropsTheStoredGrade() async throws {
        let db = try database()
        let store = SQLiteAttemptStore(db)
        let ann = try user(db, "ann"), bob = try user(db, "bob")
        let a = try await store.createAttempt(userId: ann, caseSlug: "fraud-detection", steps: ["data"], followUps: 1, now: Date())
        guard case .posed(let turn) = try await store.poseFollowUp(attemptId: a, userId: ann, step: "data", followUpId: "f1", question: "Q?", now: Date())
        else { Issue.record("not posed"); return }
        func grade() async throws -> Bool {
            try await store.storeGrade(userId: ann, StoredGrade(attemptId: a, key: "k", score: 10, report: "{}", gradedAt: Date()))
            return !(try await store.storedGrades(userId: ann, attemptIds: [a]).isEmpty)
        }
        #expect(try await grade())
        guard case .saved(let v1) = try await store.saveReply(attemptId: a, userId: ann, turnId: turn.id, text: "Use matured labels.", baseVersion: 0, now: Date())
        else { Issue.record("not saved"); return }
        #expect(v1.version == 1)
        #expect(try await store.storedGrades(userId: ann, attemptIds: [a]).isEmpty, "the reply changed: the grade is stale")
        // An older tab's edit is refused and changes nothing; the same text again is not a conflict.
        guard case .conflict(let current) = try await store.saveReply(attemptId: a, userId: ann, turnId: turn.id, text: "Other.", baseVersion: 0, now: Date())
        else { Issue.record("a stale reply was saved"); return }
        #expect(current.reply == "Use matured labels.")
        #expect(try await store.saveReply(attemptId: a, userId: ann, turnId: turn.id, text: "Use matured labels.", baseVersion: 0, now: Date()) == .saved(v1))
        #expect(try await store.saveReply(attemptId: a, userId: bob, turnId: turn.id, text: "Hijack", baseVersion: 1, now: Date()) == .notFound)
        #expect(try await grade())
        _ = try await store.ask(attemptId: a, userId: ann, question("Labels?", key: "q"), now: Date())
        #expect(try await store.storedGrades(userId: ann, attemptIds: [a]).isEmpty, "a question asked: the grade is stale")
        // Deleting the attempt deletes its turns.
        try await db.writer.write { try $0.execute(sql: "DELETE FROM attempt WHERE id = ?", arguments: [a]) }
        #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attemptTurn") } == 0)
    }
}
