import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpacedRepetition
import Storage
import Testing
@testable import WebApp

@Suite struct ProgressTests {
    @Test func markingASectionRedirectsToItsAnchorAndShowsProgress() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("reader")
            let before = try await b.get("/cases/video-recommendation")
            #expect(before.text.contains("action=\"/me/progress\""))
            #expect(before.text.contains("Mark “Clarifying requirements” as read"))
            #expect(before.text.contains("0 of 9 sections read"))
            #expect(!before.text.contains("Mark “Flashcards” as read"))

            let r = try await b.submit("/me/progress", [("document", "/cases/video-recommendation"), ("section", "clarifying-requirements")])
            #expect(r.status == .seeOther)
            #expect(r.location == "/cases/video-recommendation#clarifying-requirements")

            let after = try await b.get("/cases/video-recommendation")
            #expect(after.text.contains("1 of 9 sections read"))
            #expect(after.text.contains("Mark “Clarifying requirements” as unread"))
            #expect(after.text.contains("<progress class=\"bar\" max=\"9\" value=\"1\""))

            let undo = try await b.submit("/me/progress", [("document", "/cases/video-recommendation"), ("section", "clarifying-requirements"),
                                                           ("action", "unread")])
            #expect(undo.location == "/cases/video-recommendation#clarifying-requirements")
            #expect(try await b.get("/cases/video-recommendation").text.contains("0 of 9 sections read"))

            let whole = try await b.submit("/me/progress", [("document", "/cases/video-recommendation")])
            #expect(whole.location == "/cases/video-recommendation#chapter-progress")
            #expect(try await b.get("/cases/video-recommendation").text.contains("chapter complete"))
        }
    }

    @Test func unknownChaptersAndSectionsAreRefused() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("picky")
            for fields in [[("document", "https://evil.example/")], [("document", "/glossary")], [("document", "/cases/nope")],
                           [("document", "/framework"), ("section", "not-a-section")],
                           [("document", "/framework"), ("section", "flashcards")]] {
                let r = try await b.submit("/me/progress", fields)
                #expect(r.status == .badRequest, "\(fields)")
                #expect(r.location == nil)
            }
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM readingProgress") } == 0)
        }
    }

    @Test func anonymousReadersAreAskedToSignIn() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            let token = try await b.csrfToken(from: "/login")
            let r = try await b.post("/me/progress", [("csrf_token", token), ("document", "/framework")])
            #expect(r.status == .seeOther)
            #expect(r.location == "/login?next=/framework")
            let page = try await b.get("/framework")
            #expect(!page.text.contains("action=\"/me/progress\""))
            #expect(page.text.contains("to mark sections as read"))
        }
    }

    @Test func homeAndIndexShowProgressAndWhereToContinue() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("homey")
            #expect(!(try await b.get("/").text.contains("Continue where you left off")))
            _ = try await b.submit("/me/progress", [("document", "/cases/news-feed"), ("section", "clarifying-requirements")])
            let home = try await b.get("/")
            #expect(home.text.contains("Continue where you left off"))
            #expect(home.text.contains("href=\"/cases/news-feed#framing-as-an-ml-task\""))
            #expect(home.text.contains("1/9 sections"))
            let index = try await b.get("/cases")
            #expect(index.text.contains("1/9 sections"))
            let tagged = try await b.get("/cases?tag=ranking")
            #expect(tagged.status == .ok)
            // Finishing a chapter moves "continue" to the next chapter.
            _ = try await b.submit("/me/progress", [("document", "/cases/news-feed")])
            let next = try await b.get("/")
            #expect(next.text.contains("Continue where you left off"))
            #expect(!next.text.contains("href=\"/cases/news-feed#"))
            #expect(next.text.contains("Read ✓"))
        }
    }

    @Test func catalogContinuesAfterTheLastMarkedSection() async throws {
        let services = try await SharedServices.shared.get()
        let catalog = ProgressCatalog(kb: services.knowledgeBase)
        let url = "/cases/news-feed"
        let sections = try #require(catalog.sections[url])
        let latest = ReadingProgressEntry(documentUrl: url, sectionId: sections[2].id, readAt: Date())
        let next = catalog.continueReading(latest: latest, read: [url: [sections[2].id]])
        #expect(next?.section.id == sections[3].id)
        // Wraps to earlier unread sections of the same chapter before moving on.
        let last = ReadingProgressEntry(documentUrl: url, sectionId: sections.last!.id, readAt: Date())
        #expect(catalog.continueReading(latest: last, read: [url: [sections.last!.id]])?.section.id == sections[0].id)
        let everything = Dictionary(uniqueKeysWithValues: catalog.chapters.map { ($0, Set(catalog.sections[$0]!.map(\.id))) })
        #expect(catalog.continueReading(latest: last, read: everything) == nil)
    }
}

