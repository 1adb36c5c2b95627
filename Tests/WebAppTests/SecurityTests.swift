import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
@testable import WebApp

/// CSRF on every state-changing route, and one user never reaching another's data.
@Suite struct SecurityTests {
    /// Every POST route, with fields that would change something if the request were accepted.
    static let forms: [(String, [(String, String)])] = [
        ("/signup", [("username", "intruder"), ("password", "correct horse battery")]),
        ("/login", [("username", "victim"), ("password", "correct horse battery")]),
        ("/logout", []),
        ("/me/progress", [("document", "/cases/news-feed"), ("section", "clarifying-requirements")]),
        ("/me/password", [("current_password", "correct horse battery"), ("new_password", "attacker chosen pw")]),
        ("/me/delete", [("password", "correct horse battery")]),
    ]

    /// A snapshot of everything the forms above could change.
    static func state(_ db: AppDatabase) async throws -> [String] {
        try await db.writer.read { db in
            try String.fetchAll(db, sql: "SELECT username || ':' || passwordHash FROM user ORDER BY id")
                + String.fetchAll(db, sql: "SELECT userId || ':' || tokenHash FROM session ORDER BY id")
                + String.fetchAll(db, sql: "SELECT userId || ':' || documentUrl || ':' || sectionId FROM readingProgress ORDER BY id")
        }
    }

    enum TokenCase: String, CaseIterable { case missing, wrong, otherUsers, anonymousCookieOnly, crossSite }

    @Test(arguments: TokenCase.allCases)
    func everyFormWithoutAValidTokenIsRefusedAndChangesNothing(_ tokenCase: TokenCase) async throws {
        try await withAccountsApp { client, db in
            let victim = Browser(client)
            try await victim.signUp("victim")
            let other = Browser(client)
            try await other.signUp("other")
            let otherToken = try await other.csrfToken(from: "/me")
            let anonymousToken = try await Browser(client).csrfToken(from: "/login")
            for (path, fields) in Self.forms {
                let before = try await Self.state(db)
                let r: TestResponse
                switch tokenCase {
                case .missing: r = try await victim.post(path, fields)
                case .wrong: r = try await victim.post(path, [("csrf_token", String(repeating: "A", count: 43))] + fields)
                case .otherUsers: r = try await victim.post(path, [("csrf_token", otherToken)] + fields)
                case .anonymousCookieOnly: r = try await victim.post(path, [("csrf_token", anonymousToken)] + fields)
                case .crossSite:
                    let good = try await victim.csrfToken(from: "/me")
                    r = try await victim.post(path, [("csrf_token", good)] + fields, headers: [.secFetchSite: "cross-site"])
                }
                #expect(r.status == .forbidden, "\(tokenCase) \(path): \(r.status)")
                #expect(r.text.contains("nothing was changed"), "\(path)")
                #expect(try await Self.state(db) == before, "\(tokenCase) \(path) changed the database")
            }
            // And the victim is still signed in with their own password.
            #expect(try await victim.get("/me").status == .ok)
        }
    }

