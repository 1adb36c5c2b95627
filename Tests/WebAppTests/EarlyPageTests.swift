import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing
@testable import WebApp

/// `EarlyPageHandler` answers pre-rendered pages on the event loop, before the router. These tests run the real
/// server (`makeApplication`, on a socket): it must give what the router gives, step aside for every request the
/// router would answer differently, and never put a response out of order.
@Suite struct EarlyPageTests {
    /// The headers a test can compare: the request id differs per request by design, and the date by the second.
    static func comparable(_ headers: HTTPFields) -> [String] {
        headers.filter { $0.name != .xRequestId && $0.name != .date }.map { "\($0.name.canonicalName): \($0.value)" }.sorted()
    }

    static func server() async throws -> some ApplicationProtocol {
        let services = try await SharedServices.shared.get()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return makeApplication(services.with(database: try AppDatabase.inMemory(migrations: services.migrations)),
                               config: makeTestConfig(), logger: logger)
    }

    @Test func everyPageMatchesWhatTheRouterServes() async throws {
        let services = try await SharedServices.shared.get()
        let pages = AnonymousPages(kb: services.knowledgeBase, views: services.views, catalog: ProgressCatalog(kb: services.knowledgeBase))
        let targets = pages.targets.sorted()
        // Home, glossary, case index, every document but the glossary's, and one per case-study tag.
        #expect(targets.count == 3 + services.knowledgeBase.documents.filter { $0.kind != .glossary }.count
            + services.knowledgeBase.caseStudyTags.count)
        // The same router behind Hummingbird's own HTTP/1 channel, where every request is routed.
        let routed = Application(router: buildRouter(services, config: makeTestConfig()), server: .http1(),
                                 configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "Casebook"))
        let expected = try await routed.test(.live) { client in
            var expected: [String: (HTTPResponse.Status, [String], ByteBuffer)] = [:]
            for target in targets {
                expected[target] = try await client.execute(uri: target, method: .get) { r in (r.status, Self.comparable(r.headers), r.body) }
            }
            return expected
        }
        try await Self.server().test(.live) { client in
            for target in targets {
                try await client.execute(uri: target, method: .get) { r in
                    let (status, headers, body) = try #require(expected[target])
                    #expect(r.status == .ok && status == .ok, "\(target)")
                    #expect(Self.comparable(r.headers) == headers, "\(target)")
                    #expect(r.headers[.xRequestId]?.isEmpty == false, "\(target)")
                    #expect(r.headers[.date]?.hasSuffix(" GMT") == true, "\(target)")
                    #expect(r.body == body, "\(target)")
                }
            }
        }
    }

    @Test func requestsThatAreNotPlainAnonymousGetsAreRouted() async throws {
        try await Self.server().test(.live) { client in
            // A stale session cookie is cleared by the session middleware: only the router does that.
            try await client.execute(uri: "/cases/video-recommendation", method: .get,
                                     headers: [.cookie: "casebook_session=\(String(repeating: "a", count: 43))"]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[values: .setCookie].contains { $0.hasPrefix("casebook_session=") })
            }
            // Other cookies are no reason to leave the early path, and get the same page.
            let plain = try await client.execute(uri: "/compare", method: .get) { $0.body }
            try await client.execute(uri: "/compare", method: .get, headers: [.cookie: "theme=dark"]) { r in
                #expect(r.status == .ok)
                #expect(r.body == plain)
            }
            try await client.execute(uri: "/cases/video-recommendation", method: .head) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentSecurityPolicy] != nil)
                #expect(r.body.readableBytes == 0)
            }
            // A well-formed tag that no page was rendered for, a malformed one and an extra query are the router's.
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

    @Test func earlyPagesAreCountedInMetrics() async throws {
        let count = Self.compareCount
        try await Self.server().test(.live) { client in
            let before = try await client.execute(uri: "/metrics", method: .get) { count($0.text) }
            for _ in 0..<3 { try await client.execute(uri: "/compare", method: .get) { #expect($0.status == .ok) } }
            let after = try await client.execute(uri: "/metrics", method: .get) { count($0.text) }
            // Other tests in this process may read /compare at the same time, so at least these three.
            #expect(after >= before + 3)
        }
    }

    /// Pipelined requests on one connection: a routed request, then a page, then a routed one. The page must not
    /// overtake the request before it, and the connection must carry on after it.
    @Test func pipelinedResponsesKeepRequestOrder() async throws {
        try await Self.server().test(.live) { client in
            let port = try #require(client.port)
            let requests = ["/api/v1/recsys/status", "/compare", "/api/v1/recsys/status", "/compare"]
                .map { "GET \($0) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" }.joined()
            let reply = try RawHTTP.exchange(port: port, send: requests, responses: 4)
            let order = reply.map { $0.body.hasPrefix("<!doctype html>") ? "page" : ($0.body.hasPrefix("{") ? "json" : "other") }
            #expect(order == ["json", "page", "json", "page"])
            #expect(reply.allSatisfy { $0.status == 200 })
        }
    }

    /// The raw client reaches a server on either family, so no test depends on how `/etc/hosts` maps `localhost`:
    /// a listener bound to `::1` alone and one bound to `127.0.0.1` alone are each reached by address.
    @Test(arguments: ["::1", "127.0.0.1"]) func rawClientReachesEitherAddressFamily(address: String) throws {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var storage = sockaddr_storage()
        var length: socklen_t
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            inet_pton(AF_INET6, address, &a.sin6_addr)
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = inet_addr(address)
            withUnsafeBytes(of: a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0, "cannot bind \(address): is the loopback of that family up?")
        try #require(listen(fd, 1) == 0)
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) } }
        let port = withUnsafeBytes(of: actual) { raw -> Int in
            // The port sits at the same offset in sockaddr_in and sockaddr_in6.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)))
        }
        let client = try RawHTTP.connect(host: address, port: port)
        close(client)
    }

    @Test func dateHeaderIsIMFFixdate() {
        var t = time_t(784_111_777)  // RFC 9110's example instant
        #expect(HTTPDateCache.format(&t) == "Sun, 06 Nov 1994 08:49:37 GMT")
        var leap = time_t(1_709_164_800)  // 2024-02-29, a single-digit hour and minute
        #expect(HTTPDateCache.format(&leap) == "Thu, 29 Feb 2024 00:00:00 GMT")
    }
}

