import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpacedRepetition
import Storage
import Testing
@testable import WebApp

/// Values of hidden fields on a review page.
private func hidden(_ name: String, in html: String) -> String? {
    guard let r = html.range(of: "name=\"\(name)\" value=\"([^\"]*)\"", options: .regularExpression) else { return nil }
    return String(html[r]).components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
}

private func count(_ db: AppDatabase, _ sql: String, _ args: StatementArguments = []) async throws -> Int {
    try await db.writer.read { try Int.fetchOne($0, sql: sql, arguments: args) ?? 0 }
}

/// Reveals the current card and grades it; returns the POST's response and the card id.
@discardableResult
private func gradeCurrent(_ b: Browser, rating: Int, deck: String? = nil) async throws -> (TestResponse, String) {
    let page = try await b.get("/cards/review?" + (deck.map { "deck=\($0)&" } ?? "") + "reveal=1")
    let card = try #require(hidden("card", in: page.text))
    let token = try #require(hidden("token", in: page.text))
    let csrf = try #require(Browser.csrfToken(in: page.text))
    let r = try await b.post("/cards/review", [("csrf_token", csrf), ("card", card), ("token", token), ("rating", "\(rating)"),
                                               ("deck", deck ?? "")])
    return (r, card)
}

private func multipart(_ fields: [(String, String)], file: String) -> (String, ByteBuffer) {
    let boundary = "----casebooktest42"
    var body = ""
    for (k, v) in fields {
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n"
    }
    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cards.txt\"\r\nContent-Type: text/plain\r\n\r\n\(file)\r\n"
    body += "--\(boundary)--\r\n"
    return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(string: body))
}

private func upload(_ b: Browser, _ file: String) async throws -> TestResponse {
    let csrf = try await b.csrfToken(from: "/cards/import")
    let (type, body) = multipart([("csrf_token", csrf)], file: file)
    var h = b.headers()
    h[.contentType] = type
    let r = try await b.client.executeRequest(uri: "/cards/import", method: .post, headers: h, body: body)
    b.absorb(r)
    return r
}

@Suite struct FlashcardContentSyncTests {
    @Test func ownCardsAreRenderedByTheStrictLearnerRenderer() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("strict")
            let r = try await b.submit("/cards/mine", [("deck", "mine"), ("front", "# Heading\n\n![dot](data:image/png;base64,iVBORw0KGgo=) q?"),
                                                       ("back", "**bold** and <script>alert(1)</script>")], tokenFrom: "/cards/mine")
            #expect(r.status == .seeOther)
            let page = try await b.get("/cards/mine").text
            #expect(page.contains("<strong>bold</strong>"))
            #expect(!page.contains("src=\"data:"), "no data: URL, even in an image")
            #expect(!page.contains("<h1 id="), "no heading ids that could collide with the page's")
            #expect(!page.contains("<script>alert"))
        }
    }

    @Test func contentCardsAreSyncedByStableIdEditedKeepHistoryRemovedAreRetired() async throws {
        let shared = try await SharedServices.shared.get()
        let kb = shared.knowledgeBase
        let db = try AppDatabase.inMemory(migrations: shared.migrations)
        let store = FlashcardStore(db)
        let first = try store.syncContentCards(kb, now: Date())
        #expect(first.added == kb.cards.count && first.added > 0)
        #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE contentId IS NOT NULL AND retired = 0") == kb.cards.count)
        // Idempotent.
        let again = try store.syncContentCards(kb, now: Date())
        #expect(again.added == 0 && again.updated == 0 && again.retired == 0)

        // A user reviews a card; then the card's text "changes" in the database (as if the content had been edited
        // before this sync) and a card that no longer exists in the content is present.
        let user = try await SQLiteAccountStore(db).createUser(username: "syncer", passwordHash: "x", now: Date())
        let cardId = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM card ORDER BY position LIMIT 1")! }
        _ = try await store.grade(userId: user.id, cardId: cardId, expectedReviewCount: 0, rating: .good, now: Date(),
                                  scheduler: try FSRSScheduler())
        try await db.writer.write { db in
            try db.execute(sql: "UPDATE card SET front = 'old wording' WHERE id = ?", arguments: [cardId])
            try db.execute(sql: """
                INSERT INTO card (contentId, guid, deck, front, back, frontHtml, backHtml, createdAt, updatedAt)
                VALUES ('gone/card', 'gone/card', 'gone', 'q', 'a', '<p>q</p>', '<p>a</p>', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                """)
        }
        let goneId = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM card WHERE contentId = 'gone/card'")! }
        _ = try await store.grade(userId: user.id, cardId: goneId, expectedReviewCount: 0, rating: .again, now: Date(),
                                  scheduler: try FSRSScheduler())
        let third = try store.syncContentCards(kb, now: Date())
        #expect(third.updated == 1)
        #expect(third.retired == 1)
        // Edited: same row, text restored from content, history kept.
        #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE id = ? AND front <> 'old wording'", [cardId]) == 1)
        #expect(try await count(db, "SELECT reviewCount FROM cardState WHERE userId = ? AND cardId = ?", [user.id, cardId]) == 1)
        // Retired: hidden but kept, with its history.
        #expect(try await count(db, "SELECT retired FROM card WHERE id = ?", [goneId]) == 1)
        #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog WHERE cardId = ?", [goneId]) == 1)
        #expect(try await store.card(userId: user.id, cardId: goneId) == nil)
    }
}

