import HTTPTypes
import Foundation
import Hummingbird
import Storage

/// Cookie names and attributes, decided once from the configuration.
struct CookieSettings: Sendable {
    /// `Secure` and the `__Host-` prefix (which browsers accept only on HTTPS, with `Path=/` and no `Domain`).
    let secure: Bool

    var sessionName: String { secure ? "__Host-casebook_session" : "casebook_session" }
    var csrfName: String { secure ? "__Host-casebook_csrf" : "casebook_csrf" }

    func session(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: sessionName, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func clearSession() -> Cookie {
        Cookie(name: sessionName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The anonymous double-submit token: a browser-session cookie, HttpOnly because forms carry it, not scripts.
    func csrf(_ token: String) -> Cookie {
        Cookie(name: csrfName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}

/// Resolves the session cookie to a signed-in user and puts it on the context. Requests without a cookie (every
/// anonymous page view) touch no database. Responses to signed-in users are marked `private, no-store`: they carry
/// per-user progress and CSRF tokens that no shared cache may keep.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: any SessionRepository
    let cookies: CookieSettings
    let idleTimeout: TimeInterval
    let trustForwardedFor: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor] {
            // The proxy appends the address it saw; earlier entries are whatever the client claimed.
            let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
            if let last, !last.isEmpty, last.count <= 64 { context.clientAddress = last }
        }
        var staleCookie = false
        if let token = request.cookies[cookies.sessionName]?.value, !token.isEmpty {
            let now = Date()
            do {
                if Tokens.isWellFormed(token),
                   let s = try await sessions.session(tokenHash: Tokens.sha256(token), now: now, idleTimeout: idleTimeout) {
                    context.session = CurrentSession(sessionId: s.id, userId: s.user.id, username: s.user.username,
                                                     csrfToken: s.csrfToken, timeZone: s.user.timeZone, dayStartHour: s.user.dayStartHour)
                    // One write a minute at most keeps idle expiry accurate without a write per request.
                    if now.timeIntervalSince(s.lastSeenAt) > 60 {
                        try await sessions.touchSession(id: s.id, userId: s.user.id, at: now)
                    }
                } else {
                    staleCookie = true
                }
            } catch {
                // This middleware sits outside the error pages: a database hiccup serves the page anonymously
                // (a state-changing request then fails its CSRF check) instead of an unrendered 500.
                context.logger.error("session lookup failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        if let token = request.cookies[cookies.csrfName]?.value, Tokens.isWellFormed(token) {
            context.anonymousCSRFToken = token
        }
        var response = try await next(request, context)
        let type = response.headers[.contentType] ?? ""
        if context.session != nil, response.headers[.cacheControl] == nil,
           type.hasPrefix("text/html") || type.hasPrefix("application/json") {
            response.headers[.cacheControl] = "private, no-store"
        }
        if staleCookie, !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(cookies.sessionName + "=") }) {
            response.setCookie(cookies.clearSession())
        }
        return response
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xCSRFToken = HTTPField.Name("X-CSRF-Token")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
