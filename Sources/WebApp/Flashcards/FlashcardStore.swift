import Foundation
import GRDB
import KnowledgeBase
import SpacedRepetition
import Storage

// Flashcard storage: cards (content and user-owned), per-user FSRS state, and the review log. Every query that
// touches per-user rows filters on the user id in SQL; a card is visible to a user when it is a live content card or
// one of that user's own cards.

/// A card as stored.
struct CardRow: Sendable, Equatable, FetchableRecord {
    var id: Int64
    var contentId: String?
    var userId: Int64?
    var guid: String
    var deck: String
    var front: String, back: String
    var frontHtml: String, backHtml: String
    var tags: String
    var retired: Bool

    init(row: Row) throws {
        id = row["id"]
        contentId = row["contentId"]
        userId = row["userId"]
        guid = row["guid"]
        deck = row["deck"]
        front = row["front"]
        back = row["back"]
        frontHtml = row["frontHtml"]
        backHtml = row["backHtml"]
        tags = row["tags"]
        retired = row["retired"]
    }

    /// The scheduler's id for this card: its GUID (the content id for content cards). Seeds the fuzz.
    var schedulerId: String { contentId ?? guid }
}

/// A user's state of one card.
struct CardStateRow: Sendable, Equatable {
    var card: SRSCard
    var suspended: Bool

    init(row: Row, schedulerId: String) {
        let state = SRSCardState(rawValue: row["state"]) ?? .learning
        card = SRSCard(id: schedulerId, state: state, step: row["step"], stability: row["stability"],
                       difficulty: row["difficulty"], due: row["due"], lastReview: row["lastReview"],
                       reviewCount: row["reviewCount"])
        suspended = row["suspended"]
    }
}

/// A user's flashcard settings (columns of `user`).
struct CardSettings: Sendable, Equatable {
    var desiredRetention: Double
    var maximumIntervalDays: Int
    var timeZone: String
    var dayStartHour: Int
    /// Every point a graded mock interview misses becomes a weak-point card without asking.
    var addWeakPoints: Bool = false
    /// New weak-point cards come before new chapter cards.
    var weakPointsFirst: Bool = true

    var scheduler: FSRSScheduler {
        (try? FSRSScheduler(desiredRetention: desiredRetention, maximumInterval: maximumIntervalDays, enableFuzzing: true))
            ?? (try! FSRSScheduler())
    }

    var calendar: StudyDayCalendar {
        (try? StudyDayCalendar(timeZoneIdentifier: timeZone, dayStartHour: dayStartHour))
            ?? (try! StudyDayCalendar(timeZone: TimeZone(identifier: "UTC")!, dayStartHour: 4))
    }
}

/// What happened to a submitted grade.
enum GradeOutcome: Sendable, Equatable {
    /// Recorded; the card's new state.
    case recorded(SRSCard)
    /// This shown card was already graded (a double submission): nothing changed.
    case alreadyRecorded
}

/// Errors the controller maps to 4xx.
enum CardStoreError: Error, Sendable, Equatable {
    case notFound
    case suspended
}

/// One row of the review log, for stats.
struct ReviewLogRow: Sendable {
    var cardId: Int64
    var rating: Int
    var reviewedAt: Date
    var previousPhase: String
    var scheduledDays: Double?
}

/// One card in the card browser.
struct BrowserRow: Sendable {
    var card: CardRow
    var state: CardStateRow?
}

/// A card to upsert from an import.
struct ImportedCard: Sendable, Equatable {
    var guid: String
    var deck: String
    var front: String, back: String
    var frontHtml: String, backHtml: String
    var tags: String
    /// For imports: the fields exactly as in the file, to tell an unchanged card (skipped) from an edited one.
    var exportedFront: String? = nil
    var exportedBack: String? = nil
}

/// Counts from an import.
struct ImportCounts: Sendable, Equatable {
    var added = 0, updated = 0, skipped = 0
}

/// The GRDB store.
struct FlashcardStore: Sendable {
    let writer: any DatabaseWriter

