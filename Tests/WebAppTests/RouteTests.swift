import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebApp

@Suite struct RouteTests {
    @Test func homeListsStepsFoundationsAndCases() async throws {
        try await withApp { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(r.text.contains("The seven steps"))
                #expect(r.text.contains("href=\"/cases/video-recommendation\""))
                #expect(r.text.contains("href=\"/foundations/feature-stores\""))
                #expect(r.text.hasPrefix("<!doctype html>"))
            }
        }
    }

    @Test(arguments: ["/framework", "/foundations/embeddings-and-vector-search", "/cases/fraud-detection", "/glossary", "/compare", "/cases"])
    func contentPagesRender(path: String) async throws {
        try await withApp { client in
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok, "\(path)")
                #expect(r.text.contains("</html>"))
            }
        }
    }

    @Test func caseStudyPageHasTOCDiagramsReadingTimeAndNeighbours() async throws {
        try await withApp { client in
            try await client.execute(uri: "/cases/video-recommendation", method: .get) { r in
                let html = r.text
                #expect(html.contains("class=\"toc\""))
                #expect(html.contains("href=\"#clarifying-requirements\""))
                #expect(html.contains("<figure class=\"diagram\"><svg"))
                #expect(html.contains("min read"))
                #expect(html.contains("class=\"next\""))
                #expect(html.contains("<h1>Video recommendation</h1>"))
            }
        }
    }

    @Test func tagFilterNarrowsTheIndex() async throws {
        try await withApp { client in
            try await client.execute(uri: "/cases?tag=retrieval", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("href=\"/cases/video-recommendation\""))
                #expect(!r.text.contains("href=\"/cases/street-view-blurring\""))
            }
            try await client.execute(uri: "/cases?tag=no-such-tag", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("No case study is tagged"))
            }
            try await client.execute(uri: "/cases?tag=%3Cscript%3E", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(r.text.contains("lower-case"))
                #expect(!r.text.contains("<script>"))
            }
        }
    }

    @Test(arguments: ["/cases/no-such-case", "/foundations/nope", "/nope", "/cases/video-recommendation/extra"])
    func unknownPagesGetTheHTML404(path: String) async throws {
        try await withApp { client in
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .notFound)
                #expect(r.text.contains("Page not found"))
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
            }
        }
    }

    @Test(arguments: ["/../Package.swift", "/%2e%2e/Package.swift", "/css/../../Package.swift", "/css/%2E%2E/%2E%2E/README.md", "/css/..%2f..%2fPackage.swift"])
    func traversalGets404(path: String) async throws {
        try await withApp { client in
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .notFound, "\(path)")
                #expect(!r.text.contains("swift-tools-version"))
            }
        }
    }

    @Test func staticFilesAreCachedAndRevalidated() async throws {
        try await withApp { client in
            let etag = try await client.execute(uri: "/css/site.css?v=1", method: .get) { r -> String? in
                #expect(r.status == .ok)
                #expect(r.headers[.cacheControl]?.contains("max-age=31536000") == true)
                #expect(r.headers[.contentType]?.hasPrefix("text/css") == true)
                return r.headers[.eTag]
            }
            let tag = try #require(etag)
            try await client.execute(uri: "/css/site.css?v=1", method: .get, headers: [.ifNoneMatch: tag]) { r in
                #expect(r.status == .notModified)
            }
        }
    }

    @Test func pagesLinkVersionedAssets() async throws {
        try await withApp { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.text.range(of: #"/css/site\.css\?v=[0-9a-f]+"#, options: .regularExpression) != nil)
            }
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await withApp { client in
            for path in ["/", "/nope", "/css/site.css"] {
                try await client.execute(uri: path, method: .get) { r in
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("frame-ancestors 'none'"))
                    #expect(!csp.contains("unsafe-inline"))
                    #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                    #expect(r.headers[HTTPField.Name("Referrer-Policy")!] != nil)
                    #expect(r.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
                }
            }
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await withApp { client in
            let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: 70 * 1024)
            try await client.execute(uri: "/", method: .post, body: body) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
    }

    @Test func healthAndReadiness() async throws {
        try await withApp { client in
            try await client.execute(uri: "/healthz", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("\"ready\":true"))
            }
        }
    }

    @Test func noPageContainsInlineScriptOrStyle() async throws {
        try await withApp { client in
            for path in ["/", "/framework", "/cases/rag-assistant", "/glossary", "/nope"] {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(!r.text.contains("<script>"), "\(path)")
                    #expect(!r.text.contains("<style"), "\(path)")
                    #expect(!r.text.contains(" style=\""), "\(path)")
                }
            }
        }
    }
}

@Suite struct MetricsRouteTests {
    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await withApp { client in
            try await client.execute(uri: "/glossary", method: .get) { r in #expect(r.status == .ok) }
            // Router tests have no socket; the test config trusts X-Forwarded-For, so this is a loopback client.
            try await client.execute(uri: "/metrics", method: .get, headers: [.xForwardedFor: "127.0.0.1"]) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("hb_requests{http_route=\"/glossary\""))
                #expect(r.text.contains("http_server_request_duration_bucket"))
            }
            // Anyone else is refused, with a reason.
            try await client.execute(uri: "/metrics", method: .get, headers: [.xForwardedFor: "203.0.113.7"]) { r in
                #expect(r.status == .forbidden)
                #expect(!r.text.contains("hb_requests"))
            }
        }
    }

    @Test func withATokenMetricsNeedTheBearerHeader() async throws {
        try await withAccountsApp(configure: { $0.metricsToken = "a-long-metrics-token-0123" }) { client, _ in
            try await client.execute(uri: "/metrics", method: .get, headers: [.xForwardedFor: "127.0.0.1"]) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong-token-wrong-token"]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer a-long-metrics-token-0123"]) {
                #expect($0.status == .ok)
                #expect($0.text.contains("hb_requests"))
            }
        }
    }
}

@Suite struct ErrorPageTests {
    struct SecretFailure: Error, CustomStringConvertible {
        var description: String { "SELECT * FROM user -- /work/secret/path.swift:12" }
    }

    @Test func unexpectedErrorsGiveA500PageWithoutDetails() async throws {
        let services = try await SharedServices.shared.get()
        let router = buildRouter(services, config: makeTestConfig())
        router.get("/boom") { _, _ -> Response in throw SecretFailure() }
        router.get("/api/v1/boom") { _, _ -> Response in throw SecretFailure() }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { r in
                #expect(r.status == .internalServerError)
                #expect(r.text.contains("Something went wrong"))
                #expect(r.text.contains("Request id"))
                #expect(!r.text.contains("SELECT"))
                #expect(!r.text.contains("secret"))
            }
            try await client.execute(uri: "/api/v1/boom", method: .get) { r in
                #expect(r.status == .internalServerError)
                #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(!r.text.contains("SELECT"))
            }
        }
    }
}