@Suite struct DashboardTests {
    @Test func dashboardWithoutFlashcardsOrAttemptsSaysTheyAreComing() async throws {
        try await withAccountsApp(hooks: LearnerHooks()) { client, _ in
            let b = Browser(client)
            try await b.signUp("dash")
            let empty = try await b.get("/me")
            #expect(empty.text.contains("0 <span class=\"muted\">days</span>"))
            #expect(empty.text.contains("Flashcards are coming soon"))
            #expect(empty.text.contains("Mock interviews are coming soon"))
            #expect(empty.text.contains("You have not marked anything as read yet"))
            _ = try await b.submit("/me/progress", [("document", "/foundations/feature-stores")])
            let page = try await b.get("/me")
            #expect(page.status == .ok)
            #expect(page.text.contains("1 <span class=\"muted\">day</span>"))
            #expect(page.text.contains("You have studied today"))
            #expect(page.text.contains("href=\"/foundations/feature-stores\">Feature stores</a>") || page.text.contains("/foundations/feature-stores"))
            #expect(page.text.contains("Reading progress"))
            #expect(page.text.contains("✓"))
        }
    }

    @Test func dashboardUsesTheFlashcardAndAttemptHooksForThisUserOnly() async throws {
        let cards = StubFlashcards()
        let attempts = StubAttempts()
        try await withAccountsApp(hooks: LearnerHooks(flashcards: cards, attempts: attempts)) { client, db in
            let b = Browser(client)
            try await b.signUp("hooked")
            let id = try #require(try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user") })
            let page = try await b.get("/me")
            #expect(page.text.contains("7 <span class=\"muted\">due today</span>"))
            #expect(page.text.contains("href=\"/cards/review\""))
            #expect(page.text.contains("href=\"/attempts/42\">Video recommendation</a>"))
            #expect(!page.text.contains("coming soon"))
            #expect(await cards.askedFor == [id])
            #expect(await attempts.askedFor == [id])
            // Reviews count as activity; the walk stops at the account's first day (today, for a new account).
            #expect(page.text.contains("1 <span class=\"muted\">day</span>"))
        }
    }

    @Test func streakSkipsRestDaysAndBreaksOnMissedDueDays() throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: "Europe/Berlin", dayStartHour: 4)
        let today = try #require(calendar.studyDay(year: 2025, month: 3, day: 31))  // across the DST change
        func day(_ n: Int) -> StudyDay { calendar.studyDay(year: 2025, month: 3, day: 31 - n)! }
        let first = day(20)
        // Active today, 1 and 3 days ago; nothing due 2 days ago: a rest day, so the streak is 3.
        #expect(DayStreak.length(activeDays: [today, day(1), day(3)], dueDays: [], today: today, firstDay: first, calendar: calendar) == 3)
        // The same, but cards were due 2 days ago and not reviewed: the streak is 2.
        #expect(DayStreak.length(activeDays: [today, day(1), day(3)], dueDays: [day(2)], today: today, firstDay: first, calendar: calendar) == 2)
        // Not yet active today does not break yesterday's streak.
        #expect(DayStreak.length(activeDays: [day(1), day(2)], dueDays: [day(0)], today: today, firstDay: first, calendar: calendar) == 2)
        #expect(DayStreak.length(activeDays: [], dueDays: [], today: today, firstDay: first, calendar: calendar) == 0)
        // Days before the account existed are not walked.
        #expect(DayStreak.days(from: day(3), through: today, calendar: calendar).count == 4)
    }
}

actor StubFlashcards: FlashcardActivityProvider {
    var askedFor: [Int64] = []
    func cardsSummary(userId: Int64, today: StudyDay, now: Date) async throws -> CardsSummary {
        askedFor.append(userId)
        return CardsSummary(dueToday: 7, newAvailable: 3, reviewedToday: 1)
    }
    func reviewDates(userId: Int64, since: Date) async throws -> [Date] { [Date(), Date().addingTimeInterval(-86_400)] }
    func daysWithCardsDue(userId: Int64, among days: [StudyDay]) async throws -> Set<StudyDay> { Set(days) }
}

actor StubAttempts: AttemptActivityProvider {
    var askedFor: [Int64] = []
    func recentAttempts(userId: Int64, limit: Int) async throws -> [AttemptSummary] {
        askedFor.append(userId)
        return [AttemptSummary(url: "/attempts/42", caseTitle: "Video recommendation", startedAt: Date(), status: "in progress")]
    }
    func attemptDates(userId: Int64, since: Date) async throws -> [Date] { [] }
}