/// A bare HTTP/1.1 client on a blocking socket, for what HTTP clients hide: several requests in one write.
enum RawHTTP {
    /// Connects as a client would: every address `host` resolves to (IPv6 and IPv4, `AF_UNSPEC`), in order, until
    /// one accepts. HummingbirdTesting binds `localhost`, which `/etc/hosts` may map to `::1`, `127.0.0.1` or both.
    static func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(first) }
        var tried: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let ai = next {
            next = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            tried.append(ai.pointee.ai_family == AF_INET6 ? "IPv6" : "IPv4")
            close(fd)
        }
        throw Failure(description: "connect to \(host):\(port) failed (tried \(tried.joined(separator: ", ")))")
    }

    struct Reply {
        var status: Int
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `send` in one write, then reads until `responses` complete responses (all with Content-Length) arrive.
    static func exchange(port: Int, host: String = "localhost", send: String, responses: Int) throws -> [Reply] {
        let fd = try connect(host: host, port: port)
        defer { close(fd) }
        let bytes = Array(send.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw Failure(description: "short write") }
        var received: [UInt8] = []
        var replies: [Reply] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while replies.count < responses {
            if let (reply, used) = parse(received) {
                replies.append(reply)
                received.removeFirst(used)
                continue
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "connection ended after \(replies.count) responses") }
            received += buffer[0..<n]
        }
        return replies
    }

    /// One response from the front of `bytes`, and how many bytes it took; nil while incomplete.
    static func parse(_ bytes: [UInt8]) -> (Reply, Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = (0...max(0, bytes.count - 4)).first(where: { bytes.count >= 4 && Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self).split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
        }.first ?? 0
        let total = headEnd + 4 + length
        guard bytes.count >= total else { return nil }
        return (Reply(status: status, body: String(decoding: bytes[(headEnd + 4)..<total], as: UTF8.self)), total)
    }
}
