import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
@testable import WebApp

@Suite struct AccountTests {
    @Test func productionBcryptCostIsTwelve() {
        #expect(AppConfiguration().bcryptCost == 12)
    }

    @Test func signUpSignOutSignInRoundTrip() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            // The form sets an anonymous CSRF cookie for the double-submit check.
            let form = try await b.get("/signup")
            #expect(form.status == .ok)
            #expect(form.text.contains("name=\"csrf_token\""))
            #expect(b.cookies["casebook_csrf"] != nil)

            let r = try await b.signUp("Alice")
            #expect(r.location == "/me")
            let setCookie = r.headers[values: .setCookie].first { $0.hasPrefix("casebook_session=") } ?? ""
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            #expect(setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"))

            let me = try await b.get("/me")
            #expect(me.status == .ok)
            #expect(me.text.contains("Hello, alice"))  // usernames are stored lower-cased
            #expect(me.headers[.cacheControl] == "private, no-store")

            // Only a hash of the cookie token is stored.
            let token = try #require(b.cookies["casebook_session"])
            let stored = try await db.writer.read { try String.fetchAll($0, sql: "SELECT tokenHash FROM session") }
            #expect(stored == [Tokens.sha256(token)])
            #expect(!stored.contains(token))

            let out = try await b.submit("/logout", [])
            #expect(out.status == .seeOther)
            #expect(b.cookies["casebook_session"] == nil)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM session") } == 0)
            let anon = try await b.get("/me")
            #expect(anon.status == .seeOther)
            #expect(anon.location == "/login?next=/me")

