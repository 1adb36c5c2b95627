import Hummingbird
import KnowledgeBase
import Storage

/// Serves the reading pages. Every anonymous page is rendered once at startup into bytes (`AnonymousPages`); a request
/// is a lookup, and most never reach this controller (`EarlyPageHandler` answers them on the event loop, before the router).
/// A signed-in reader's home, case index and chapters are rendered per request instead, with their progress bars
/// and mark-as-read buttons (one indexed query plus a template render).
struct ContentController: Sendable {
    let kb: KnowledgeBase
    let views: Views
    let progress: any ReadingProgressRepository
    let catalog: ProgressCatalog
    /// Mock interviews: a case study's solution is folded until the signed-in reader has attempted it.
    let attempts: (any AttemptRepository)?
    private let pages: AnonymousPages
    private let accountPages: AccountPages

    init(kb: KnowledgeBase, views: Views, progress: any ReadingProgressRepository, catalog: ProgressCatalog,
         attempts: (any AttemptRepository)? = nil, pages: AnonymousPages, accountPages: AccountPages) {
        self.attempts = attempts
        self.kb = kb
        self.views = views
        self.progress = progress
        self.catalog = catalog
        self.pages = pages
        self.accountPages = accountPages
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        typealias Route = AnonymousPages.Route
        router.get(RouterPath(Route.home)) { _, ctx in
            guard let session = ctx.session else { return try page("/") }
            return try await personalHome(session)
        }
        router.get(RouterPath(Route.framework)) { _, ctx in try await chapter("/framework", ctx) }
        router.get(RouterPath(Route.foundation)) { _, ctx in
            try await chapter("/foundations/\(ctx.parameters.require("slug"))", ctx)
        }
        router.get(RouterPath(Route.caseStudy)) { _, ctx in
            try await chapter("/cases/\(ctx.parameters.require("slug"))", ctx)
        }
        router.get(RouterPath(Route.cases)) { req, ctx in
            let tag = req.uri.queryParameters.get("tag").flatMap { $0.isEmpty ? nil : String($0) }
            if let tag, !(tag.count <= 40 && slugify(tag) == tag) {
                throw AppError(.badRequest, "The tag filter must be lower-case words joined by hyphens, such as `ranking`.")
            }
            if let session = ctx.session {
                let read = try await progress.readSections(userId: session.userId)
                return Self.response(ByteBuffer(string: Self.cases(tag: tag, kb: kb, views: views, session: session,
                                                                   progress: (catalog, read))))
            }
            guard let tag else { return try page("/cases") }
            if let cached = pages["/cases?tag=\(tag)"] { return Self.response(cached.body) }
            // A well-formed tag that no case study uses: an empty list with a way back, not an error.
            return Self.response(ByteBuffer(string: Self.cases(tag: tag, kb: kb, views: views)))
        }
        // Anonymous or signed in, the glossary is pre-rendered (`pages`, `accountPages`), like /compare.
        router.get(RouterPath(Route.glossary)) { _, ctx in try await chapter("/glossary", ctx) }
        router.get(RouterPath(Route.compare)) { _, ctx in try await chapter("/compare", ctx) }
    }

    private func page(_ key: String) throws -> Response {
        guard let page = pages[key] else { throw AppError.notFound("There is no page at \(key).") }
        return Self.response(page.body)
    }

    private func chapter(_ url: String, _ ctx: AppRequestContext) async throws -> Response {
        guard let session = ctx.session, let doc = kb.document(at: url) else { return try page(url) }
        if let filled = accountPages.page(url, for: session) { return Self.response(ByteBuffer(string: filled)) }
        let read = catalog.sections[url] == nil ? [] : try await progress.readSections(userId: session.userId, documentUrl: url)
        var attemptCount: Int?
        if doc.kind == .caseStudy, let attempts {
            attemptCount = try await attempts.attempts(userId: session.userId, caseSlug: doc.slug, limit: 1000).count
        }
        return Self.response(ByteBuffer(string: Self.document(doc, kb: kb, views: views, catalog: catalog,
                                                              session: session, read: read, attemptCount: attemptCount)))
    }

    private func personalHome(_ session: CurrentSession) async throws -> Response {
        let read = try await progress.readSections(userId: session.userId)
        let latest = try await progress.latest(userId: session.userId)
        let resume = catalog.continueReading(latest: latest, read: read).flatMap { next -> ContinueModel? in
            guard let doc = kb.document(at: next.url) else { return nil }
            return ContinueModel(url: next.url + "#" + next.section.id, chapter: doc.title, section: next.section.title)
        }
        return Self.response(ByteBuffer(string: Self.home(kb: kb, views: views, session: session,
                                                          progress: (catalog, read), resume: resume)))
    }

    /// Content pages differ by cookie (anonymous bytes or a personal render), so caches must key on it.
    static func response(_ bytes: ByteBuffer) -> Response {
        Response(status: .ok, headers: pageHeaders, body: .init(byteBuffer: bytes))
    }

    static let pageHeaders: HTTPFields = [.contentType: "text/html; charset=utf-8", .vary: "Cookie"]

    // MARK: page builders

    static func tiles(_ docs: [Document], progress: (ProgressCatalog, [String: Set<String>])?) -> [TileModel] {
        docs.map { doc in
            guard let (catalog, read) = progress else { return TileModel(doc) }
            let c = catalog.count(doc.url, read: read[doc.url] ?? [])
            return TileModel(doc, progress: c.total > 0 ? ProgressModel(read: c.read, total: c.total) : nil)
        }
    }

