import Foundation
import Hummingbird
import NIOPosix
import KnowledgeBase
import SpacedRepetition
import Storage

/// Fixed flashcard settings (per-user ones live on `user`).
enum FlashcardSettings {
    /// New cards a user may start per study day.
    static let newCardsPerDay = 20
}

/// Flashcards: review (`/cards/review`), settings, stats, the user's own cards, and Anki export/import.
/// Every page needs a signed-in user; every form is a plain POST that works without JavaScript.
struct FlashcardController: Sendable {
    let store: FlashcardStore
    let views: Views
    let maxBodyBytes: Int
    /// New cards a user may start per study day.
    let newCardsPerDay: Int

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/cards") { _, _ in Response.redirect(to: "/cards/review") }
        router.get("/cards/review") { req, ctx in try await review(req, ctx) }
        router.post("/cards/review") { req, ctx in try await grade(req, ctx) }
        router.post("/cards/review/undo") { req, ctx in try await undo(req, ctx) }
        router.get("/cards/settings") { req, ctx in try await settingsPage(req, ctx) }
        router.post("/cards/settings") { req, ctx in try await saveSettings(req, ctx) }
        router.get("/cards/stats") { req, ctx in try await stats(req, ctx) }
        router.post("/cards/:id/suspend") { req, ctx in try await suspend(req, ctx) }
        router.get("/cards/mine") { req, ctx in try await mine(req, ctx) }
        router.post("/cards/mine") { req, ctx in try await create(req, ctx) }
        router.get("/cards/mine/:id/edit") { req, ctx in try await editPage(req, ctx) }
        router.post("/cards/mine/:id/edit") { req, ctx in try await edit(req, ctx) }
        router.post("/cards/mine/:id/delete") { req, ctx in try await delete(req, ctx) }
        router.get("/cards/export.txt") { req, ctx in try await export(req, ctx) }
        router.get("/cards/export.apkg") { req, ctx in try await exportPackage(req, ctx) }
        router.get("/cards/import") { req, ctx in try await importPage(req, ctx) }
        router.post("/cards/import") { req, ctx in try await importCards(req, ctx) }
    }

    // MARK: helpers

    func signedIn(_ ctx: AppRequestContext, next: String) async throws -> (CurrentSession, CardSettings) {
        guard let session = ctx.session, let settings = try await store.settings(userId: session.userId) else {
            throw SignInRequired(next: next)
        }
        return (session, settings)
    }

    /// The `deck` query or form value, validated: nil for all decks; 404 for a deck the user has no cards in.
    func deck(_ raw: String?, userId: Int64) async throws -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard try await store.decks(userId: userId).contains(raw) else {
            throw AppError(.notFound, "There is no deck “\(raw.prefix(80))”. Pick one from the list on the review page.")
        }
        return raw
    }

    static func deckQuery(_ deck: String?) -> String {
        deck.map { "?deck=" + SafeRedirect.queryEncode($0) } ?? ""
    }

    func page(_ model: Any, template: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: views.render(model, template: template))))
    }

    static func cardId(_ ctx: AppRequestContext) throws -> Int64 {
        guard let raw = ctx.parameters.get("id"), let id = Int64(raw), id > 0 else { throw AppError.notFound("There is no such card.") }
        return id
    }

    /// "1 min", "10 min", "3 h", "4 d", "2.5 mo", "1.2 y" — how long until a card comes back.
    static func intervalLabel(_ seconds: TimeInterval) -> String {
        // Each unit is chosen by the rounded figure, so 59.7 minutes reads "1 h" and 23.6 hours "1 d", not "60 min"/"24 h".
        let s = max(0, seconds)
        let minutes = Int((s / 60).rounded())
        if minutes < 60 { return "\(max(1, minutes)) min" }
        let hours = Int((s / 3600).rounded())
        if hours < 24 { return "\(hours) h" }
        let days = s / 86_400
        if Int(days.rounded()) < 31 { return "\(max(1, Int(days.rounded()))) d" }
        let months = (days / 30.4 * 10).rounded() / 10
        if months < 12 { return String(format: "%.1f mo", months) }
        return String(format: "%.1f y", days / 365.25)
    }

    static let timeFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE d MMM, HH:mm"
        return f
    }()

    static func format(_ date: Date, in timeZone: String) -> String {
        let f = timeFormatter.copy() as! DateFormatter
        f.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        return f.string(from: date)
    }

    // MARK: review

    func review(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let path = req.uri.path + (req.uri.query.map { "?" + $0 } ?? "")
        let (session, settings) = try await signedIn(ctx, next: path)
        let deck = try await deck(req.uri.queryParameters.get("deck"), userId: session.userId)
        let now = Date()
        let today = settings.calendar.studyDay(containing: now)
        let queue = try await store.reviewQueue(userId: session.userId, deck: deck, now: now, today: today, newLimit: newCardsPerDay)
        let summary = queue.summary
        let decks = queue.decks.map { DeckOption(slug: $0, selected: $0 == deck) }
        var current: ReviewCardModel?
        var done: SessionSummary?
        if let (card, state) = queue.next {
            let reveal = req.uri.queryParameters.get("reveal") == "1"
            let srs = state?.card ?? SRSCard(id: card.schedulerId, due: now)
            let preview = settings.scheduler.preview(srs, at: now)
            let buttons = SRSRating.allCases.map { r in
                GradeButton(rating: r.rawValue, name: r.name.capitalized, interval: Self.intervalLabel(preview[r]?.interval ?? 0))
            }
            current = ReviewCardModel(id: card.id, frontHtml: card.frontHtml, backHtml: card.backHtml, cardDeck: card.deck,
                                      isNew: srs.reviewCount == 0, token: srs.reviewCount, revealed: reveal, buttons: buttons,
                                      revealURL: "/cards/review?" + (deck.map { "deck=" + SafeRedirect.queryEncode($0) + "&" } ?? "") + "reveal=1",
                                      redrill: Self.redrill(card))
        } else {
            let log = try await store.reviewLog(userId: session.userId, since: today.start)
            let again = log.filter { $0.rating == 1 }.count
            let next = try await store.nextDue(userId: session.userId, deck: deck, after: now)
            done = SessionSummary(reviewed: log.count, againPercent: log.isEmpty ? 0 : Int((Double(again) * 100 / Double(log.count)).rounded()),
                                  nextDue: next.map { Self.format($0, in: settings.timeZone) }, hasReviewed: !log.isEmpty)
        }
        let model = ReviewPage(layout: views.layout(path: path, session: session), csrfToken: session.csrfToken, deck: deck ?? "",
                               decks: decks, card: current, done: done, dueToday: summary.dueToday, newAvailable: summary.newAvailable,
                               reviewedToday: summary.reviewedToday, canUndo: summary.reviewedToday > 0, notice: req.uri.queryParameters.get("undone") == "1"
                                   ? "The last grade was undone." : nil)
        return page(model, template: "cards-review")
    }

    func grade(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, settings) = try await signedIn(ctx, next: "/cards/review")
        guard let ratingValue = Int(form["rating"] ?? ""), let rating = SRSRating(rawValue: ratingValue) else {
            throw AppError(.badRequest, "The grade must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy); nothing was recorded.")
        }
        guard let cardId = Int64(form["card"] ?? ""), let token = Int(form["token"] ?? ""), token >= 0 else {
            throw AppError(.badRequest, "The form did not say which card was graded; nothing was recorded. Reload the review page.")
        }
        let deck = try await deck(form["deck"], userId: session.userId)
        do {
            _ = try await store.grade(userId: session.userId, cardId: cardId, expectedReviewCount: token, rating: rating, now: Date(),
                                      scheduler: settings.scheduler)
        } catch CardStoreError.notFound {
            throw AppError.notFound("There is no such card.")
        } catch CardStoreError.suspended {
            throw AppError(.conflict, "That card is suspended; unsuspend it on the stats page to review it. Nothing was recorded.")
        }
        return .redirect(to: "/cards/review" + Self.deckQuery(deck), type: .normal)
    }

    func undo(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, _) = try await signedIn(ctx, next: "/cards/review")
        let deck = try await deck(form["deck"], userId: session.userId)
        guard try await store.undoLast(userId: session.userId) != nil else {
            throw AppError(.conflict, "There is no grade to undo.")
        }
        let query = Self.deckQuery(deck)
        return .redirect(to: "/cards/review" + (query.isEmpty ? "?" : query + "&") + "undone=1", type: .normal)
    }

    // MARK: settings

    func settingsPage(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, settings) = try await signedIn(ctx, next: "/cards/settings")
        return page(SettingsPage(layout: views.layout(path: "/cards/settings", session: session), csrfToken: session.csrfToken,
                                 retention: String(format: "%.2f", settings.desiredRetention), maximumInterval: settings.maximumIntervalDays,
                                 timeZone: settings.timeZone, dayStartHour: settings.dayStartHour,
                                 addWeakPoints: settings.addWeakPoints, weakPointsFirst: settings.weakPointsFirst, errors: [],
                                 saved: req.uri.queryParameters.get("saved") == "1"),
                    template: "cards-settings")
    }

    func saveSettings(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, _) = try await signedIn(ctx, next: "/cards/settings")
        var errors: [String] = []
        let retention = Double(form["desired_retention"] ?? "")
        if retention == nil || !(0.70...0.97).contains(retention!) { errors.append("Desired retention must be a number from 0.70 to 0.97.") }
        let maxInterval = Int(form["maximum_interval"] ?? "")
        if maxInterval == nil || !(1...36500).contains(maxInterval!) { errors.append("Maximum interval must be a whole number of days from 1 to 36500.") }
        let timeZone = (form["time_zone"] ?? "").trimmingCharacters(in: .whitespaces)
        if (try? StudyDayCalendar(timeZoneIdentifier: timeZone)) == nil {
            errors.append("Time zone must be an IANA name such as Europe/Berlin or America/New_York.")
        }
        let hour = Int(form["day_start_hour"] ?? "")
        if hour == nil || !(0...23).contains(hour!) { errors.append("The day starts at a whole hour from 0 to 23.") }
        guard errors.isEmpty, let retention, let maxInterval, let hour else {
            return page(SettingsPage(layout: views.layout(path: "/cards/settings", session: session), csrfToken: session.csrfToken,
                                     retention: form["desired_retention"] ?? "", maximumInterval: maxInterval ?? 0, timeZone: timeZone,
                                     dayStartHour: hour ?? 0, addWeakPoints: form["add_weak_points"] == "1",
                                     weakPointsFirst: form["weak_points_first"] == "1", errors: errors, saved: false),
                        template: "cards-settings", status: .unprocessableContent)
        }
        try await store.updateSettings(userId: session.userId, CardSettings(desiredRetention: retention, maximumIntervalDays: maxInterval,
                                                                            timeZone: timeZone, dayStartHour: hour,
                                                                            addWeakPoints: form["add_weak_points"] == "1",
                                                                            weakPointsFirst: form["weak_points_first"] == "1"))
        return .redirect(to: "/cards/settings?saved=1", type: .normal)
    }

    // MARK: suspend

    func suspend(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, _) = try await signedIn(ctx, next: "/cards/stats")
        let id = try Self.cardId(ctx)
        let suspended: Bool
        switch form["action"] {
        case "suspend": suspended = true
        case "unsuspend": suspended = false
        default: throw AppError(.badRequest, "The action must be “suspend” or “unsuspend”; nothing was changed.")
        }
        do {
            try await store.setSuspended(userId: session.userId, cardId: id, suspended: suspended, now: Date())
        } catch CardStoreError.notFound {
            throw AppError.notFound("There is no such card.")
        }
        let deck = try await deck(form["deck"], userId: session.userId)
        let back = form["next"] == "review" ? "/cards/review" + Self.deckQuery(deck) : "/cards/stats#card-\(id)"
        return .redirect(to: back, type: .normal)
    }

    // MARK: user cards

    static let maxFieldLength = 10_000

    func mine(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, _) = try await signedIn(ctx, next: "/cards/mine")
        return try await minePage(session: session, form: CardForm(deck: "my-cards", front: "", back: ""), errors: [], status: .ok)
    }

    func minePage(session: CurrentSession, form: CardForm, errors: [String], status: HTTPResponse.Status) async throws -> Response {
        let cards = try await store.ownCards(userId: session.userId).map {
            OwnCardRow(id: $0.id, deck: $0.deck, frontHtml: $0.frontHtml, backHtml: $0.backHtml)
        }
        return page(MyCardsPage(layout: views.layout(path: "/cards/mine", session: session), csrfToken: session.csrfToken, cards: cards,
                                hasCards: !cards.isEmpty, form: form, errors: errors),
                    template: "cards-mine", status: status)
    }

    /// Validates a card form: deck (letters, digits, - and _), front and back (Markdown, non-empty).
    static func validate(_ form: FormFields) -> (CardForm, [String]) {
        let card = CardForm(deck: (form["deck"] ?? "").trimmingCharacters(in: .whitespaces).lowercased(),
                            front: (form["front"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                            back: (form["back"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        var errors: [String] = []
        if !validDeck(card.deck) { errors.append("The deck name must be 1–60 letters, digits, “-” or “_”.") }
        if card.front.isEmpty || card.front.count > maxFieldLength { errors.append("The front must have 1–\(maxFieldLength) characters.") }
        if card.back.isEmpty || card.back.count > maxFieldLength { errors.append("The back must have 1–\(maxFieldLength) characters.") }
        return (card, errors)
    }

    static func validDeck(_ deck: String) -> Bool {
        !deck.isEmpty && deck.count <= 60 && deck.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

    /// A learner's own card is learner text: the strict renderer attempts use (issue 18).
    static func html(_ markdown: String) -> String { UserMarkdown.html(markdown) }

    func create(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, _) = try await signedIn(ctx, next: "/cards/mine")
        let (card, errors) = Self.validate(form)
        guard errors.isEmpty else { return try await minePage(session: session, form: card, errors: errors, status: .unprocessableContent) }
        try await store.createCard(userId: session.userId, ImportedCard(
            guid: "cb-" + Tokens.random().prefix(16), deck: card.deck, front: card.front, back: card.back,
            frontHtml: Self.html(card.front), backHtml: Self.html(card.back), tags: ""), now: Date())
        return .redirect(to: "/cards/mine", type: .normal)
    }

    func editPage(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, _) = try await signedIn(ctx, next: "/cards/mine")
        let id = try Self.cardId(ctx)
        guard let card = try await store.ownCard(userId: session.userId, cardId: id) else { throw AppError.notFound("There is no such card of yours.") }
        return page(EditCardPage(layout: views.layout(path: "/cards/mine", session: session), csrfToken: session.csrfToken, id: id,
                                 form: CardForm(deck: card.deck, front: card.front, back: card.back), errors: []),
                    template: "cards-edit")
    }

    func edit(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let (session, _) = try await signedIn(ctx, next: "/cards/mine")
        let id = try Self.cardId(ctx)
        guard try await store.ownCard(userId: session.userId, cardId: id) != nil else { throw AppError.notFound("There is no such card of yours.") }
        let (card, errors) = Self.validate(form)
        guard errors.isEmpty else {
            return page(EditCardPage(layout: views.layout(path: "/cards/mine", session: session), csrfToken: session.csrfToken, id: id,
                                     form: card, errors: errors),
                        template: "cards-edit", status: .unprocessableContent)
        }
        guard try await store.updateCard(userId: session.userId, cardId: id, deck: card.deck, front: card.front, back: card.back,
                                         frontHtml: Self.html(card.front), backHtml: Self.html(card.back), now: Date())
        else { throw AppError.notFound("There is no such card of yours.") }
        return .redirect(to: "/cards/mine", type: .normal)
    }

    func delete(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, _) = try await signedIn(ctx, next: "/cards/mine")
        let id = try Self.cardId(ctx)
        guard try await store.deleteCard(userId: session.userId, cardId: id) else { throw AppError.notFound("There is no such card of yours.") }
        return .redirect(to: "/cards/mine", type: .normal)
    }

    // MARK: stats

    func stats(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let path = req.uri.path + (req.uri.query.map { "?" + $0 } ?? "")
        let (session, settings) = try await signedIn(ctx, next: path)
        let deck = try await deck(req.uri.queryParameters.get("deck"), userId: session.userId)
        let now = Date()
        let calendar = settings.calendar
        let today = calendar.studyDay(containing: now)
        let yearAgo = now.addingTimeInterval(-371 * 86_400)
        let log = try await store.reviewLog(userId: session.userId, since: yearAgo)
        let scheduler = settings.scheduler
        let forecastEnd = today.start.addingTimeInterval(31 * 86_400)
        let dues = try await store.dueDates(userId: session.userId, until: forecastEnd)
        let rows = try await store.browser(userId: session.userId, deck: deck)
        let model = CardStats.build(log: log, dues: dues, rows: rows, scheduler: scheduler, calendar: calendar, today: today, now: now)
        let decks = try await store.decks(userId: session.userId).map { DeckOption(slug: $0, selected: $0 == deck) }
        return page(StatsPage(layout: views.layout(path: path, session: session), csrfToken: session.csrfToken, deck: deck ?? "", decks: decks,
                              stats: model),
                    template: "cards-stats")
    }

    // MARK: Anki export / import

    func export(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let path = req.uri.path + (req.uri.query.map { "?" + $0 } ?? "")
        let (session, _) = try await signedIn(ctx, next: path)
        let deck = try await deck(req.uri.queryParameters.get("deck"), userId: session.userId)
        let cards = try await store.exportCards(userId: session.userId, deck: deck)
        let text = AnkiText.export(cards.map { AnkiNote(guid: $0.contentId ?? $0.guid, front: $0.frontHtml, back: $0.backHtml,
                                                          deck: "Casebook::" + $0.deck, tags: $0.tags) })
        let name = "casebook-cards" + (deck.map { "-" + $0 } ?? "") + ".txt"
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `/cards/export.apkg` (`?deck=`): the same cards as an Anki package, which Anki and AnkiDroid import with one tap.
    func exportPackage(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let path = req.uri.path + (req.uri.query.map { "?" + $0 } ?? "")
        let (session, _) = try await signedIn(ctx, next: path)
        let deck = try await deck(req.uri.queryParameters.get("deck"), userId: session.userId)
        let cards = try await store.exportCards(userId: session.userId, deck: deck)
        let notes = cards.map { c in
            AnkiPackage.Note(
                guid: c.contentId ?? c.guid, deck: c.deck, frontHtml: c.frontHtml, backHtml: c.backHtml,
                source: Self.source(c), tags: c.tags.split(separator: " ").map(String.init))
        }
        // Writing the SQLite file and the zip is blocking work: off the event loop.
        let data = try await NIOThreadPool.singleton.runIfActive { try AnkiPackage.data(notes, now: Date()) }
        let name = "casebook-cards" + (deck.map { "-" + Self.fileSafe($0) } ?? "") + ".apkg"
        return Response(status: .ok, headers: [.contentType: "application/octet-stream",
                                               .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A weak-point card (tags `weak-point case:<slug> step:<step>`) offers a short re-drill of its step.
    static func redrill(_ card: CardRow) -> RedrillOffer? {
        let tags = card.tags.split(separator: " ").map(String.init)
        guard tags.contains("weak-point"),
            let slug = tags.first(where: { $0.hasPrefix("case:") })?.dropFirst(5),
            let step = tags.first(where: { $0.hasPrefix("step:") }).flatMap({ FrameworkStep(rawValue: String($0.dropFirst(5))) }),
            slugify(String(slug)) == String(slug)
        else { return nil }
        return RedrillOffer(url: "/cases/\(slug)/attempts", step: step.rawValue, title: "\(step.sectionTitle), \(step.suggestedMinutes) min")
    }

    /// Where a card comes from, as the Source field shows it on the phone.
    static func source(_ c: CardRow) -> String {
        c.contentId != nil ? "Casebook · \(c.deck)" : "Casebook · your own card (\(c.deck))"
    }

    /// A deck name as a file name: letters, digits and hyphens.
    static func fileSafe(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }).split(separator: "-").joined(separator: "-")
    }

    func importPage(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, _) = try await signedIn(ctx, next: "/cards/import")
        return page(ImportPage(layout: views.layout(path: "/cards/import", session: session), csrfToken: session.csrfToken, report: nil,
                               errors: []), template: "cards-import")
    }

    func importCards(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let (session, _) = try await signedIn(ctx, next: "/cards/import")
        let body = try await req.collectBody(upTo: maxBodyBytes)
        let type = req.headers[.contentType] ?? ""
        let text: String?
        if type.lowercased().hasPrefix("multipart/form-data") {
            text = MultipartField.value(of: "file", in: body, contentType: type)
        } else {
            text = FormFields(parsing: String(buffer: body))["text"]
        }
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AppError(.badRequest, "Choose a file to import (Anki plain text: a note per line, tab-separated); nothing was changed.")
        }
        let parsed = AnkiText.parse(text)
        let layout = views.layout(path: "/cards/import", session: session)
        guard parsed.errors.isEmpty else {
            return page(ImportPage(layout: layout, csrfToken: session.csrfToken, report: nil,
                                   errors: parsed.errors.map { ImportLineError(line: $0.line, message: $0.message) }),
                        template: "cards-import", status: .unprocessableContent)
        }
        // Imported HTML is never shown as is: it becomes plain text (kept as the card's Markdown source, so the card can
        // be edited like any other) and is rendered by the same safe Markdown renderer as hand-written cards.
        let cards = parsed.notes.map { n in
            let front = AnkiText.plainText(n.front), back = AnkiText.plainText(n.back)
            return ImportedCard(guid: n.guid, deck: n.deck, front: front, back: back, frontHtml: Self.html(front),
                                backHtml: Self.html(back), tags: n.tags, exportedFront: n.front, exportedBack: n.back)
        }
        let counts = try await store.importCards(userId: session.userId, cards, now: Date())
        return page(ImportPage(layout: layout, csrfToken: session.csrfToken,
                               report: ImportReport(added: counts.added, updated: counts.updated, skipped: counts.skipped), errors: []),
                    template: "cards-import")
    }
}