@Suite struct FlashcardReviewTests {
    @Test func anonymousReviewersAreSentToSignInAndBack() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            let r = try await b.get("/cards/review")
            #expect(r.status == .seeOther)
            #expect(r.location == "/login?next=/cards/review")
            for path in ["/cards/stats", "/cards/export.txt", "/cards/import", "/cards/settings", "/cards/mine"] {
                let p = try await b.get(path)
                #expect(p.status == .seeOther, "\(path)")
                #expect(p.location?.hasPrefix("/login?next=") == true, "\(path)")
            }
        }
    }

    @Test func frontFirstThenRevealThenGradeWithIntervalsAndDoubleSubmitCountsOnce() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("reviewer")
            let front = try await b.get("/cards/review")
            #expect(front.status == .ok)
            #expect(front.text.contains("id=\"reveal\""))
            #expect(front.text.contains("reveal=1"))
            #expect(!front.text.contains("name=\"rating\""))
            #expect(!front.text.contains("card-back"))
            #expect(front.text.contains("0 due · 20 new available · 0 reviewed today"))

            let back = try await b.get("/cards/review?reveal=1")
            #expect(back.text.contains("card-back"))
            for (n, name) in [(1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")] {
                #expect(back.text.contains("name=\"rating\" value=\"\(n)\""))
                #expect(back.text.contains("<kbd>\(n)</kbd> \(name) <span class=\"interval\">next in "))
            }
            // A new card: Again comes back in a minute, Good in ten (the default learning steps).
            #expect(back.text.contains("Again <span class=\"interval\">next in 1 min</span>"))
            #expect(back.text.contains("Good <span class=\"interval\">next in 10 min</span>"))

            let card = try #require(hidden("card", in: back.text))
            let token = try #require(hidden("token", in: back.text))
            #expect(token == "0")
            let csrf = try #require(Browser.csrfToken(in: back.text))
            let fields = [("csrf_token", csrf), ("card", card), ("token", token), ("rating", "3"), ("deck", "")]
            let r1 = try await b.post("/cards/review", fields)
            #expect(r1.status == .seeOther)
            #expect(r1.location == "/cards/review")
            let r2 = try await b.post("/cards/review", fields)  // the same form submitted again
            #expect(r2.status == .seeOther)
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog") == 1)
            #expect(try await count(db, "SELECT reviewCount FROM cardState WHERE cardId = ?", [Int64(card)!]) == 1)
            #expect(try await b.get("/cards/review").text.contains("1 reviewed today"))
        }
    }

    @Test func badGradesUnknownCardsAndOtherUsersCardsChangeNothing() async throws {
        try await withAccountsApp { client, db in
            let owner = Browser(client)
            try await owner.signUp("owner")
            _ = try await owner.submit("/cards/mine", [("deck", "private"), ("front", "Secret question"), ("back", "Secret answer")],
                                       tokenFrom: "/cards/mine")
            let ownCard = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM card WHERE userId IS NOT NULL")! }

            let b = Browser(client)
            try await b.signUp("grader")
            let page = try await b.get("/cards/review?reveal=1")
            let card = try #require(hidden("card", in: page.text))
            let csrf = try #require(Browser.csrfToken(in: page.text))
            for rating in ["0", "5", "x", ""] {
                let r = try await b.post("/cards/review", [("csrf_token", csrf), ("card", card), ("token", "0"), ("rating", rating)])
                #expect(r.status == .badRequest, "rating \(rating)")
                #expect(r.text.contains("The grade must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)"))
            }
            let unknown = try await b.post("/cards/review", [("csrf_token", csrf), ("card", "987654"), ("token", "0"), ("rating", "3")])
            #expect(unknown.status == .notFound)
            let other = try await b.post("/cards/review", [("csrf_token", csrf), ("card", "\(ownCard)"), ("token", "0"), ("rating", "3")])
            #expect(other.status == .notFound)
            let suspendOther = try await b.post("/cards/\(ownCard)/suspend", [("csrf_token", csrf), ("action", "suspend")])
            #expect(suspendOther.status == .notFound)
            let noCSRF = try await b.post("/cards/review", [("card", card), ("token", "0"), ("rating", "3")])
            #expect(noCSRF.status == .forbidden)
            let badDeck = try await b.get("/cards/review?deck=no-such-deck")
            #expect(badDeck.status == .notFound)
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog") == 0)
            #expect(try await count(db, "SELECT COUNT(*) FROM cardState") == 0)
            // The other user's card never appears in this user's review, stats or export.
            #expect(!(try await b.get("/cards/stats").text.contains("Secret question")))
            #expect(!(try await b.get("/cards/export.txt").text.contains("Secret question")))
        }
    }

    @Test func undoRestoresTheCardAndRemovesTheLog() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("undoer")
            let (_, first) = try await gradeCurrent(b, rating: 3)
            // Ten minutes pass: the learning step is due now, so it comes before the next new card.
            try await db.writer.write { try $0.execute(sql: "UPDATE cardState SET due = ? WHERE cardId = ?",
                                                       arguments: [Date().addingTimeInterval(-60), Int64(first)!]) }
            let (_, second) = try await gradeCurrent(b, rating: 3)
            #expect(first == second)
            let before = try await db.writer.read { try Row.fetchOne($0, sql: "SELECT * FROM cardState WHERE cardId = ?", arguments: [Int64(first)!])! }
            #expect((before["reviewCount"] as Int) == 2)
            let undo = try await b.submit("/cards/review/undo", [], tokenFrom: "/cards/review")
            #expect(undo.status == .seeOther)
            #expect(undo.location == "/cards/review?undone=1")
            let after = try await db.writer.read { try Row.fetchOne($0, sql: "SELECT * FROM cardState WHERE cardId = ?", arguments: [Int64(first)!])! }
            #expect((after["reviewCount"] as Int) == 1)
            #expect((after["state"] as String) == "learning")
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog") == 1)
            _ = try await b.submit("/cards/review/undo", [], tokenFrom: "/cards/review")
            #expect(try await count(db, "SELECT COUNT(*) FROM cardState") == 0)
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog") == 0)
            let nothing = try await b.submit("/cards/review/undo", [], tokenFrom: "/cards/review")
            #expect(nothing.status == .conflict)
        }
    }

    @Test func aJustFailedCardWaitsBehindNewCardsAndReturnsWhenTheyRunOut() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("learner")
            let (_, failed) = try await gradeCurrent(b, rating: 1)  // Again: due in a minute, inside the learn-ahead window
            let (_, next) = try await gradeCurrent(b, rating: 4)
            #expect(next != failed)  // a new card is shown, not the card the button said comes back in a minute
            #expect(try await b.get("/cards/review").text.contains("1 due"))
            // With no new card left (here: every other card retired), the learning card is shown ahead of time rather
            // than ending the session.
            try await db.writer.write { try $0.execute(sql: "UPDATE card SET retired = 1 WHERE id NOT IN (?, ?)",
                                                       arguments: [Int64(failed)!, Int64(next)!]) }
            let (_, again) = try await gradeCurrent(b, rating: 3)
            #expect(again == failed)
        }
    }

    @Test func dailyNewLimitThenSessionSummaryAndDashboardAndStreak() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("diligent")
            let dash = try await b.get("/me")
            #expect(dash.text.contains("0 <span class=\"muted\">due today</span>"))
            #expect(dash.text.contains("20 new available"))
            // Easy graduates a new card straight to review in days, so each grade uses up one new card.
            for i in 0..<20 {
                let (r, _) = try await gradeCurrent(b, rating: i == 0 ? 1 : 4)
                #expect(r.status == .seeOther)
                if i == 0 { try await gradeCurrent(b, rating: 4) }  // the Again card comes back at once
            }
            let done = try await b.get("/cards/review")
            #expect(done.text.contains("All done for now"))
            #expect(done.text.contains("Reviews today: <strong>21</strong>"))
            #expect(done.text.contains("5% were graded “Again”"))
            #expect(done.text.contains("Next card due:"))
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog WHERE previousPhase = 'new'") == 20)
            let after = try await b.get("/me")
            #expect(after.text.contains("0 new available · 21 reviewed today"))
            #expect(after.text.contains("1 <span class=\"muted\">day</span>"))
        }
    }

    @Test func deckFilterShowsOnlyThatChapter() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("decker")
            let deck = try await db.writer.read { try String.fetchOne($0, sql: "SELECT deck FROM card ORDER BY position DESC LIMIT 1")! }
            let (r, card) = try await gradeCurrent(b, rating: 4, deck: deck)
            #expect(r.location == "/cards/review?deck=\(deck)")
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE id = ? AND deck = ?", [Int64(card)!, deck]) == 1)
        }
    }
}