    @Test func anonymousFormsWithoutTheCookieAreRefused() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            let token = try await b.csrfToken(from: "/signup")
            b.cookies = [:]  // a forged cross-site post carries no cookie
            let r = try await b.post("/signup", [("csrf_token", token), ("username", "forged"), ("password", "correct horse battery")])
            #expect(r.status == .forbidden)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM user") } == 0)
        }
    }

    @Test func fetchCanSendTheTokenAsAHeader() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("fetcher")
            let token = try await b.csrfToken(from: "/me")
            var h = b.headers([.xCSRFToken: token])
            h[.contentType] = "application/x-www-form-urlencoded"
            let r = try await client.executeRequest(uri: "/me/progress", method: .post, headers: h,
                                                    body: ByteBuffer(string: "document=%2Fframework&section=clarifying-requirements"))
            #expect(r.status == .seeOther)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM readingProgress") } == 1)
            h[.xCSRFToken] = "nope"
            let refused = try await client.executeRequest(uri: "/me/progress", method: .post, headers: h,
                                                          body: ByteBuffer(string: "document=%2Fframework"))
            #expect(refused.status == .forbidden)
        }
    }

    @Test func multipartFormsCarryTheTokenAsAField() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("uploader")
            let token = try await b.csrfToken(from: "/me")
            func post(_ token: String) async throws -> TestResponse {
                var h = b.headers()
                h[.contentType] = "multipart/form-data; boundary=XyZ"
                let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\(token)\r\n"
                    + "--XyZ\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\n/framework\r\n--XyZ--\r\n"
                return try await client.executeRequest(uri: "/me/progress", method: .post, headers: h, body: ByteBuffer(string: body))
            }
            #expect(try await post("bad").status == .forbidden)
            // The token check passes; this route reads URL-encoded fields only, so the chapter is not found.
            #expect(try await post(token).status == .badRequest)
        }
    }

    @Test func oneUserNeverSeesOrChangesAnothersData() async throws {
        try await withAccountsApp { client, db in
            let alice = Browser(client)
            try await alice.signUp("alice")
            let bob = Browser(client)
            try await bob.signUp("bob")
            let aliceId = try #require(try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE username = 'alice'") })
            let bobId = try #require(try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE username = 'bob'") })
            _ = try await alice.submit("/me/progress", [("document", "/cases/news-feed")])
            let aliceRowsBefore = try await db.writer.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM readingProgress WHERE userId = ?", arguments: [aliceId])
            } ?? 0
            #expect(aliceRowsBefore > 5)
            let aliceSessionId = try #require(try await db.writer.read {
                try Int64.fetchOne($0, sql: "SELECT id FROM session WHERE userId = ?", arguments: [aliceId])
            })

            // Reading: Bob's pages show none of Alice's progress, whatever ids he adds to the URL.
            for path in ["/me", "/me?userId=\(aliceId)", "/me?user=alice", "/", "/cases", "/cases/news-feed", "/cases/news-feed?userId=\(aliceId)"] {
                let page = try await bob.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains("alice"), "\(path) shows Alice")
                #expect(!page.text.contains("chapter complete"), "\(path)")
                #expect(!page.text.contains("Read ✓"), "\(path)")
            }
            for path in ["/me/export", "/me/export?userId=\(aliceId)", "/me/export?user=alice", "/me/account?userId=\(aliceId)"] {
                let r = try await bob.get(path)
                #expect(!r.text.contains("alice"), "\(path)")
                #expect(!r.text.contains("news-feed"), "\(path)")
            }

            // Writing: extra id fields are ignored; Bob only ever changes Bob.
            _ = try await bob.submit("/me/progress", [("document", "/framework"), ("userId", "\(aliceId)"), ("user", "alice")])
            _ = try await bob.submit("/me/progress", [("document", "/cases/news-feed"), ("action", "unread"), ("userId", "\(aliceId)")])
            let aliceRows = try await db.writer.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM readingProgress WHERE userId = ?", arguments: [aliceId])
            }
            #expect(aliceRows == aliceRowsBefore)  // every section of news-feed, untouched
            let bobDocs = try await db.writer.read {
                try String.fetchAll($0, sql: "SELECT DISTINCT documentUrl FROM readingProgress WHERE userId = ?", arguments: [bobId])
            }
            #expect(bobDocs == ["/framework"])

            _ = try await bob.submit("/me/password", [("current_password", "correct horse battery"), ("new_password", "bob's new password"),
                                                      ("userId", "\(aliceId)"), ("username", "alice")])
            #expect(try await Browser(client).signIn("alice").status == .seeOther)  // Alice's password unchanged

            _ = try await bob.submit("/me/delete", [("password", "correct horse battery"), ("userId", "\(aliceId)"), ("username", "alice")])
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM user WHERE id = ?", arguments: [aliceId]) } == 1)

            // Storage: calls naming Alice's row ids under Bob's user id touch nothing.
            let store = SQLiteAccountStore(db)
            try await store.deleteSession(id: aliceSessionId, userId: bobId)
            try await store.touchSession(id: aliceSessionId, userId: bobId, at: Date(timeIntervalSince1970: 0))
            #expect(try await alice.get("/me").status == .ok)
            let progress = SQLiteReadingProgress(db)
            try await progress.markUnread(userId: bobId, documentUrl: "/cases/news-feed", sectionIds: ["clarifying-requirements"])
            #expect(try await progress.readSections(userId: aliceId, documentUrl: "/cases/news-feed").count == aliceRowsBefore)
            #expect(try await progress.readSections(userId: bobId)["/cases/news-feed"] == nil)
            let bobExport = try await store.exportUser(userId: bobId, now: Date())
            #expect(bobExport.tables.values.allSatisfy { rows in rows.allSatisfy { $0["userId"] == .int(bobId) } })
        }
    }

    @Test func aGuessedSessionTokenIsNotASession() async throws {
        try await withAccountsApp { client, db in
            try await Browser(client).signUp("target")
            let hash = try #require(try await db.writer.read { try String.fetchOne($0, sql: "SELECT tokenHash FROM session") })
            for guess in [hash, String(repeating: "a", count: 43), "1", "' OR 1=1 --"] {
                let b = Browser(client)
                b.cookies["casebook_session"] = guess
                let r = try await b.get("/me")
                #expect(r.status == .seeOther, "\(guess)")
            }
        }
    }

    @Test func signedInPagesAreNotCachedAndAnonymousPagesVaryOnCookie() async throws {
        try await withAccountsApp { client, _ in
            let anon = try await Browser(client).get("/cases/news-feed")
            #expect(anon.headers[.vary] == "Cookie")
            #expect(anon.headers[.cacheControl] == nil)
            let b = Browser(client)
            try await b.signUp("cachey")
            for path in ["/", "/cases/news-feed", "/me", "/search?q=ranking", "/nope"] {
                #expect(try await b.get(path).headers[.cacheControl]?.contains("no-store") == true, "\(path)")
            }
            // Static assets keep their long cache lifetime for signed-in users.
            #expect(try await b.get("/css/site.css").headers[.cacheControl]?.contains("max-age=31536000") == true)
        }
    }

    @Test func errorPagesKnowWhoIsSignedIn() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("lost")
            let r = try await b.get("/no-such-page")
            #expect(r.status == .notFound)
            #expect(r.text.contains(">lost</a>"))
            #expect(r.text.contains("action=\"/logout\""))
        }
    }
}
