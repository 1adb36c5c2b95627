import Foundation
import SpacedRepetition

// Extension points for features built elsewhere (flashcards, mock-interview attempts). The dashboard, the day streak
// and search call these when they are plugged into `AppServices.hooks`; when they are nil the dashboard says the
// feature is coming and everything else works unchanged.
//
// Rules for implementers: every method is scoped to `userId` and must filter on it in SQL; every user-owned table
// has a `userId` column (deletion and "download my data" find tables by that column, see `UserOwnedTables`).

/// What the flashcards feature tells the dashboard and the streak.
public protocol FlashcardActivityProvider: Sendable {
    /// Today's numbers for the dashboard tile.
    func cardsSummary(userId: Int64, today: StudyDay, now: Date) async throws -> CardsSummary
    /// Instants at which the user reviewed a card, since `since` (each counts as activity on its study day).
    func reviewDates(userId: Int64, since: Date) async throws -> [Date]
    /// The study days in `days` on which at least one card was due. A day with nothing due and no activity is a rest
    /// day: it neither extends nor breaks the streak.
    func daysWithCardsDue(userId: Int64, among days: [StudyDay]) async throws -> Set<StudyDay>
}

/// Today's flashcard numbers.
public struct CardsSummary: Sendable, Equatable {
    /// Reviews due by the end of today.
    public var dueToday: Int
    /// New cards the user may start today.
    public var newAvailable: Int
    /// Reviews done today.
    public var reviewedToday: Int
    /// Creates a summary.
    public init(dueToday: Int, newAvailable: Int, reviewedToday: Int) {
        self.dueToday = dueToday
        self.newAvailable = newAvailable
        self.reviewedToday = reviewedToday
    }
}

/// What the mock-interview feature tells the dashboard and the streak.
public protocol AttemptActivityProvider: Sendable {
    /// The user's most recent attempts, newest first.
    func recentAttempts(userId: Int64, limit: Int) async throws -> [AttemptSummary]
    /// Instants at which the user worked on an attempt, since `since`.
    func attemptDates(userId: Int64, since: Date) async throws -> [Date]
    /// The skill profile over the user's graded attempts; nil when none is graded.
    func skillProfile(userId: Int64) async throws -> AttemptProgress.Profile?
}

extension AttemptActivityProvider {
    public func skillProfile(userId: Int64) async throws -> AttemptProgress.Profile? { nil }
}

/// One attempt, as the dashboard lists it.
public struct AttemptSummary: Sendable, Equatable {
    /// Page of the attempt (e.g. `/attempts/12`).
    public var url: String
    /// The case study's title.
    public var caseTitle: String
    /// When it was started.
    public var startedAt: Date
    /// "in progress", "submitted", "reviewed"….
    public var status: String
    /// Creates a summary.
    public init(url: String, caseTitle: String, startedAt: Date, status: String) {
        self.url = url
        self.caseTitle = caseTitle
        self.startedAt = startedAt
        self.status = status
    }
}

/// Searches something only the signed-in user may see (their own attempts). Results are shown in their own group
/// above the public results; they never appear for anyone else.
public protocol UserSearchProvider: Sendable {
    /// A heading for the group of results, e.g. "Your attempts".
    var groupTitle: String { get }
    /// Up to `limit` hits for `query` among `userId`'s own data. `query.matchExpression` is a safe FTS5 MATCH string.
    func search(_ query: SearchQuery, userId: Int64, limit: Int) async throws -> [SearchHit]
}

/// The hooks a build of the app has. Empty by default.
public struct LearnerHooks: Sendable {
    /// Flashcards (nil until that feature ships).
    public var flashcards: (any FlashcardActivityProvider)?
    /// Mock-interview attempts (nil until that feature ships).
    public var attempts: (any AttemptActivityProvider)?
    /// Per-user search sources.
    public var userSearch: [any UserSearchProvider]

    /// Creates a set of hooks.
    public init(flashcards: (any FlashcardActivityProvider)? = nil, attempts: (any AttemptActivityProvider)? = nil,
                userSearch: [any UserSearchProvider] = []) {
        self.flashcards = flashcards
        self.attempts = attempts
        self.userSearch = userSearch
    }
}

/// The day streak: consecutive study days with activity, counted back from today.
///
/// Today without activity does not break it (the day is not over). An earlier day without activity breaks it only
/// if something was due that day; a day with nothing due is a rest day that is skipped. Days before the account
/// existed end the walk.
public enum DayStreak {
    /// - Parameters:
    ///   - activeDays: study days with any activity (reading, reviews, attempts).
    ///   - dueDays: study days on which something was due.
    ///   - today: the current study day.
    ///   - firstDay: the study day the account was created.
    ///   - calendar: the user's study-day calendar.
    public static func length(activeDays: Set<StudyDay>, dueDays: Set<StudyDay>, today: StudyDay, firstDay: StudyDay,
                              calendar: StudyDayCalendar, maxDays: Int = 730) -> Int {
        var streak = activeDays.contains(today) ? 1 : 0
        var day = today
        var walked = 0
        // Bounded: an old account with only rest days would otherwise walk back to its first day on every page view.
        while day > firstDay && walked < maxDays {
            walked += 1
            day = calendar.studyDay(containing: day.start.addingTimeInterval(-1))
            if activeDays.contains(day) {
                streak += 1
            } else if dueDays.contains(day) {
                break
            }
        }
        return streak
    }

    /// The study days from `firstDay` through `today` (at most `limit` of the most recent).
    public static func days(from firstDay: StudyDay, through today: StudyDay, calendar: StudyDayCalendar, limit: Int = 400) -> [StudyDay] {
        var days: [StudyDay] = []
        var day = today
        while days.count < limit {
            days.append(day)
            if day <= firstDay { break }
            day = calendar.studyDay(containing: day.start.addingTimeInterval(-1))
        }
        return days.reversed()
    }
}