@Suite struct FlashcardSettingsAndStatsTests {
    @Test func settingsAreValidatedAndSaved() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("tuner")
            let bad = try await b.submit("/cards/settings", [("desired_retention", "0.5"), ("maximum_interval", "0"),
                                                             ("time_zone", "Mars/Olympus"), ("day_start_hour", "24")],
                                         tokenFrom: "/cards/settings")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Desired retention must be a number from 0.70 to 0.97."))
            #expect(bad.text.contains("Time zone must be an IANA name"))
            #expect(try await count(db, "SELECT COUNT(*) FROM user WHERE desiredRetention = 0.9 AND timeZone = 'UTC'") == 1)
            let ok = try await b.submit("/cards/settings", [("desired_retention", "0.85"), ("maximum_interval", "365"),
                                                            ("time_zone", "Europe/Berlin"), ("day_start_hour", "5")],
                                        tokenFrom: "/cards/settings")
            #expect(ok.location == "/cards/settings?saved=1")
            #expect(try await count(db, """
                SELECT COUNT(*) FROM user WHERE desiredRetention = 0.85 AND maximumIntervalDays = 365 AND timeZone = 'Europe/Berlin' AND dayStartHour = 5
                """) == 1)
            let page = try await b.get("/cards/settings?saved=1")
            #expect(page.text.contains("value=\"Europe/Berlin\""))
            #expect(page.text.contains("Your settings have been saved."))
            let noCSRF = try await b.post("/cards/settings", [("desired_retention", "0.7"), ("maximum_interval", "1"),
                                                              ("time_zone", "UTC"), ("day_start_hour", "0")])
            #expect(noCSRF.status == .forbidden)
            #expect(try await count(db, "SELECT COUNT(*) FROM user WHERE desiredRetention = 0.85") == 1)
        }
    }

    @Test func statsShowHeatmapForecastRetentionAndBrowserWithSuspend() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("statistician")
            let (_, card) = try await gradeCurrent(b, rating: 4)
            let page = try await b.get("/cards/stats")
            #expect(page.status == .ok)
            #expect(page.text.contains("<svg class=\"heatmap\""))
            #expect(page.text.contains("class=\"heat-1\"><title>"))
            #expect(page.text.contains(": 1 review</title>"))
            #expect(page.text.components(separatedBy: "class=\"bar\"").count - 1 == 30)
            #expect(page.text.contains("1 reviews due in the next 30 days"))
            #expect(page.text.contains("True retention, last 30 days"))
            #expect(page.text.contains("<tr id=\"card-\(card)\">"))
            #expect(page.text.contains("<td>review</td>"))
            #expect(page.text.contains("100 %"))  // retrievability right after a review

            let csrf = try #require(Browser.csrfToken(in: page.text))
            let r = try await b.post("/cards/\(card)/suspend", [("csrf_token", csrf), ("action", "suspend")])
            #expect(r.location == "/cards/stats#card-\(card)")
            #expect(try await count(db, "SELECT suspended FROM cardState WHERE cardId = ?", [Int64(card)!]) == 1)
            #expect(try await b.get("/cards/stats").text.contains("<td>suspended</td>"))
            // A suspended card cannot be graded.
            let graded = try await b.post("/cards/review", [("csrf_token", csrf), ("card", card), ("token", "1"), ("rating", "3")])
            #expect(graded.status == .conflict)
            let bad = try await b.post("/cards/\(card)/suspend", [("csrf_token", csrf), ("action", "explode")])
            #expect(bad.status == .badRequest)
            _ = try await b.post("/cards/\(card)/suspend", [("csrf_token", csrf), ("action", "unsuspend")])
            #expect(try await count(db, "SELECT suspended FROM cardState WHERE cardId = ?", [Int64(card)!]) == 0)
            // Suspending a never-seen content card hides it from review.
            let next = try #require(hidden("card", in: try await b.get("/cards/review?reveal=1").text))
            _ = try await b.post("/cards/\(next)/suspend", [("csrf_token", csrf), ("action", "suspend")])
            #expect(hidden("card", in: try await b.get("/cards/review?reveal=1").text) != next)
        }
    }
}

@Suite struct UserCardTests {
    @Test func addEditDeleteOwnCardsAndOthersCannot() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("author")
            let bad = try await b.submit("/cards/mine", [("deck", "my deck!"), ("front", ""), ("back", "x")], tokenFrom: "/cards/mine")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("The deck name must be"))
            #expect(bad.text.contains("The front must have"))
            let r = try await b.submit("/cards/mine", [("deck", "mine"), ("front", "What is **p99**?"), ("back", "<script>x</script> The 99th percentile")],
                                       tokenFrom: "/cards/mine")
            #expect(r.location == "/cards/mine")
            let id = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM card WHERE userId IS NOT NULL")! }
            let list = try await b.get("/cards/mine")
            #expect(list.text.contains("What is <strong>p99</strong>?"))
            #expect(!list.text.contains("<script>x</script>"))
            let edit = try await b.submit("/cards/mine/\(id)/edit", [("deck", "mine"), ("front", "What is p95?"), ("back", "The 95th percentile")],
                                          tokenFrom: "/cards/mine/\(id)/edit")
            #expect(edit.location == "/cards/mine")
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE id = ? AND front = 'What is p95?'", [id]) == 1)

            let other = Browser(client)
            try await other.signUp("intruder")
            #expect(try await other.get("/cards/mine/\(id)/edit").status == .notFound)
            let steal = try await other.submit("/cards/mine/\(id)/edit", [("deck", "x"), ("front", "pwned"), ("back", "pwned")], tokenFrom: "/cards/mine")
            #expect(steal.status == .notFound)
            let del = try await other.submit("/cards/mine/\(id)/delete", [], tokenFrom: "/cards/mine")
            #expect(del.status == .notFound)
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE id = ? AND front = 'What is p95?'", [id]) == 1)

            let gone = try await b.submit("/cards/mine/\(id)/delete", [], tokenFrom: "/cards/mine")
            #expect(gone.location == "/cards/mine")
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") == 0)
        }
    }

    @Test func accountDeletionRemovesCardsStatesAndLogs() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("leaver")
            _ = try await b.submit("/cards/mine", [("deck", "mine"), ("front", "q"), ("back", "a")], tokenFrom: "/cards/mine")
            try await gradeCurrent(b, rating: 3)
            let export = try await b.get("/me/export")
            #expect(export.text.contains("\"reviewLog\""))
            #expect(export.text.contains("\"cardState\""))
            _ = try await b.submit("/me/delete", [("password", "correct horse battery")], tokenFrom: "/me/account")
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") == 0)
            #expect(try await count(db, "SELECT COUNT(*) FROM cardState") == 0)
            #expect(try await count(db, "SELECT COUNT(*) FROM reviewLog") == 0)
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE contentId IS NOT NULL") > 0)
        }
    }
}

@Suite struct AnkiTests {
    @Test func exportIsAnkiPlainTextWithHeadersAndOneNotePerLine() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("exporter")
            let r = try await b.get("/cards/export.txt")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/plain; charset=utf-8")
            let lines = r.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(Array(lines.prefix(5)) == ["#separator:tab", "#html:true", "#guid column:1", "#deck column:4", "#tags column:5"])
            let total = try await count(db, "SELECT COUNT(*) FROM card WHERE retired = 0 AND userId IS NULL")
            #expect(lines.count == 5 + total)
            for line in lines.dropFirst(5) { #expect(line.split(separator: "\t", omittingEmptySubsequences: false).count == 5) }
            let (guid, deck) = try await db.writer.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT contentId, deck FROM card ORDER BY position LIMIT 1")!
                return (row["contentId"] as String, row["deck"] as String)
            }
            #expect(lines.contains { $0.hasPrefix(guid + "\t") && !$0.contains("\n") })
            let one = try await b.get("/cards/export.txt?deck=\(deck)")
            #expect(one.text.split(separator: "\n").dropFirst(5).allSatisfy { $0.contains("\tCasebook::\(deck)\t") })
        }
    }

    @Test func importUpsertsByGuidReportsAndIsAllOrNothing() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("importer")
            let contentGuid = try await db.writer.read { try String.fetchOne($0, sql: "SELECT contentId FROM card LIMIT 1")! }
            let file = [
                "#separator:tab", "#html:true", "#guid column:1", "#deck column:4", "#tags column:5",
                "g-1\tWhat is <b>recall</b>?\tTP / (TP + FN)\tML::Metrics\tmetrics eval",
                "g-2\tWhat is precision?\t\"TP / (TP + FP)<br>\"\"of predicted positives\"\"\"\tML::Metrics\t",
                "\(contentGuid)\tchanged\tchanged\tx\t",
                "",
            ].joined(separator: "\n")
            let r = try await upload(b, file)
            #expect(r.status == .ok)
            #expect(r.text.contains("<strong>2</strong> added, <strong>0</strong> updated, <strong>1</strong> skipped"))
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL AND deck = 'metrics'") == 2)
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE contentId = ? AND front = 'changed'", [contentGuid]) == 0)
            let again = try await upload(b, file)
            #expect(again.text.contains("<strong>0</strong> added, <strong>0</strong> updated, <strong>3</strong> skipped"))
            let edited = try await upload(b, file.replacingOccurrences(of: "TP / (TP + FN)", with: "TP over TP plus FN"))
            #expect(edited.text.contains("<strong>0</strong> added, <strong>1</strong> updated, <strong>2</strong> skipped"))
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") == 2)

            // Export, then import the export: nothing is added or changed.
            // (One deck: the whole export is larger than the test server's body limit.)
            let exported = try await b.get("/cards/export.txt?deck=metrics").text
            #expect(exported.split(separator: "\n").count == 5 + 2)
            let round = try await upload(b, exported)
            #expect(round.text.contains("<strong>0</strong> added, <strong>0</strong> updated"))

            // A malformed file changes nothing and names its bad lines.
            let badFile = "#separator:tab\n#guid column:1\ng-3\tnew front\tnew back\ng-4\tonly a front\ng-1\tx\ty\ng-3\tdup\tdup\n"
            let bad = try await upload(b, badFile)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Line 4: A note needs a front and a back"))
            #expect(bad.text.contains("Line 6: GUID “g-3” was already used on line 3."))
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") == 2)
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE guid = 'g-1' AND front = 'x'") == 0)
            let commas = try await upload(b, "#separator:comma\na,b\n")
            #expect(commas.status == .unprocessableContent)
            #expect(commas.text.contains("Only tab-separated files can be imported"))

            // Without the CSRF token nothing is imported.
            let (type, body) = multipart([], file: "n-1\tq\ta\n")
            var h = b.headers()
            h[.contentType] = type
            let forged = try await client.executeRequest(uri: "/cards/import", method: .post, headers: h, body: body)
            #expect(forged.status == .forbidden)
            #expect(try await count(db, "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") == 2)
        }
    }

    @Test func parserHandlesQuotesHeadersAndMissingGuids() {
        let parsed = AnkiText.parse("#separator:Tab\n#html:true\n\"multi\nline\"\tback\nplain\t\"with \"\"quotes\"\"\"\n")
        #expect(parsed.errors.isEmpty)
        #expect(parsed.notes.map(\.front) == ["multi\nline", "plain"])
        #expect(parsed.notes[1].back == "with \"quotes\"")
        #expect(parsed.notes[0].guid.hasPrefix("fnv-"))
        #expect(parsed.notes[0].deck == "imported")
        let unterminated = AnkiText.parse("a\t\"never closed\n")
        #expect(unterminated.errors.first?.line == 1)
        #expect(AnkiText.field("<p>a\tb</p>\n<pre><code>x\ny\n</code></pre>\n") == "<p>a&#9;b</p> <pre><code>x<br>y<br></code></pre>")
        #expect(AnkiText.plainText("What is <b>recall</b>?<br>TP &amp; FN") == "What is recall?\nTP & FN")
    }
}

@Suite struct FlashcardStudyDayTests {
    @Test func todayFollowsTheUsersTimeZoneAndDayStart() async throws {
        let shared = try await SharedServices.shared.get()
        let db = try AppDatabase.inMemory(migrations: shared.migrations)
        let store = FlashcardStore(db)
        try store.syncContentCards(shared.knowledgeBase, now: Date())
        let user = try await SQLiteAccountStore(db).createUser(username: "night-owl", passwordHash: "x", now: Date(timeIntervalSince1970: 0))
        let cardId = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM card ORDER BY position LIMIT 1")! }
        // 03:30 UTC on 10 March 2026: before a 04:00 day start in UTC, so it belongs to the study day of 9 March.
        let at = try UTCTimestamp.parse("2026-03-10T03:30:00Z")
        _ = try await store.grade(userId: user.id, cardId: cardId, expectedReviewCount: 0, rating: .good, now: at, scheduler: try FSRSScheduler())
        let utc4 = try StudyDayCalendar(timeZoneIdentifier: "UTC", dayStartHour: 4)
        let march9 = try #require(utc4.studyDay(year: 2026, month: 3, day: 9))
        let march10 = try #require(utc4.studyDay(year: 2026, month: 3, day: 10))
        #expect(utc4.studyDay(containing: at) == march9)
        #expect(try await store.summary(userId: user.id, deck: nil, now: at, today: march9, newLimit: 20).reviewedToday == 1)
        #expect(try await store.summary(userId: user.id, deck: nil, now: at, today: march10, newLimit: 20).reviewedToday == 0)
        // In Tokyo (UTC+9) the same instant is 12:30 on 10 March.
        let tokyo = try StudyDayCalendar(timeZoneIdentifier: "Asia/Tokyo", dayStartHour: 4)
        let day = tokyo.studyDay(containing: at)
        #expect(day.identifier == "2026-03-10")
        let summary = try await store.summary(userId: user.id, deck: nil, now: at, today: day, newLimit: 20)
        #expect(summary.reviewedToday == 1)
        #expect(summary.newAvailable == 19)
    }
}

@Suite struct FlashcardHookTests {
    @Test func intervalLabels() {
        #expect(FlashcardController.intervalLabel(60) == "1 min")
        #expect(FlashcardController.intervalLabel(600) == "10 min")
        #expect(FlashcardController.intervalLabel(3 * 3600) == "3 h")
        #expect(FlashcardController.intervalLabel(4 * 86_400) == "4 d")
        #expect(FlashcardController.intervalLabel(400 * 86_400) == "1.1 y")
        // Near a unit boundary the label moves up a unit instead of showing "60 min" or "24 h".
        #expect(FlashcardController.intervalLabel(3_590) == "1 h")
        #expect(FlashcardController.intervalLabel(23.6 * 3600) == "1 d")
        #expect(FlashcardController.intervalLabel(23.4 * 3600) == "23 h")
        #expect(FlashcardController.intervalLabel(30.6 * 86_400) == "1.0 mo")
    }
}
