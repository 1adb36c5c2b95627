import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import WebApp

/// A tiny browser for router tests: keeps cookies, sends forms, reads CSRF tokens out of pages. One per simulated
/// person; used sequentially inside one test.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The client address this browser appears to come from (sent as X-Forwarded-For).
    var address: String

    init(_ client: any TestClientProtocol, address: String = "198.51.100.\(Int.random(in: 1...250))") {
        self.client = client
        self.address = address
    }

    var signedIn: Bool { cookies["casebook_session"] != nil }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    func headers(_ extra: HTTPFields = [:]) -> HTTPFields {
        var h = extra
        h[HTTPField.Name("X-Forwarded-For")!] = address
        if !cookies.isEmpty { h[.cookie] = cookieHeader }
        return h
    }

    @discardableResult
    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        let r = try await client.executeRequest(uri: uri, method: .get, headers: headers(extra), body: nil)
        absorb(r)
        return r
    }

    /// Posts a URL-encoded form. `csrf: nil` sends no token field at all.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var h = headers(extra)
        h[.contentType] = "application/x-www-form-urlencoded"
        let body = fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        let r = try await client.executeRequest(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
        absorb(r)
        return r
    }

    /// Posts with the CSRF token of the current page state (fetched from `page`).
    @discardableResult
    func submit(_ uri: String, _ fields: [(String, String)], tokenFrom page: String? = nil) async throws -> TestResponse {
        let token = try await csrfToken(from: page ?? (signedIn ? "/me" : "/login"))
        return try await post(uri, [("csrf_token", token)] + fields)
    }

    func csrfToken(from page: String = "/login") async throws -> String {
        let r = try await get(page)
        guard let token = Self.csrfToken(in: r.text) else {
            throw TestFailure("no csrf_token on \(page) (status \(r.status))")
        }
        return token
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf_token" value="([A-Za-z0-9_-]+)""#, options: .regularExpression) else { return nil }
        let match = String(html[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    func absorb(_ r: TestResponse) {
        for raw in r.headers[values: .setCookie] {
            let first = raw.split(separator: ";").first.map(String.init) ?? ""
            guard let eq = first.firstIndex(of: "=") else { continue }
            let name = String(first[..<eq]), value = String(first[first.index(after: eq)...])
            if value.isEmpty || raw.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    static func encode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Signs up (and so signs in) as `username`.
    @discardableResult
    func signUp(_ username: String, password: String = "correct horse battery") async throws -> TestResponse {
        let r = try await submit("/signup", [("username", username), ("password", password)], tokenFrom: "/signup")
        guard r.status == .seeOther else { throw TestFailure("sign-up of \(username) failed: \(r.status) \(r.text.prefix(400))") }
        return r
    }

    @discardableResult
    func signIn(_ username: String, password: String = "correct horse battery", next: String? = nil) async throws -> TestResponse {
        var fields = [("username", username), ("password", password)]
        if let next { fields.append(("next", next)) }
        return try await submit("/login", fields, tokenFrom: signedIn ? "/me" : "/login")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension TestResponse {
    var location: String? { headers[.location] }
}