    init(_ database: AppDatabase) { writer = database.writer }

    static let cardColumns = "c.id, c.contentId, c.userId, c.guid, c.deck, c.front, c.back, c.frontHtml, c.backHtml, c.tags, c.retired"
    static let visible = "c.retired = 0 AND (c.userId IS NULL OR c.userId = :user)"

    // MARK: content sync

    /// Upserts every content card by its stable id and retires content cards that disappeared. Synchronous: it runs
    /// once at startup, before the server accepts requests.
    @discardableResult
    func syncContentCards(_ kb: KnowledgeBase, now: Date) throws -> (added: Int, updated: Int, retired: Int) {
        try writer.write { db in
            var added = 0, updated = 0
            var ids: Set<String> = []
            for (position, entry) in kb.cards.enumerated() {
                let c = entry.card
                ids.insert(c.id)
                let deck = String(c.id.split(separator: "/").first ?? Substring(entry.document.slug))
                if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, front, back, deck, position, retired FROM card WHERE contentId = ?"), arguments: [c.id]) {
                    let same = (row["front"] as String) == c.question && (row["back"] as String) == c.answer
                        && (row["deck"] as String) == deck && (row["position"] as Int) == position && !(row["retired"] as Bool)
                    if !same {
                        try db.cachedStatement(sql: """
                            UPDATE card SET front = ?, back = ?, frontHtml = ?, backHtml = ?, deck = ?, position = ?, retired = 0,
                            updatedAt = ? WHERE id = ?
                            """).execute(arguments: [c.question, c.answer, c.questionHTML, c.answerHTML, deck, position, now, row["id"] as Int64])
                        updated += 1
                    } else {
                        // HTML can change with the renderer even when the Markdown did not.
                        try db.execute(sql: "UPDATE card SET frontHtml = ?, backHtml = ? WHERE id = ?",
                                       arguments: [c.questionHTML, c.answerHTML, row["id"] as Int64])
                    }
                } else {
                    try db.cachedStatement(sql: """
                        INSERT INTO card (contentId, guid, deck, position, front, back, frontHtml, backHtml, createdAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [c.id, c.id, deck, position, c.question, c.answer, c.questionHTML, c.answerHTML, now, now])
                    added += 1
                }
            }
            var retired = 0
            for (id, contentId) in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, contentId FROM card WHERE contentId IS NOT NULL AND retired = 0"))
                .map({ ($0["id"] as Int64, $0["contentId"] as String) }) where !ids.contains(contentId) {
                try db.cachedStatement(sql: "UPDATE card SET retired = 1, updatedAt = ? WHERE id = ?").execute(arguments: [now, id])
                retired += 1
            }
            return (added, updated, retired)
        }
    }

    // MARK: settings

    func settings(userId: Int64) async throws -> CardSettings? {
        try await writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT desiredRetention, maximumIntervalDays, timeZone, dayStartHour, addWeakPoints, weakPointsFirst FROM user WHERE id = ?"),
                             arguments: [userId]).map {
                CardSettings(desiredRetention: $0["desiredRetention"], maximumIntervalDays: $0["maximumIntervalDays"],
                             timeZone: $0["timeZone"], dayStartHour: $0["dayStartHour"], addWeakPoints: $0["addWeakPoints"],
                             weakPointsFirst: $0["weakPointsFirst"])
            }
        }
    }

    func updateSettings(userId: Int64, _ s: CardSettings) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: """
                UPDATE user SET desiredRetention = ?, maximumIntervalDays = ?, timeZone = ?, dayStartHour = ?, addWeakPoints = ?,
                    weakPointsFirst = ? WHERE id = ?
                """).execute(arguments: [s.desiredRetention, s.maximumIntervalDays, s.timeZone, s.dayStartHour, s.addWeakPoints,
                                         s.weakPointsFirst, userId])
        }
    }

    // MARK: cards

    static func fetchVisibleCard(_ db: Database, userId: Int64, cardId: Int64) throws -> CardRow? {
        try CardRow.fetchOne(db.cachedStatement(sql: "SELECT \(cardColumns) FROM card c WHERE c.id = :id AND \(visible)"),
                             arguments: ["id": cardId, "user": userId])
    }

    static func fetchState(_ db: Database, userId: Int64, card: CardRow) throws -> CardStateRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM cardState WHERE userId = ? AND cardId = ?"), arguments: [userId, card.id])
            .map { CardStateRow(row: $0, schedulerId: card.schedulerId) }
    }

    /// A card the user may see (a live content card or their own), with their state of it.
    func card(userId: Int64, cardId: Int64) async throws -> (CardRow, CardStateRow?)? {
        try await writer.read { db in
            guard let card = try Self.fetchVisibleCard(db, userId: userId, cardId: cardId) else { return nil }
            return (card, try Self.fetchState(db, userId: userId, card: card))
        }
    }

    /// Decks (chapter slugs and user decks) with at least one visible card, sorted.
    func decks(userId: Int64) async throws -> [String] {
        try await writer.read { db in try Self.decks(db, userId: userId) }
    }

    static func decks(_ db: Database, userId: Int64) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT c.deck FROM card c WHERE \(visible) ORDER BY c.deck"), arguments: ["user": userId])
    }

    // MARK: queue

    /// Learning cards due within this many seconds are shown now (as Anki's "learn ahead" limit).
    static let learnAhead: TimeInterval = 20 * 60

    static func dueSQL(deck: String?) -> String {
        """
        FROM cardState s JOIN card c ON c.id = s.cardId
        WHERE s.userId = :user AND s.suspended = 0 AND s.reviewCount > 0 AND \(visible)
          AND ((s.state = 'review' AND s.due < :dayEnd) OR (s.state <> 'review' AND s.due <= :ahead))
          \(deck == nil ? "" : "AND c.deck = :deck")
        """
    }

    static func newSQL(deck: String?) -> String {
        """
        FROM card c LEFT JOIN cardState s ON s.cardId = c.id AND s.userId = :user
        WHERE \(visible) AND (s.id IS NULL OR (s.reviewCount = 0 AND s.suspended = 0))
          \(deck == nil ? "" : "AND c.deck = :deck")
        """
    }

    static func queueArguments(userId: Int64, deck: String?, now: Date, dayEnd: Date) -> StatementArguments {
        var args: [String: (any DatabaseValueConvertible)?] = ["user": userId, "dayEnd": dayEnd, "now": now,
                                                          "ahead": now.addingTimeInterval(learnAhead)]
        if let deck { args["deck"] = deck }
        return StatementArguments(args)
    }

    /// New cards first reviewed since `since` (counts against the daily new-card limit).
    static func introduced(_ db: Database, userId: Int64, since: Date) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM reviewLog WHERE userId = ? AND previousPhase = 'new' AND reviewedAt >= ?"),
                         arguments: [userId, since]) ?? 0
    }

    /// The next card to show, in Anki's order: learning steps and reviews that are due, then new cards within the daily
    /// limit, and only when neither is left, a learning step due within the learn-ahead window. (Serving the
    /// learn-ahead card before new cards would bring a just-failed card straight back, under a "1 min" label.)
    func nextCard(userId: Int64, deck: String?, now: Date, today: StudyDay, newLimit: Int) async throws -> (CardRow, CardStateRow?)? {
        try await writer.read { db in try Self.nextCard(db, userId: userId, deck: deck, now: now, today: today, newLimit: newLimit) }
    }

    static func nextCard(_ db: Database, userId: Int64, deck: String?, now: Date, today: StudyDay, newLimit: Int) throws
        -> (CardRow, CardStateRow?)? {
        let args = queueArguments(userId: userId, deck: deck, now: now, dayEnd: today.end)
        // Due now sorts before learning ahead; within each, the earliest due first.
        var ahead: (CardRow, CardStateRow?)?
        if let card = try CardRow.fetchOne(db.cachedStatement(sql: """
            SELECT \(cardColumns) \(dueSQL(deck: deck)) ORDER BY (s.state <> 'review' AND s.due > :now), s.due, c.id LIMIT 1
            """), arguments: args) {
            let state = try fetchState(db, userId: userId, card: card)
            guard let scheduled = state?.card, scheduled.state != .review, scheduled.due > now else { return (card, state) }
            ahead = (card, state)
        }
        // New cards share one daily limit; the learner's setting puts weak-point cards (GUID `casebook-weak/…`) first
        // or after the chapters' cards, then their other own cards.
        let weakFirst = try Bool.fetchOne(db.cachedStatement(sql: "SELECT weakPointsFirst FROM user WHERE id = ?"), arguments: [userId]) ?? true
        let weak = "(c.userId IS NOT NULL AND substr(c.guid, 1, 14) = 'casebook-weak/')"
        let order = weakFirst ? "\(weak) DESC, c.userId IS NOT NULL, c.position, c.id" : "c.userId IS NOT NULL, c.position, c.id"
        if try introduced(db, userId: userId, since: today.start) < newLimit,
           let card = try CardRow.fetchOne(db.cachedStatement(sql: """
            SELECT \(cardColumns) \(newSQL(deck: deck)) ORDER BY \(order) LIMIT 1
            """), arguments: args) {
            return (card, try fetchState(db, userId: userId, card: card))
        }
        return ahead
    }

    /// Cards due by the end of today, new cards still allowed today, reviews done today.
    func summary(userId: Int64, deck: String?, now: Date, today: StudyDay, newLimit: Int) async throws -> CardsSummary {
        try await writer.read { db in try Self.summary(db, userId: userId, deck: deck, now: now, today: today, newLimit: newLimit) }
    }

    static func summary(_ db: Database, userId: Int64, deck: String?, now: Date, today: StudyDay, newLimit: Int) throws -> CardsSummary {
        let args = queueArguments(userId: userId, deck: deck, now: now, dayEnd: today.end)
        let due = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) \(dueSQL(deck: deck))"), arguments: args) ?? 0
        let newCount = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) \(newSQL(deck: deck))"), arguments: args) ?? 0
        let allowed = max(0, newLimit - (try introduced(db, userId: userId, since: today.start)))
        let reviewed = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM reviewLog WHERE userId = ? AND reviewedAt >= ? AND reviewedAt < ?"),
                                        arguments: [userId, today.start, today.end]) ?? 0
        return CardsSummary(dueToday: due, newAvailable: min(allowed, newCount), reviewedToday: reviewed)
    }

    /// Everything the review page reads, in one database read (one snapshot, one trip to a reader connection): the
    /// summary, the user's decks and the next card.
    func reviewQueue(userId: Int64, deck: String?, now: Date, today: StudyDay, newLimit: Int) async throws
        -> (summary: CardsSummary, decks: [String], next: (CardRow, CardStateRow?)?) {
        try await writer.read { db in
            (try Self.summary(db, userId: userId, deck: deck, now: now, today: today, newLimit: newLimit),
             try Self.decks(db, userId: userId),
             try Self.nextCard(db, userId: userId, deck: deck, now: now, today: today, newLimit: newLimit))
        }
    }

    /// The earliest due date among the user's unsuspended, reviewed cards after `after`.
    func nextDue(userId: Int64, deck: String?, after: Date) async throws -> Date? {
        try await writer.read { db in
            var args: [String: (any DatabaseValueConvertible)?] = ["user": userId, "after": after]
            if let deck { args["deck"] = deck }
            return try Date.fetchOne(db.cachedStatement(sql: """
                SELECT MIN(s.due) FROM cardState s JOIN card c ON c.id = s.cardId
                WHERE s.userId = :user AND s.suspended = 0 AND s.reviewCount > 0 AND \(Self.visible) AND s.due > :after
                \(deck == nil ? "" : "AND c.deck = :deck")
                """), arguments: StatementArguments(args))
        }
    }

    // MARK: grading

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }()

    static func json(_ card: SRSCard) -> String { String(decoding: try! encoder.encode(card), as: UTF8.self) }

    /// Grades the card the user was shown after `expectedReviewCount` reviews. In one transaction: the card must be
    /// visible and not suspended; if its review count has moved on, this grade was already recorded (a double
    /// submission) and nothing changes.
    func grade(userId: Int64, cardId: Int64, expectedReviewCount: Int, rating: SRSRating, now: Date,
               scheduler: FSRSScheduler) async throws -> GradeOutcome {
        try await writer.write { db in
            guard let card = try Self.fetchVisibleCard(db, userId: userId, cardId: cardId) else { throw CardStoreError.notFound }
            let state = try Self.fetchState(db, userId: userId, card: card)
            if state?.suspended == true { throw CardStoreError.suspended }
            let before = state?.card ?? SRSCard(id: card.schedulerId, due: now)
            guard before.reviewCount == expectedReviewCount else { return .alreadyRecorded }
            let after = scheduler.review(before, rating: rating, at: now).card
            try db.cachedStatement(sql: """
                INSERT INTO cardState (userId, cardId, state, step, stability, difficulty, due, lastReview, reviewCount)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(userId, cardId) DO UPDATE SET state = excluded.state, step = excluded.step,
                    stability = excluded.stability, difficulty = excluded.difficulty, due = excluded.due,
                    lastReview = excluded.lastReview, reviewCount = excluded.reviewCount
                """).execute(arguments: [userId, cardId, after.state.rawValue, after.step, after.stability, after.difficulty, after.due,
                                 after.lastReview, after.reviewCount])
            let phase = before.reviewCount == 0 ? "new" : before.state.rawValue
            let elapsed = before.lastReview.map { now.timeIntervalSince($0) / 86_400 }
            let scheduled = before.lastReview.map { before.due.timeIntervalSince($0) / 86_400 }
            try db.cachedStatement(sql: """
                INSERT INTO reviewLog (userId, cardId, rating, reviewedAt, reviewCountBefore, stateBefore, stateAfter, previousPhase,
                                       elapsedDays, scheduledDays)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [userId, cardId, rating.rawValue, now, before.reviewCount,
                                 before.reviewCount == 0 ? nil : Self.json(before), Self.json(after), phase, elapsed, scheduled])
            return .recorded(after)
        }
    }

    /// Undoes the user's most recent grade: restores the card's state from the log and deletes the log row.
    /// Returns the card id, or nil when there is nothing to undo.
    func undoLast(userId: Int64) async throws -> Int64? {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, cardId, stateBefore FROM reviewLog WHERE userId = ? ORDER BY reviewedAt DESC, id DESC LIMIT 1
                """), arguments: [userId]) else { return nil }
            let cardId: Int64 = row["cardId"]
            if let json: String = row["stateBefore"], let before = try? JSONDecoder().decode(SRSCard.self, from: Data(json.utf8)) {
                try db.cachedStatement(sql: """
                    UPDATE cardState SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, lastReview = ?, reviewCount = ?
                    WHERE userId = ? AND cardId = ?
                    """).execute(arguments: [before.state.rawValue, before.step, before.stability, before.difficulty, before.due,
                                     before.lastReview, before.reviewCount, userId, cardId])
            } else {
                try db.cachedStatement(sql: "DELETE FROM cardState WHERE userId = ? AND cardId = ?").execute(arguments: [userId, cardId])
            }
            try db.cachedStatement(sql: "DELETE FROM reviewLog WHERE id = ? AND userId = ?").execute(arguments: [row["id"] as Int64, userId])
            return cardId
        }
    }

    /// Suspends or unsuspends a visible card for this user. Throws `notFound` for a card the user cannot see.
    func setSuspended(userId: Int64, cardId: Int64, suspended: Bool, now: Date) async throws {
        try await writer.write { db in
            guard let card = try Self.fetchVisibleCard(db, userId: userId, cardId: cardId) else { throw CardStoreError.notFound }
            if try Self.fetchState(db, userId: userId, card: card) == nil {
                guard suspended else { return }
                try db.cachedStatement(sql: """
                    INSERT INTO cardState (userId, cardId, state, step, due, reviewCount, suspended) VALUES (?, ?, 'learning', 0, ?, 0, 1)
                    """).execute(arguments: [userId, cardId, now])
            } else {
                try db.cachedStatement(sql: "UPDATE cardState SET suspended = ? WHERE userId = ? AND cardId = ?").execute(arguments: [suspended, userId, cardId])
            }
        }
    }

    // MARK: stats

    func reviewLog(userId: Int64, since: Date) async throws -> [ReviewLogRow] {
        try await writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT cardId, rating, reviewedAt, previousPhase, scheduledDays FROM reviewLog
                WHERE userId = ? AND reviewedAt >= ? ORDER BY reviewedAt, id
                """), arguments: [userId, since]).map {
                ReviewLogRow(cardId: $0["cardId"], rating: $0["rating"], reviewedAt: $0["reviewedAt"], previousPhase: $0["previousPhase"],
                             scheduledDays: $0["scheduledDays"])
            }
        }
    }

    func reviewDates(userId: Int64, since: Date) async throws -> [Date] {
        try await writer.read { db in
            try Date.fetchAll(db.cachedStatement(sql: "SELECT reviewedAt FROM reviewLog WHERE userId = ? AND reviewedAt >= ? ORDER BY reviewedAt"),
                              arguments: [userId, since])
        }
    }

    /// Due dates of the user's unsuspended, reviewed, visible cards before `until`.
    func dueDates(userId: Int64, until: Date) async throws -> [Date] {
        try await writer.read { db in
            try Date.fetchAll(db.cachedStatement(sql: """
                SELECT s.due FROM cardState s JOIN card c ON c.id = s.cardId
                WHERE s.userId = :user AND s.suspended = 0 AND s.reviewCount > 0 AND \(Self.visible) AND s.due < :until
                """), arguments: ["user": userId, "until": until])
        }
    }

    /// Every visible card with the user's state (the card browser), optionally one deck.
    func browser(userId: Int64, deck: String?) async throws -> [BrowserRow] {
        try await writer.read { db in
            var args: [String: (any DatabaseValueConvertible)?] = ["user": userId]
            if let deck { args["deck"] = deck }
            let cards = try CardRow.fetchAll(db.cachedStatement(sql: """
                SELECT \(Self.cardColumns) FROM card c WHERE \(Self.visible) \(deck == nil ? "" : "AND c.deck = :deck")
                ORDER BY c.userId IS NOT NULL, c.position, c.id
                """), arguments: StatementArguments(args))
            var states: [Int64: Row] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM cardState WHERE userId = ?"), arguments: [userId]) {
                states[row["cardId"]] = row
            }
            return cards.map { c in BrowserRow(card: c, state: states[c.id].map { CardStateRow(row: $0, schedulerId: c.schedulerId) }) }
        }
    }

    // MARK: user cards

    func ownCards(userId: Int64) async throws -> [CardRow] {
        try await writer.read { db in
            try CardRow.fetchAll(db.cachedStatement(sql: "SELECT \(Self.cardColumns) FROM card c WHERE c.userId = ? ORDER BY c.deck, c.id"), arguments: [userId])
        }
    }

    func ownCard(userId: Int64, cardId: Int64) async throws -> CardRow? {
        try await writer.read { db in
            try CardRow.fetchOne(db.cachedStatement(sql: "SELECT \(Self.cardColumns) FROM card c WHERE c.id = ? AND c.userId = ?"), arguments: [cardId, userId])
        }
    }

    @discardableResult
    func createCard(userId: Int64, _ card: ImportedCard, now: Date) async throws -> Int64 {
        try await writer.write { db in try Self.insert(db, userId: userId, card, now: now) }
    }

    static func insert(_ db: Database, userId: Int64, _ c: ImportedCard, now: Date) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO card (userId, guid, deck, front, back, frontHtml, backHtml, tags, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [userId, c.guid, c.deck, c.front, c.back, c.frontHtml, c.backHtml, c.tags, now, now])
        return db.lastInsertedRowID
    }

    /// Updates one of the user's own cards; false when it is not theirs (or does not exist).
    func updateCard(userId: Int64, cardId: Int64, deck: String, front: String, back: String, frontHtml: String, backHtml: String,
                    now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: """
                UPDATE card SET deck = ?, front = ?, back = ?, frontHtml = ?, backHtml = ?, updatedAt = ? WHERE id = ? AND userId = ?
                """).execute(arguments: [deck, front, back, frontHtml, backHtml, now, cardId, userId])
            return db.changesCount == 1
        }
    }

    /// Deletes one of the user's own cards with its state and log; false when it is not theirs.
    func deleteCard(userId: Int64, cardId: Int64) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM card WHERE id = ? AND userId = ?").execute(arguments: [cardId, userId])
            return db.changesCount == 1
        }
    }

    // MARK: Anki interoperability

    /// Cards to export: every visible card (or one deck).
    func exportCards(userId: Int64, deck: String?) async throws -> [CardRow] {
        try await browser(userId: userId, deck: deck).map(\.card)
    }

    /// Upserts imported cards by GUID into the user's own cards, in one transaction. A GUID that names a content card
    /// is skipped (content cards are not the user's to change); an own card with identical fields is skipped.
    func importCards(userId: Int64, _ cards: [ImportedCard], now: Date) async throws -> ImportCounts {
        try await writer.write { db in
            var counts = ImportCounts()
            for c in cards {
                if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM card WHERE contentId = ?"), arguments: [c.guid]) != nil {
                    counts.skipped += 1
                    continue
                }
                if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, deck, front, back, frontHtml, backHtml, tags FROM card WHERE userId = ? AND guid = ?"),
                                              arguments: [userId, c.guid]) {
                    let sameText = ((row["front"] as String) == c.front && (row["back"] as String) == c.back)
                        || (AnkiText.field(row["frontHtml"]) == c.exportedFront && AnkiText.field(row["backHtml"]) == c.exportedBack)
                    if sameText && (row["deck"] as String) == c.deck && (row["tags"] as String) == c.tags {
                        counts.skipped += 1
                    } else {
                        try db.cachedStatement(sql: """
                            UPDATE card SET deck = ?, front = ?, back = ?, frontHtml = ?, backHtml = ?, tags = ?, updatedAt = ?
                            WHERE id = ? AND userId = ?
                            """).execute(arguments: [c.deck, c.front, c.back, c.frontHtml, c.backHtml, c.tags, now, row["id"] as Int64, userId])
                        counts.updated += 1
                    }
                } else {
                    _ = try Self.insert(db, userId: userId, c, now: now)
                    counts.added += 1
                }
            }
            return counts
        }
    }
}

/// The dashboard and streak hook, backed by the store.
struct SQLiteFlashcardActivity: FlashcardActivityProvider {
    let store: FlashcardStore
    let newCardsPerDay: Int

    func cardsSummary(userId: Int64, today: StudyDay, now: Date) async throws -> CardsSummary {
        try await store.summary(userId: userId, deck: nil, now: now, today: today, newLimit: newCardsPerDay)
    }

    func reviewDates(userId: Int64, since: Date) async throws -> [Date] {
        try await store.reviewDates(userId: userId, since: since)
    }

    /// A day had cards due when some card's due date (as of now) falls on or before that day and it was not reviewed
    /// since: approximated from the review log, where each review's previous due date is known. Cards currently due
    /// (overdue) count for every idle day from their due date on.
    func daysWithCardsDue(userId: Int64, among days: [StudyDay]) async throws -> Set<StudyDay> {
        guard let last = days.last else { return [] }
        let dues = try await store.dueDates(userId: userId, until: last.end)
        guard let earliest = dues.min() else { return [] }
        return Set(days.filter { $0.end > earliest })
    }
}
