import Foundation
import Hummingbird
import KnowledgeBase
import SpacedRepetition
import Storage

/// `/me`: progress per chapter, where to continue, cards due today, recent attempts and the day streak, on one page.
/// Flashcards and attempts come through `LearnerHooks`; until those features exist their panels say so.
struct DashboardController: Sendable {
    let kb: KnowledgeBase
    let views: Views
    let accounts: AccountServices
    let catalog: ProgressCatalog
    let hooks: LearnerHooks

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/me") { _, ctx in try await dashboard(ctx) }
    }

    func dashboard(_ ctx: AppRequestContext) async throws -> Response {
        guard let session = ctx.session else { throw SignInRequired(next: "/me") }
        guard let user = try await accounts.users.user(id: session.userId) else { throw SignInRequired(next: "/me") }
        let now = Date()
        let calendar = (try? StudyDayCalendar(timeZoneIdentifier: user.timeZone, dayStartHour: user.dayStartHour))
            ?? (try! StudyDayCalendar(timeZone: TimeZone(identifier: "UTC")!, dayStartHour: 4))
        let today = calendar.studyDay(containing: now)

        let read = try await accounts.progress.readSections(userId: user.id)
        let latest = try await accounts.progress.latest(userId: user.id)
        let groups: [ChapterGroup] = [(DocumentKind.framework, "Framework"), (.foundation, "Foundations"), (.caseStudy, "Case studies")]
            .map { kind, title in
                ChapterGroup(title: title, chapters: kb.documents(of: kind).compactMap { doc in
                    let c = catalog.count(doc.url, read: read[doc.url] ?? [])
                    guard c.total > 0 else { return nil }
                    return ChapterRow(url: doc.url, title: doc.title, progress: ProgressModel(read: c.read, total: c.total))
                })
            }
            .filter { !$0.chapters.isEmpty }
        let totals = groups.flatMap(\.chapters).reduce((0, 0)) { ($0.0 + $1.progress.read, $0.1 + $1.progress.total) }
        let resume = catalog.continueReading(latest: latest, read: read).flatMap { next -> ContinueModel? in
            kb.document(at: next.url).map { ContinueModel(url: next.url + "#" + next.section.id, chapter: $0.title, section: next.section.title) }
        }

        // Streak: activity from every source, bucketed into the user's study days.
        let since = max(user.createdAt, now.addingTimeInterval(-730 * 86_400))
        var activity = try await accounts.progress.activityDates(userId: user.id, since: since)
        var cards: CardsSummary?
        if let flashcards = hooks.flashcards {
            cards = try await flashcards.cardsSummary(userId: user.id, today: today, now: now)
            activity += try await flashcards.reviewDates(userId: user.id, since: since)
        }
        var attempts: [AttemptSummary]?
        var profile: AttemptProgress.Profile?
        if let provider = hooks.attempts {
            attempts = try await provider.recentAttempts(userId: user.id, limit: 5)
            profile = try await provider.skillProfile(userId: user.id)
            activity += try await provider.attemptDates(userId: user.id, since: since)
        }
        let activeDays = Set(activity.map { calendar.studyDay(containing: $0) })
        let firstDay = calendar.studyDay(containing: since)
        var dueDays: Set<StudyDay> = []
        if let flashcards = hooks.flashcards {
            let idle = DayStreak.days(from: firstDay, through: today, calendar: calendar).filter { !activeDays.contains($0) }
            dueDays = try await flashcards.daysWithCardsDue(userId: user.id, among: idle)
        }
        let streak = DayStreak.length(activeDays: activeDays, dueDays: dueDays, today: today, firstDay: firstDay, calendar: calendar)

        let page = DashboardPage(
            layout: views.layout(path: "/me", session: session), username: user.username,
            overall: ProgressModel(read: totals.0, total: totals.1), groups: groups, resume: resume,
            hasStarted: latest != nil,
            streak: streak, streakUnit: streak == 1 ? "day" : "days", activeToday: activeDays.contains(today),
            cards: cards.map { CardsPanel(dueToday: $0.dueToday, newAvailable: $0.newAvailable, reviewedToday: $0.reviewedToday) },
            cardsComing: hooks.flashcards == nil,
            attempts: (attempts ?? []).map {
                AttemptRow(url: $0.url, caseTitle: $0.caseTitle, started: AccountController.dayFormatter.string(from: $0.startedAt),
                           status: $0.status)
            },
            hasAttempts: !(attempts ?? []).isEmpty, attemptsComing: hooks.attempts == nil,
            skills: profile.map(SkillProfilePanel.init))
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: views.render(page, template: "dashboard"))))
    }
}

struct ChapterRow {
    let url: String, title: String
    let progress: ProgressModel
}

struct ChapterGroup {
    let title: String
    let chapters: [ChapterRow]
}

struct CardsPanel {
    let dueToday: Int, newAvailable: Int, reviewedToday: Int
}

struct AttemptRow {
    let url: String, caseTitle: String, started: String, status: String
}

/// The skill profile: a bar per framework step (the mean over each case's latest graded attempt), the weakest step
/// and what to do next.
struct SkillProfilePanel {
    struct Row {
        let n: Int, title: String, mean: Int, cases: Int
        let weakest: Bool
        let levels: String
    }
    let rows: [Row]
    let cases: Int
    let casesLabel: String
    let suggestion: String?
    let suggestionURL: String?
    let trend: String?

    init(_ p: AttemptProgress.Profile) {
        rows = p.steps.enumerated().map { i, s in
            Row(n: i + 1, title: s.step.sectionTitle, mean: s.mean, cases: s.cases, weakest: s.step == p.weakest,
                levels: "senior \(s.seniorCovered)/\(s.seniorTotal), staff \(s.staffCovered)/\(s.staffTotal)")
        }
        cases = p.cases
        casesLabel = p.cases == 1 ? "1 case" : "\(p.cases) cases"
        suggestion = p.suggestion
        suggestionURL = p.suggestionURL
        trend = p.trend
    }
}

struct DashboardPage {
    let layout: LayoutModel
    let username: String
    let overall: ProgressModel
    let groups: [ChapterGroup]
    let resume: ContinueModel?
    let hasStarted: Bool
    let streak: Int, streakUnit: String, activeToday: Bool
    let cards: CardsPanel?
    let cardsComing: Bool
    let attempts: [AttemptRow]
    let hasAttempts: Bool
    let attemptsComing: Bool
    let skills: SkillProfilePanel?
}
