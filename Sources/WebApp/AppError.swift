import Foundation
import Hummingbird

/// An error a user can act on: a status and a message safe to show. Everything else becomes a generic 500.
public struct AppError: HTTPResponseError, Sendable {
    /// HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, shown to the user.
    public var message: String
    /// For API errors: the offending parameter.
    public var parameter: String?
    /// For API errors: what the parameter accepts.
    public var allowed: String?
    /// For 429 and 503: seconds until trying again makes sense (sent as `Retry-After`).
    public var retryAfter: Int?

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ message: String, parameter: String? = nil, allowed: String? = nil,
                retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.parameter = parameter
        self.allowed = allowed
        self.retryAfter = retryAfter
    }

    /// Thrown through the middleware, it is rendered by `ErrorPageMiddleware`; this is only a fallback.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: message)))
    }

    /// 404 with the standard wording.
    public static func notFound(_ what: String = "That page does not exist.") -> AppError { AppError(.notFound, what) }
}

/// Thrown by a handler that needs a signed-in user. `ErrorPageMiddleware` turns it into a redirect to the sign-in
/// page that returns to `next` afterwards (401 JSON under `/api/`).
public struct SignInRequired: Error, Sendable {
    /// The local path to come back to.
    public var next: String
    /// Creates the error.
    public init(next: String) { self.next = next }
}

extension AppError {
    /// 429 whose message names the wait in words and whose `Retry-After` header gives it in seconds.
    static func tooManyAttempts(retryAfter seconds: TimeInterval, what: String) -> AppError {
        let wait = max(1, Int(seconds.rounded(.up)))
        let words = wait < 90 ? "\(wait) seconds" : "\(Int((Double(wait) / 60).rounded(.up))) minutes"
        return AppError(.tooManyRequests, "Too many \(what). Please wait \(words) and try again.", retryAfter: wait)
    }
}