            let back = try await b.signIn("ALICE", next: "/me")
            #expect(back.status == .seeOther)
            #expect(back.location == "/me")
            #expect(try await b.get("/me").status == .ok)
        }
    }

    @Test func secureCookiesWhenConfiguredForTLS() async throws {
        try await withAccountsApp(configure: { $0.secureCookies = true }) { client, _ in
            let b = Browser(client)
            let form = try await b.get("/signup")
            #expect(form.headers[values: .setCookie].allSatisfy { $0.contains("Secure") && $0.hasPrefix("__Host-") })
            let token = try #require(Browser.csrfToken(in: form.text))
            let r = try await b.post("/signup", [("csrf_token", token), ("username", "bob"), ("password", "correct horse battery")])
            #expect(r.status == .seeOther)
            let cookie = try #require(r.headers[values: .setCookie].first { $0.hasPrefix("__Host-casebook_session=") })
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
        }
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameAnswer() async throws {
        let hasher = CountingHasher(BcryptPasswordHasher(cost: 4))
        try await withAccountsApp(hasher: hasher) { client, _ in
            try await Browser(client).signUp("carol")
            let wrong = Browser(client)
            let r1 = try await wrong.signIn("carol", password: "not the password")
            let unknown = Browser(client)
            let r2 = try await unknown.signIn("nobody", password: "not the password")
            #expect(r1.status == .unauthorized)
            #expect(r2.status == r1.status)
            #expect(r1.text.contains(AccountController.signInFailed))
            #expect(r2.text.contains(AccountController.signInFailed))
            func normalized(_ r: TestResponse, _ name: String) -> String {
                r.text.replacingOccurrences(of: "value=\"\(name)\"", with: "value=\"X\"")
                    .replacingOccurrences(of: #"value="[A-Za-z0-9_-]{43}""#, with: "TOKEN", options: .regularExpression)
                    .replacingOccurrences(of: #"Request id: <code>[^<]*</code>"#, with: "", options: .regularExpression)
            }
            #expect(normalized(r1, "carol") == normalized(r2, "nobody"))
            // Each path ran exactly one bcrypt verification, so their cost is the same.
            #expect(await hasher.verifications == 2)
        }
    }

    @Test(arguments: [
        ("ab", "correct horse battery", "3 to 32 characters"),
        ("has space", "correct horse battery", "Use only letters"),
        ("<script>", "correct horse battery", "Use only letters"),
        ("_under", "correct horse battery", "starts with a letter or a digit"),
        ("", "correct horse battery", "Choose a username"),
        ("frank", "short", "at least 10 characters"),
        ("frankfrank", "FrankFrank", "must differ from your username"),
        ("frank", String(repeating: "é", count: 40), "at most 72 bytes"),
        // NIST SP 800-63B: repetitive, sequential, context-specific and common passwords.
        ("frank", "aaaaaaaaaaaa", "repeats one or two characters"),
        ("frank", "abababababab", "repeats one or two characters"),
        ("frank", "0123456789", "run of consecutive characters"),
        ("frank", "zyxwvutsrqp", "run of consecutive characters"),
        ("frankie", "frankie-rules-2024", "must not contain your username"),
        ("frank", "my casebook login", "must not contain “casebook”"),
        ("frank", "Password2024!", "among the first an attacker tries"),
        ("frank", "qwertyuiop1", "among the first an attacker tries"),
        ("frank", "1234567890123", "among the first an attacker tries"),
    ])
    func signUpValidationExplainsWhatToFix(username: String, password: String, message: String) async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            let r = try await b.submit("/signup", [("username", username), ("password", password)], tokenFrom: "/signup")
            #expect(r.status == .unprocessableContent)
            #expect(r.text.contains(message), "\(r.text)")
            #expect(r.text.contains("aria-invalid=\"true\""))
            #expect(!r.text.contains("<script>\""))
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM user") } == 0)
        }
    }

    @Test func usernamesAreUniqueIgnoringCase() async throws {
        try await withAccountsApp { client, _ in
            try await Browser(client).signUp("grace")
            let r = try await Browser(client).submit("/signup", [("username", "GRACE"), ("password", "another long password")],
                                                     tokenFrom: "/signup")
            #expect(r.status == .unprocessableContent)
            #expect(r.text.contains("That username is taken"))
        }
    }

    @Test func signInIsRateLimitedPerAddress() async throws {
        try await withAccountsApp(configure: { $0.rateLimits.signInPerAddress = 3 }) { client, _ in
            let b = Browser(client, address: "203.0.113.7")
            for _ in 0..<3 { #expect(try await b.signIn("heidi", password: "wrong password").status == .unauthorized) }
            let r = try await b.signIn("heidi", password: "wrong password")
            #expect(r.status == .tooManyRequests)
            let retry = try #require(r.headers[.retryAfter].flatMap(Int.init))
            #expect(retry > 0 && retry <= 15 * 60)
            #expect(r.text.contains("Too many sign-in attempts"))
            #expect(r.text.contains("minutes"))
            // Another address is unaffected.
            #expect(try await Browser(client, address: "203.0.113.8").signIn("heidi", password: "wrong password").status == .unauthorized)
        }
    }

    @Test func signInIsRateLimitedPerAccountEvenForTheRightPassword() async throws {
        try await withAccountsApp(configure: { $0.rateLimits.signInFailuresPerAccount = 2 }) { client, _ in
            try await Browser(client).signUp("ivan")
            for i in 0..<2 {
                #expect(try await Browser(client, address: "192.0.2.\(i + 1)").signIn("ivan", password: "wrong password").status == .unauthorized)
            }
            let locked = try await Browser(client, address: "192.0.2.99").signIn("ivan")
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
            #expect(locked.text.contains("failed sign-ins for this account"))
            // An unknown name is throttled the same way, so a 429 says nothing about whether an account exists.
            for i in 0..<2 { _ = try await Browser(client, address: "192.0.2.\(i + 50)").signIn("ghost", password: "wrong password") }
            #expect(try await Browser(client).signIn("ghost", password: "wrong password").status == .tooManyRequests)
        }
    }

    @Test func signUpIsRateLimitedPerAddress() async throws {
        try await withAccountsApp(configure: { $0.rateLimits.signUpPerAddress = 2 }) { client, db in
            for name in ["judy1", "judy2"] { try await Browser(client, address: "198.18.0.1").signUp(name) }
            let r = try await Browser(client, address: "198.18.0.1").submit(
                "/signup", [("username", "judy3"), ("password", "correct horse battery")], tokenFrom: "/signup")
            #expect(r.status == .tooManyRequests)
            #expect(r.headers[.retryAfter] != nil)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM user") } == 2)
        }
    }

    @Test(arguments: [
        ("/cases/fraud-detection", "/cases/fraud-detection"),
        ("/me?x=1#top", "/me?x=1#top"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/%2F%2Fevil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ])
    func signInReturnsOnlyToLocalPaths(next: String, expected: String) async throws {
        #expect(SafeRedirect.path(next) == expected)
        try await withAccountsApp { client, _ in
            try await Browser(client).signUp("kim")
            let r = try await Browser(client).signIn("kim", next: next)
            #expect(r.status == .seeOther)
            #expect(r.location == expected)
        }
    }

    @Test func practiceFeaturesAskToSignInAndComeBack() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            let r = try await b.get("/me")
            #expect(r.location == "/login?next=/me")
            let form = try await b.get("/login?next=/cases/news-feed")
            #expect(form.text.contains("name=\"next\" value=\"/cases/news-feed\""))
            #expect(form.text.contains("You will come back to where you were"))
            let evil = try await b.get("/login?next=//evil.example")
            #expect(evil.text.contains("name=\"next\" value=\"/\""))
            // Anonymous chapter pages link to sign-in with the way back.
            let page = try await b.get("/cases/news-feed")
            #expect(page.text.contains("href=\"/login?next=/cases/news-feed\""))
        }
    }

    @Test func signOutEverywhereEndsEverySessionOfTheAccountOnly() async throws {
        try await withAccountsApp { client, db in
            let laptop = Browser(client)
            try await laptop.signUp("mira", password: "first password!")
            let phone = Browser(client)
            #expect(try await phone.signIn("mira", password: "first password!").status == .seeOther)
            let someoneElse = Browser(client)
            try await someoneElse.signUp("nadia")
            #expect(try await laptop.get("/me/account").text.contains("action=\"/logout/everywhere\""))
            let r = try await laptop.submit("/logout/everywhere", [], tokenFrom: "/me/account")
            #expect(r.location == "/login?signedout=everywhere")
            #expect(try await laptop.get("/login?signedout=everywhere").text.contains("signed out on every device"))
            #expect(try await laptop.get("/me").status == .seeOther)
            #expect(try await phone.get("/me").status == .seeOther)
            #expect(try await someoneElse.get("/me").status == .ok)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM session") } == 1)
        }
    }

    @Test func changePasswordChecksTheOldOneAndEndsOtherSessions() async throws {
        try await withAccountsApp { client, db in
            let laptop = Browser(client)
            try await laptop.signUp("lena", password: "first password!")
            let phone = Browser(client)
            #expect(try await phone.signIn("lena", password: "first password!").status == .seeOther)

            let wrong = try await laptop.submit("/me/password", [("current_password", "nope nope nope"), ("new_password", "second password!")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("That is not your current password"))
            let weak = try await laptop.submit("/me/password", [("current_password", "first password!"), ("new_password", "short")])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.text.contains("at least 10 characters"))

            let ok = try await laptop.submit("/me/password", [("current_password", "first password!"), ("new_password", "second password!")])
            #expect(ok.location == "/me/account?done=password")
            #expect(try await laptop.get("/me/account?done=password").text.contains("Your password has been changed"))
            #expect(try await phone.get("/me").status == .seeOther)  // signed out
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM session") } == 1)
            #expect(try await Browser(client).signIn("lena", password: "first password!").status == .unauthorized)
            #expect(try await Browser(client).signIn("lena", password: "second password!").status == .seeOther)
        }
    }

    @Test func idleAndExpiredSessionsAreOver() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("mallory")
            try await db.writer.write { try $0.execute(sql: "UPDATE session SET lastSeenAt = ?", arguments: [Date().addingTimeInterval(-8 * 86_400)]) }
            let idle = try await b.get("/me")
            #expect(idle.status == .seeOther)
            #expect(b.cookies["casebook_session"] == nil)  // the stale cookie is cleared

            try await b.signIn("mallory")
            try await db.writer.write { try $0.execute(sql: "UPDATE session SET expiresAt = ?", arguments: [Date().addingTimeInterval(-1)]) }
            #expect(try await b.get("/me").status == .seeOther)
        }
    }

    @Test func exportHasEverythingAboutTheUserAndNoSecrets() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("nina")
            _ = try await b.submit("/me/progress", [("document", "/cases/news-feed"), ("section", "clarifying-requirements")])
            let r = try await b.get("/me/export")
            #expect(r.status == .ok)
            #expect(r.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
            let user = try #require(json["user"] as? [String: Any])
            #expect(user["username"] as? String == "nina")
            #expect(user["passwordHash"] as? String == "(redacted)")
            let tables = try #require(json["tables"] as? [String: [[String: Any]]])
            let progress = try #require(tables["readingProgress"])
            #expect(progress.count == 1)
            #expect(progress.first?["sectionId"] as? String == "clarifying-requirements")
            let sessions = try #require(tables["session"])
            #expect(sessions.allSatisfy { $0["tokenHash"] as? String == "(redacted)" && $0["csrfToken"] as? String == "(redacted)" })
            #expect(!r.text.contains("$2b$"))  // no bcrypt hash anywhere
        }
    }

    @Test func deletingAnAccountRemovesEveryRowInEveryUserTable() async throws {
        try await withAccountsApp { client, db in
            let keep = Browser(client)
            try await keep.signUp("olivia")
            _ = try await keep.submit("/me/progress", [("document", "/framework")])
            let gone = Browser(client)
            try await gone.signUp("peggy")
            _ = try await gone.submit("/me/progress", [("document", "/cases/news-feed")])
            let second = Browser(client)
            try await second.signIn("peggy")
            let peggy = try #require(try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE username = 'peggy'") })
            let olivia = try #require(try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE username = 'olivia'") })

            // Discovered independently of the app's own list, so a future table with userId is checked too.
            let userTables = try await db.writer.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .filter { table in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").contains { $0["name"] == "userId" } }
            }
            #expect(userTables.contains("readingProgress") && userTables.contains("session"))
            func rows(_ id: Int64) async throws -> Int {
                try await db.writer.read { db in
                    try userTables.reduce(0) { sum, table in
                        sum + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier) WHERE userId = ?", arguments: [id]) ?? 0)
                    }
                }
            }
            #expect(try await rows(peggy) > 2)

            let refused = try await gone.submit("/me/delete", [("password", "wrong password")])
            #expect(refused.status == .unprocessableContent)
            #expect(try await rows(peggy) > 2)

            let r = try await gone.submit("/me/delete", [("password", "correct horse battery")])
            #expect(r.status == .ok)
            #expect(r.text.contains("Your account has been deleted"))
            #expect(gone.cookies["casebook_session"] == nil)
            #expect(try await rows(peggy) == 0)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM user WHERE id = ?", arguments: [peggy]) } == 0)
            #expect(try await second.get("/me").status == .seeOther)  // the other device is signed out too
            // Someone else's data is untouched.
            #expect(try await rows(olivia) > 0)
            #expect(try await keep.get("/me").status == .ok)
        }
    }

    @Test func deletionCoversTablesAddedLater() async throws {
        try await withAccountsApp { client, db in
            // A future feature's table that forgot ON DELETE CASCADE is still emptied.
            try await db.writer.write { try $0.execute(sql: "CREATE TABLE futureThing (id INTEGER PRIMARY KEY, userId INTEGER NOT NULL, note TEXT)") }
            let b = Browser(client)
            try await b.signUp("quinn")
            try await db.writer.write { try $0.execute(sql: "INSERT INTO futureThing (userId, note) SELECT id, 'x' FROM user") }
            let export = try await b.get("/me/export")
            #expect(export.text.contains("futureThing"))
            _ = try await b.submit("/me/delete", [("password", "correct horse battery")])
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM futureThing") } == 0)
        }
    }
}

/// Counts bcrypt verifications (real and dummy) to show both sign-in failure paths do the same work.
actor VerificationCounter {
    var count = 0
    func add() { count += 1 }
}

struct CountingHasher: PasswordHasher {
    let inner: BcryptPasswordHasher
    let counter = VerificationCounter()
    init(_ inner: BcryptPasswordHasher) { self.inner = inner }
    var verifications: Int { get async { await counter.count } }
    func hash(_ password: String) async throws -> String { try await inner.hash(password) }
    func verify(_ password: String, hash: String) async throws -> Bool {
        await counter.add()
        return try await inner.verify(password, hash: hash)
    }
    func verifyDummy(_ password: String) async throws {
        await counter.add()
        try await inner.verifyDummy(password)
    }
}
