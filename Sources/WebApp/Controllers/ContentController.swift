import Hummingbird
import KnowledgeBase

/// Serves the reading pages. Every anonymous page is rendered once at startup into bytes; a request is a lookup.
struct ContentController: Sendable {
    let kb: KnowledgeBase
    let views: Views
    private let pages: [String: ByteBuffer]

    init(kb: KnowledgeBase, views: Views) {
        self.kb = kb
        self.views = views
        var pages: [String: ByteBuffer] = [:]
        pages["/"] = ByteBuffer(string: Self.home(kb: kb, views: views))
        for doc in kb.documents where doc.kind != .glossary {
            pages[doc.url] = ByteBuffer(string: Self.document(doc, kb: kb, views: views))
        }
        pages["/glossary"] = ByteBuffer(string: Self.glossary(kb: kb, views: views))
        pages["/cases"] = ByteBuffer(string: Self.cases(tag: nil, kb: kb, views: views))
        for tag in kb.caseStudyTags {
            pages["/cases?tag=\(tag)"] = ByteBuffer(string: Self.cases(tag: tag, kb: kb, views: views))
        }
        self.pages = pages
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { _, _ in try page("/") }
        router.get("/framework") { _, _ in try page("/framework") }
        router.get("/foundations/:slug") { _, ctx in
            try page("/foundations/\(ctx.parameters.require("slug"))")
        }
        router.get("/cases/:slug") { _, ctx in
            try page("/cases/\(ctx.parameters.require("slug"))")
        }
        router.get("/cases") { req, _ in
            guard let tag = req.uri.queryParameters.get("tag"), !tag.isEmpty else { return try page("/cases") }
            guard tag.count <= 40, slugify(tag) == tag else {
                throw AppError(.badRequest, "The tag filter must be lower-case words joined by hyphens, such as `ranking`.")
            }
            if let cached = pages["/cases?tag=\(tag)"] { return Self.response(cached) }
            // A well-formed tag that no case study uses: an empty list with a way back, not an error.
            return Self.response(ByteBuffer(string: Self.cases(tag: tag, kb: kb, views: views)))
        }
        router.get("/glossary") { _, _ in try page("/glossary") }
        router.get("/compare") { _, _ in try page("/compare") }
    }

    private func page(_ key: String) throws -> Response {
        guard let bytes = pages[key] else { throw AppError.notFound("There is no page at \(key).") }
        return Self.response(bytes)
    }

    static func response(_ bytes: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: bytes))
    }

    // MARK: page builders

    static func home(kb: KnowledgeBase, views: Views) -> String {
        let steps = FrameworkStep.allCases.enumerated().map {
            StepModel(n: $0.offset + 1, id: $0.element.sectionId, title: $0.element.sectionTitle, minutes: $0.element.suggestedMinutes)
        }
        let model = HomePage(layout: views.layout(), steps: steps,
                             foundations: kb.documents(of: .foundation).map(TileModel.init),
                             cases: kb.documents(of: .caseStudy).map(TileModel.init))
        return views.render(model, template: "home")
    }

    static func document(_ doc: Document, kb: KnowledgeBase, views: Views) -> String {
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
        let model = DocumentPage(
            layout: views.layout(nav: nav), title: doc.title, summary: doc.summary, minutes: doc.minutes,
            difficulty: doc.difficulty, tags: doc.tags, hasCards: !doc.cards.isEmpty, cardCount: doc.cards.count,
            toc: doc.toc.map(TOCItem.init), sections: doc.sections.map { SectionModel(html: $0.html) },
            sectionLink: parent,
            previous: prev.map { DocumentLink(url: $0.url, title: $0.title) },
            next: next.map { DocumentLink(url: $0.url, title: $0.title) })
        return views.render(model, template: "document")
    }

    static func cases(tag: String?, kb: KnowledgeBase, views: Views) -> String {
        let all = kb.documents(of: .caseStudy)
        let shown = tag.map { t in all.filter { $0.tags.contains(t) } } ?? all
        let model = CasesPage(layout: views.layout(nav: .cases), tag: tag,
                              tags: kb.caseStudyTags.map { TagModel(name: $0, active: $0 == tag) },
                              cases: shown.map(TileModel.init))
        return views.render(model, template: "cases")
    }

    static func glossary(kb: KnowledgeBase, views: Views) -> String {
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
        return views.render(GlossaryPage(layout: views.layout(nav: .glossary), termCount: kb.glossary.count,
                                         letters: letters, groups: groups, introHTML: intro), template: "glossary")
    }
}
