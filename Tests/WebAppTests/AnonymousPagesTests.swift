import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebApp

/// `AnonymousPageResponder` answers pre-rendered pages before the router: it must give what the router gives, and
/// step aside for every request the router would answer differently.
@Suite struct AnonymousPagesTests {
    /// The headers a test can compare: the request id differs per request by design.
    static func comparable(_ headers: HTTPFields) -> [String] {
        headers.filter { $0.name != .xRequestId }.map { "\($0.name.canonicalName): \($0.value)" }.sorted()
    }

    @Test func everyPageMatchesWhatTheRouterServes() async throws {
        let services = try await SharedServices.shared.get()
        let config = makeTestConfig()
        let pages = AnonymousPages(kb: services.knowledgeBase, views: services.views, catalog: ProgressCatalog(kb: services.knowledgeBase))
        let targets = pages.targets.sorted()
        // Home, glossary, case index, every document but the glossary's, and one per case-study tag.
        #expect(targets.count == 3 + services.knowledgeBase.documents.filter { $0.kind != .glossary }.count
            + services.knowledgeBase.caseStudyTags.count)
        let viaRouter = Application(router: buildRouter(services, config: config))
        let viaResponder = Application(responder: buildResponder(services, config: config))
        let expected = try await viaRouter.test(.router) { client in
            var expected: [String: (HTTPResponse.Status, [String], ByteBuffer)] = [:]
            for target in targets {
                expected[target] = try await client.execute(uri: target, method: .get) { r in (r.status, Self.comparable(r.headers), r.body) }
            }
            return expected
        }
        try await viaResponder.test(.router) { client in
            for target in targets {
                try await client.execute(uri: target, method: .get) { r in
                    let (status, headers, body) = try #require(expected[target])
                    #expect(r.status == .ok && status == .ok, "\(target)")
                    #expect(Self.comparable(r.headers) == headers, "\(target)")
                    #expect(r.headers[.xRequestId]?.isEmpty == false, "\(target)")
                    #expect(r.body == body, "\(target)")
                }
            }
        }
    }

    @Test func requestsThatAreNotPlainAnonymousGetsTakeTheRouter() async throws {
        try await withApp { client in
            // A stale session cookie is cleared by the session middleware: only the router does that.
            try await client.execute(uri: "/cases/video-recommendation", method: .get,
                                     headers: [.cookie: "casebook_session=\(String(repeating: "a", count: 43))"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[values: .setCookie].contains { $0.hasPrefix("casebook_session=") })
            }
            // HEAD, an unknown tag and an extra query are the router's to answer.
            try await client.execute(uri: "/cases/video-recommendation", method: .head) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentSecurityPolicy] != nil)
                #expect(r.body.readableBytes == 0)
            }
            try await client.execute(uri: "/cases?tag=no-such-tag", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("no-such-tag"))
            }
            try await client.execute(uri: "/cases?tag=Bad%20Tag", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/cases/video-recommendation?utm=x", method: .get) { r in #expect(r.status == .ok) }
            // A GET with a body over the limit (64 KB in tests) is refused by the request-limits middleware, not served.
            try await client.execute(uri: "/cases/video-recommendation", method: .get,
                                     body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 65 * 1024)) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
    }

    /// The `/compare` 200s in a Prometheus text page, such as
    /// `hb_requests{http_route="/compare",http_request_method="GET",http_response_status_code="200"} 3`.
    static func compareCount(_ text: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/compare\"")
            && $0.contains("http_response_status_code=\"200\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test func pagesAnsweredEarlyAreCountedInMetrics() async throws {
        let count = Self.compareCount
        try await withApp { client in
            let before = try await client.execute(uri: "/metrics", method: .get) { count($0.text) }
            for _ in 0..<3 { try await client.execute(uri: "/compare", method: .get) { #expect($0.status == .ok) } }
            let after = try await client.execute(uri: "/metrics", method: .get) { count($0.text) }
            // Other tests in this process may read /compare at the same time, so at least these three.
            #expect(after >= before + 3)
        }
    }
}
