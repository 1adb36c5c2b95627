import Foundation
import SpacedRepetition

// View models of the flashcard pages (one struct per page; stored properties only, Mustache reads by reflection).

struct DeckOption {
    let slug: String
    let selected: Bool
}

struct GradeButton {
    let rating: Int, name: String, interval: String
}

struct ReviewCardModel {
    let id: Int64
    let frontHtml: String, backHtml: String
    let cardDeck: String
    let isNew: Bool
    /// The card's review count when shown: the idempotency token of its grade forms.
    let token: Int
    let revealed: Bool
    let buttons: [GradeButton]
    let revealURL: String
    /// A weak-point card offers a re-drill of its step on its case.
    let redrill: RedrillOffer?
}

struct RedrillOffer {
    let url: String
    let step: String
    let title: String
}

struct SessionSummary {
    let reviewed: Int, againPercent: Int
    let nextDue: String?
    let hasReviewed: Bool
}

struct ReviewPage {
    let layout: LayoutModel
    let csrfToken: String
    let deck: String
    let decks: [DeckOption]
    let card: ReviewCardModel?
    let done: SessionSummary?
    let dueToday: Int, newAvailable: Int, reviewedToday: Int
    let canUndo: Bool
    let notice: String?
}

struct SettingsPage {
    let layout: LayoutModel
    let csrfToken: String
    let retention: String
    let maximumInterval: Int
    let timeZone: String
    let dayStartHour: Int
    let addWeakPoints: Bool
    let weakPointsFirst: Bool
    let errors: [String]
    let saved: Bool
}

struct CardForm {
    let deck: String, front: String, back: String
}

struct OwnCardRow {
    let id: Int64, deck: String, frontHtml: String, backHtml: String
}

struct MyCardsPage {
    let layout: LayoutModel
    let csrfToken: String
    let cards: [OwnCardRow]
    let hasCards: Bool
    let form: CardForm
    let errors: [String]
}

struct EditCardPage {
    let layout: LayoutModel
    let csrfToken: String
    let id: Int64
    let form: CardForm
    let errors: [String]
}

struct ImportLineError {
    let line: Int, message: String
}

struct ImportReport {
    let added: Int, updated: Int, skipped: Int
}

struct ImportPage {
    let layout: LayoutModel
    let csrfToken: String
    let report: ImportReport?
    let errors: [ImportLineError]
}

struct HeatCell {
    let x: Int, y: Int, level: Int, label: String
}

struct ForecastBar {
    let x: Int, y: Int, height: Int, label: String
}

struct RetentionRow {
    let name: String, reviews: Int, passed: Int, percent: String
}

struct BrowserCard {
    let id: Int64, frontHtml: String, deck: String, status: String, due: String
    let difficulty: String, stability: String, retrievability: String
    let suspended: Bool
}

struct CardStats {
    let todayReviews: Int, todayAgain: Int, todayNew: Int
    let retention: [RetentionRow]
    let heat: [HeatCell]
    let heatWidth: Int
    let heatSummary: String
    let forecast: [ForecastBar]
    let forecastSummary: String
    let forecastMax: Int
    let cards: [BrowserCard]
    let hasCards: Bool

    static let cell = 13
    static let forecastHeight = 100

