import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// HTTP/1.1 set up as Hummingbird's `HTTP1Channel` does it, with one more handler just before the async bridge:
/// `EarlyPageHandler`, which answers plain anonymous GETs of pre-rendered pages on the event loop. Such a request
/// never becomes a `Request`, a task or a trip through the router; on two cores the hop to Swift concurrency's pool
/// and back was the largest cost left in serving a page (see BENCHMARKS.md). Everything else reaches `responder`.
struct CasebookHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let earlyPages: EarlyPages
    /// Seconds a request's head and body may take to arrive (`RequestDeadlineHandler`).
    let requestDeadline: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false,
                                                     withOutboundHeaderValidation: false, withEncoderConfiguration: .init(),
                                                     withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(RequestDeadlineHandler(deadline: .seconds(Int64(requestDeadline))))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            // The idle timeout and keep-alive bookkeeping sees every request, early pages included.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
            try pipeline.addHandler(EarlyPageHandler(pages: earlyPages))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

/// What `EarlyPageHandler` needs: the pages, how to tell an anonymous request, and the headers the app adds.
struct EarlyPages: Sendable {
    let pages: AnonymousPages
    let sessionCookieName: String
    let serverName: String
    let metrics: PageMetrics
    /// `Strict-Transport-Security` on these pages too, when serving behind TLS.
    var hsts = false

    init(pages: AnonymousPages, sessionCookieName: String, serverName: String) {
        self.pages = pages
        self.sessionCookieName = sessionCookieName
        self.serverName = serverName
        metrics = PageMetrics(routes: Set(pages.targets.compactMap { pages[$0]?.route }))
    }

    /// The page for this request head if the router would answer it with the plain pre-rendered page: a GET of
    /// exactly a page's target, no session cookie (a signed-in or stale session gets its own render or a cleared
    /// cookie), no body, and no `Connection` header but `keep-alive` (a closing connection takes the ordinary path).
    func page(for head: HTTPRequest) -> AnonymousPages.Page? {
        guard head.method == .get, let target = head.path, let page = pages[target] else { return nil }
        let fields = head.headerFields
        guard fields[.contentLength] == nil, fields[.transferEncoding] == nil else { return nil }
        if let connection = fields[.connection], connection.lowercased() != "keep-alive" { return nil }
        if let cookie = fields[.cookie], cookie.contains(sessionCookieName) { return nil }
        return page
    }
}

/// Answers early pages with the bytes and headers the router would give them (tested side by side), and passes
/// every other request on. Responses must leave in request order: while any passed-on request is still unanswered
/// (HTTP pipelining), a page request is passed on too, and its body parts follow it. The body is the page's shared
/// buffer, not a copy.
final class EarlyPageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let pages: EarlyPages
    /// Requests passed on whose response has not ended yet.
    private var unanswered = 0
    /// Whether the rest of the current request (its `.end`) is ours to drop, having answered its head.
    private var answeredCurrent = false
    private var date = HTTPDateCache()

    init(pages: EarlyPages) { self.pages = pages }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // Not while the socket's send buffer is full: the router's path waits for the client to read, and so
            // a client that pipelines requests without reading the answers cannot pile responses up in memory.
            if unanswered == 0, context.channel.isWritable, let page = pages.page(for: head) {
                answeredCurrent = true
                respond(context: context, page: page)
                return
            }
            answeredCurrent = false
            unanswered += 1
        case .body:
            if answeredCurrent { return }
        case .end:
            if answeredCurrent {
                answeredCurrent = false
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    private func respond(context: ChannelHandlerContext, page: AnonymousPages.Page) {
        let started = DispatchTime.now().uptimeNanoseconds
        var fields = ContentController.pageHeaders
        SecurityHeadersMiddleware.apply(to: &fields, requestId: RequestID().description, hsts: pages.hsts)
        fields[.contentLength] = String(page.body.readableBytes)
        fields[.date] = date.now()
        fields[.server] = pages.serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(page.body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        pages.metrics.record(route: page.route, nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
    }
}

/// The `Date` header (RFC 9110 IMF-fixdate), formatted once a second per connection.
struct HTTPDateCache {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        var t = time(nil)
        if Int(t) != second {
            second = Int(t)
            text = Self.format(&t)
        }
        return text
    }

    static func format(_ t: inout time_t) -> String {
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
    }
}

/// The request count and latency Hummingbird's `MetricsMiddleware` records for a GET answered 200, under the same
/// labels, so `/metrics` counts early pages with the rest. The handles are made once, not looked up per request.
struct PageMetrics: Sendable {
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
