import Dispatch
import Hummingbird
import KnowledgeBase
import Synchronization

/// The reading pages as an anonymous visitor sees them, rendered once at startup on every core. Each is keyed by the
/// request target that asks for it (`/cases/fraud-detection`, `/cases?tag=ranking`) and remembers the route pattern
/// it is served under, for metrics.
public struct AnonymousPages: Sendable {
    struct Page: Sendable {
        /// The HTML.
        let body: ByteBuffer
        /// The router's pattern for this page (`/cases/{slug}`), the `http.route` of its metrics.
        let route: String
    }

    /// The route patterns of the content pages, registered by `ContentController` under the same strings.
    enum Route {
        static let home = "/"
        static let framework = "/framework"
        static let foundation = "/foundations/:slug"
        static let caseStudy = "/cases/:slug"
        static let cases = "/cases"
        static let glossary = "/glossary"
        static let compare = "/compare"

        static func of(_ doc: Document) -> String {
            switch doc.kind {
            case .framework: framework
            case .foundation: foundation
            case .caseStudy: caseStudy
            case .compare: compare
            case .glossary: glossary
            }
        }
    }

    private let pages: [String: Page]

    init(kb: KnowledgeBase, views: Views, catalog: ProgressCatalog) {
        // Rendered on every core: this is a fifth of the cold start when done one page after another.
        var jobs: [(target: String, route: String, render: @Sendable () -> String)] = [
            ("/", Route.home, { ContentController.home(kb: kb, views: views) }),
            ("/glossary", Route.glossary, { ContentController.glossary(kb: kb, views: views) }),
            ("/cases", Route.cases, { ContentController.cases(tag: nil, kb: kb, views: views) }),
        ]
        for doc in kb.documents where doc.kind != .glossary {
            jobs.append((doc.url, Route.of(doc), { ContentController.document(doc, kb: kb, views: views, catalog: catalog) }))
        }
        for tag in kb.caseStudyTags {
            jobs.append(("/cases?tag=\(tag)", Route.cases, { ContentController.cases(tag: tag, kb: kb, views: views) }))
        }
        let rendered = Mutex<[String: Page]>([:])
        let work = jobs
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let page = Page(body: ByteBuffer(string: work[i].render()), route: RouterPath(work[i].route).description)
            rendered.withLock { $0[work[i].target] = page }
        }
        pages = rendered.withLock { $0 }
    }

    /// The page at exactly this request target, if one was rendered.
    subscript(target: String) -> Page? { pages[target] }

    /// Every request target with a page.
    var targets: [String] { Array(pages.keys) }
}

/// The pages whose signed-in version differs from the anonymous one only in the header's account menu (the
/// glossary, and documents without markable sections or a mock interview, such as the comparison table). Each is
/// rendered once with marks in place of the username and the session's CSRF token; a request fills them in. The
/// glossary took 45 ms of CPU to render per request (157 terms through Mustache and reflection); this takes
/// microseconds. A test checks every such page against a full render.
public struct AccountPages: Sendable {
    static let usernameMark = "\u{1}casebook-username\u{1}"
    static let tokenMark = "\u{1}casebook-csrf\u{1}"
    private let skeletons: [String: String]

    init(kb: KnowledgeBase, views: Views, catalog: ProgressCatalog) {
        let marked = CurrentSession(sessionId: 0, userId: 0, username: Self.usernameMark, csrfToken: Self.tokenMark,
                                    timeZone: "UTC", dayStartHour: 0)
        var skeletons = ["/glossary": ContentController.glossary(kb: kb, views: views, session: marked)]
        for doc in kb.documents where Self.dependsOnlyOnAccount(doc, catalog: catalog) {
            skeletons[doc.url] = ContentController.document(doc, kb: kb, views: views, catalog: catalog, session: marked)
        }
        self.skeletons = skeletons
    }

    /// No sections to mark read (so no progress bar or forms) and no mock interview (so no attempt count or fold).
    static func dependsOnlyOnAccount(_ doc: Document, catalog: ProgressCatalog) -> Bool {
        doc.kind != .glossary && doc.kind != .caseStudy && (catalog.sections[doc.url] ?? []).isEmpty
    }

    /// The page at `url` for this session, if it is one of these pages.
    func page(_ url: String, for session: CurrentSession) -> String? {
        skeletons[url].map {
            $0.replacingAll(Self.usernameMark, with: escapeHTML(session.username))
                .replacingAll(Self.tokenMark, with: escapeHTML(session.csrfToken))
        }
    }

    /// Every URL with a page.
    var urls: [String] { Array(skeletons.keys) }
}
