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
