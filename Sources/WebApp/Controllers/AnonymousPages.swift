import Dispatch
import HTTPTypes
import Hummingbird
import KnowledgeBase
import Metrics
import Synchronization

/// The reading pages as an anonymous visitor sees them, rendered once at startup on every core. Each is keyed by the
/// request target that asks for it (`/cases/fraud-detection`, `/cases?tag=ranking`) and remembers the route pattern
/// it is served under, for metrics.
struct AnonymousPages: Sendable {
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

/// Answers an anonymous GET of a pre-rendered page before the router and its middleware chain, with the same bytes
/// and headers that chain would give; anything else goes on to `next`. On two cores the chain (trie lookup, seven
/// middleware, a `stat` by the static-file middleware) was a measurable share of serving a page: see BENCHMARKS.md.
///
/// Only requests the chain would answer with the plain page qualify: method GET, no session cookie (a signed-in or
/// stale session gets its own render or a cleared cookie), no request body, and a target that matches a page
/// exactly. Everything unusual (a trailing slash, an extra query, HEAD) takes the ordinary path.
struct AnonymousPageResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == AppRequestContext {
    typealias Context = AppRequestContext
    let pages: AnonymousPages
    let sessionCookieName: String
    let next: Next
    private let metrics: PageMetrics

    init(pages: AnonymousPages, sessionCookieName: String, next: Next) {
        self.pages = pages
        self.sessionCookieName = sessionCookieName
        self.next = next
        metrics = PageMetrics(routes: Set(pages.targets.compactMap { pages[$0]?.route }))
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get, let page = pages[request.uri.description], isAnonymous(request),
              request.headers[.contentLength] == nil, request.headers[.transferEncoding] == nil
        else { return try await next.respond(to: request, context: context) }
        let started = DispatchTime.now().uptimeNanoseconds
        var headers = ContentController.pageHeaders
        SecurityHeadersMiddleware.apply(to: &headers, requestId: context.id)
        let response = Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: page.body))
        metrics.record(route: page.route, nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        return response
    }

    /// No cookie, or cookies without the session's: what `SessionMiddleware` would treat as anonymous without
    /// touching the database or the response.
    private func isAnonymous(_ request: Request) -> Bool {
        guard let cookie = request.headers[.cookie] else { return true }
        return !cookie.contains(sessionCookieName)
    }
}

/// The request count and latency `MetricsMiddleware` records for a GET answered 200, under the same labels, with the
/// metric handles made once instead of looked up per request. The latency stops when the response is handed to the
/// server rather than after it is written (Hummingbird keeps its post-write hook to itself).
private struct PageMetrics: Sendable {
    private let byRoute: [String: (Counter, Timer)]

    init(routes: Set<String>) {
        _ = AppMetrics.shared  // bootstraps swift-metrics first, or these handles would be no-ops for good
        var byRoute: [String: (Counter, Timer)] = [:]
        for route in routes {
            let dimensions = [("http.route", route), ("http.request.method", "GET"), ("http.response.status_code", "200")]
            byRoute[route] = (Counter(label: "hb.requests", dimensions: dimensions),
                              Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds))
        }
        self.byRoute = byRoute
    }

    func record(route: String, nanoseconds: UInt64) {
        guard let (counter, timer) = byRoute[route] else { return }
        counter.increment()
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}