    static func build(log: [ReviewLogRow], dues: [Date], rows: [BrowserRow], scheduler: FSRSScheduler, calendar: StudyDayCalendar,
                      today: StudyDay, now: Date) -> CardStats {
        let todayLog = log.filter { today.contains($0.reviewedAt) }

        // True retention over the last 30 days: the first review of the day of each card that was in review state;
        // young cards had a scheduled interval under 21 days, mature cards 21 days or more.
        let since = now.addingTimeInterval(-30 * 86_400)
        var firstOfDay: Set<String> = []
        var young = (0, 0), mature = (0, 0)
        for r in log where r.reviewedAt >= since && r.previousPhase == "review" {
            let key = "\(r.cardId)@\(calendar.studyDay(containing: r.reviewedAt).identifier)"
            guard firstOfDay.insert(key).inserted else { continue }
            let pass = r.rating > 1 ? 1 : 0
            if (r.scheduledDays ?? 0) >= 21 { mature = (mature.0 + 1, mature.1 + pass) } else { young = (young.0 + 1, young.1 + pass) }
        }
        func row(_ name: String, _ v: (Int, Int)) -> RetentionRow {
            RetentionRow(name: name, reviews: v.0, passed: v.1,
                         percent: v.0 == 0 ? "—" : String(format: "%.1f %%", Double(v.1) * 100 / Double(v.0)))
        }
        let retention = [row("Young (interval under 21 days)", young), row("Mature (21 days or more)", mature),
                         row("All", (young.0 + mature.0, young.1 + mature.1))]

        // Heatmap: 53 weekly columns, Monday at the top, ending with today.
        var perDay: [String: Int] = [:]
        for r in log { perDay[calendar.studyDay(containing: r.reviewedAt).identifier, default: 0] += 1 }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = calendar.timeZone
        func weekdayRow(_ d: StudyDay) -> Int {
            let noon = d.start.addingTimeInterval(d.duration / 2)
            return (gregorian.component(.weekday, from: noon) + 5) % 7
        }
        var day = today
        for _ in 0..<(52 * 7 + weekdayRow(today)) { day = calendar.studyDay(containing: day.start.addingTimeInterval(-1)) }
        var heat: [HeatCell] = []
        var activeDays = 0, total = 0
        var index = 0
        while true {
            let n = perDay[day.identifier] ?? 0
            if n > 0 { activeDays += 1; total += n }
            let level = n == 0 ? 0 : n <= 2 ? 1 : n <= 5 ? 2 : n <= 10 ? 3 : 4
            heat.append(HeatCell(x: (index / 7) * cell, y: weekdayRow(day) * cell, level: level,
                                 label: "\(day.identifier): \(n) review\(n == 1 ? "" : "s")"))
            if day == today { break }
            day = calendar.studyDay(after: day)
            index += 1
        }
        let heatWidth = (index / 7 + 1) * cell

        // Forecast: cards due on each of the next 30 study days (overdue cards count today).
        var counts = Array(repeating: 0, count: 30)
        var starts: [StudyDay] = [today]
        for _ in 1..<30 { starts.append(calendar.studyDay(after: starts.last!)) }
        for due in dues {
            if due < today.end { counts[0] += 1; continue }
            if let i = starts.firstIndex(where: { $0.contains(due) }) { counts[i] += 1 }
        }
        let maxCount = max(1, counts.max() ?? 0)
        let forecast = counts.enumerated().map { i, n in
            let h = n == 0 ? 0 : max(2, n * forecastHeight / maxCount)
            return ForecastBar(x: i * 16, y: forecastHeight - h, height: h,
                               label: "\(i == 0 ? "Today" : starts[i].identifier): \(n) card\(n == 1 ? "" : "s") due")
        }

        let cards = rows.map { r -> BrowserCard in
            let s = r.state
            let reviewed = (s?.card.reviewCount ?? 0) > 0
            let status = s?.suspended == true ? "suspended" : reviewed ? s!.card.state.rawValue : "new"
            return BrowserCard(
                id: r.card.id, frontHtml: r.card.frontHtml, deck: r.card.deck, status: status,
                due: reviewed ? s!.card.due.formatted(.iso8601.year().month().day()) : "—",
                difficulty: s?.card.difficulty.map { String(format: "%.1f", $0) } ?? "—",
                stability: s?.card.stability.map { String(format: "%.1f d", $0) } ?? "—",
                retrievability: reviewed ? String(format: "%.0f %%", scheduler.retrievability(of: s!.card, at: now) * 100) : "—",
                suspended: s?.suspended == true)
        }
        return CardStats(
            todayReviews: todayLog.count, todayAgain: todayLog.filter { $0.rating == 1 }.count,
            todayNew: todayLog.filter { $0.previousPhase == "new" }.count, retention: retention, heat: heat, heatWidth: heatWidth,
            heatSummary: "\(total) review\(total == 1 ? "" : "s") on \(activeDays) day\(activeDays == 1 ? "" : "s") in the last 12 months",
            forecast: forecast,
            forecastSummary: "\(counts.reduce(0, +)) reviews due in the next 30 days; busiest day: \(counts.max() ?? 0)",
            forecastMax: counts.max() ?? 0, cards: cards, hasCards: !cards.isEmpty)
    }
}

struct StatsPage {
    let layout: LayoutModel
    let csrfToken: String
    let deck: String
    let decks: [DeckOption]
    let stats: CardStats
}