    static func home(kb: KnowledgeBase, views: Views, session: CurrentSession? = nil,
                     progress: (ProgressCatalog, [String: Set<String>])? = nil, resume: ContinueModel? = nil) -> String {
        let steps = FrameworkStep.allCases.enumerated().map {
            StepModel(n: $0.offset + 1, id: $0.element.sectionId, title: $0.element.sectionTitle, minutes: $0.element.suggestedMinutes)
        }
        let model = HomePage(layout: views.layout(path: "/", session: session), steps: steps,
                             foundations: tiles(kb.documents(of: .foundation), progress: progress),
                             cases: tiles(kb.documents(of: .caseStudy), progress: progress),
                             signedIn: session != nil, resume: resume,
                             framework: progress.flatMap { catalog, read in
                                 let c = catalog.count("/framework", read: read["/framework"] ?? [])
                                 return c.total > 0 ? ProgressModel(read: c.read, total: c.total) : nil
                             })
        return views.render(model, template: "home")
    }

    static func document(_ doc: Document, kb: KnowledgeBase, views: Views, catalog: ProgressCatalog,
                         session: CurrentSession? = nil, read: Set<String> = [], attemptCount: Int? = nil) -> String {
        let siblings = kb.documents(of: doc.kind)
        let i = siblings.firstIndex { $0.url == doc.url } ?? 0
        let prev = i > 0 ? siblings[i - 1] : nil
        let next = i + 1 < siblings.count ? siblings[i + 1] : nil
        let nav: NavItem? = switch doc.kind {
        case .framework: .framework
        case .foundation: .foundations
        case .caseStudy: .cases
        case .compare: .compare
        case .glossary: .glossary
        }
        let parent: DocumentLink? = switch doc.kind {
        case .foundation: DocumentLink(url: "/#foundations", title: "Foundations")
        case .caseStudy: DocumentLink(url: "/cases", title: "Case studies")
        default: nil
        }
        let markable = Set((catalog.sections[doc.url] ?? []).map(\.id))
        let isChapter = !markable.isEmpty
        let count = catalog.count(doc.url, read: read)
        // A signed-in reader who has not tried this case study yet sees its seven step sections folded.
        let gated = session != nil && attemptCount == 0
        let stepIndices = doc.sections.indices.filter { doc.sections[$0].step != nil }
        let mock: MockInterviewModel? = doc.kind != .caseStudy ? nil : MockInterviewModel(
            startURL: doc.url + "/attempts", csrfToken: session?.csrfToken,
            signInURL: session == nil ? SafeRedirect.loginURL(next: doc.url) : nil,
            historyURL: (attemptCount ?? 0) > 0 ? doc.url + "/attempts" : nil, attempts: attemptCount ?? 0,
            minutes: InterviewGuide.totalMinutes)
        let model = DocumentPage(
            layout: views.layout(nav: nav, path: doc.url, session: session), url: doc.url, title: doc.title, summary: doc.summary,
            minutes: doc.minutes, difficulty: doc.difficulty, tags: doc.tags, hasCards: !doc.cards.isEmpty, cardCount: doc.cards.count,
            toc: doc.toc.map { TOCItem($0, read: read) },
            sections: doc.sections.enumerated().map { i, s in
                SectionModel(html: s.html, id: s.id, title: s.title, markable: session != nil && markable.contains(s.id),
                             read: read.contains(s.id), gateStart: gated && i == stepIndices.first,
                             gateEnd: gated && i == stepIndices.last)
            },
            sectionLink: parent,
            previous: prev.map { DocumentLink(url: $0.url, title: $0.title) },
            next: next.map { DocumentLink(url: $0.url, title: $0.title) },
            csrfToken: session?.csrfToken,
            progress: session != nil && isChapter ? ProgressModel(read: count.read, total: count.total) : nil,
            signInToTrack: session == nil && isChapter ? SafeRedirect.loginURL(next: doc.url) : nil,
            mockInterview: mock)
        return views.render(model, template: "document")
    }

    static func cases(tag: String?, kb: KnowledgeBase, views: Views, session: CurrentSession? = nil,
                      progress: (ProgressCatalog, [String: Set<String>])? = nil) -> String {
        let all = kb.documents(of: .caseStudy)
        let shown = tag.map { t in all.filter { $0.tags.contains(t) } } ?? all
        let path = tag.map { "/cases?tag=\($0)" } ?? "/cases"
        let model = CasesPage(layout: views.layout(nav: .cases, path: path, session: session), tag: tag,
                              tags: kb.caseStudyTags.map { TagModel(name: $0, active: $0 == tag) },
                              cases: tiles(shown, progress: progress))
        return views.render(model, template: "cases")
    }

    static func glossary(kb: KnowledgeBase, views: Views, session: CurrentSession? = nil) -> String {
        let grouped = Dictionary(grouping: kb.glossary) { t in
            t.term.first.map { $0.isLetter ? String($0).uppercased() : "#" } ?? "#"
        }
        let letters = grouped.keys.sorted()
        let groups = letters.map { letter in
            LetterGroup(letter: letter, terms: grouped[letter]!.map { t in
                TermModel(id: t.id, term: t.term, definitionHTML: t.definitionHTML, hasUsage: !t.usedIn.isEmpty,
                          usedIn: t.usedIn.enumerated().map {
                              UsageModel(url: $0.element.url, title: $0.element.title, last: $0.offset == t.usedIn.count - 1)
                          })
            })
        }
        let intro = kb.document(at: "/glossary")?.html ?? ""
        return views.render(GlossaryPage(layout: views.layout(nav: .glossary, path: "/glossary", session: session), termCount: kb.glossary.count,
                                         letters: letters, groups: groups, introHTML: intro), template: "glossary")
    }
}
