import Hummingbird

/// An error a user can act on: a status and a message safe to show. Everything else becomes a generic 500.
public struct AppError: HTTPResponseError, Sendable {
    /// HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, shown to the user.
    public var message: String
    /// For API errors: the offending parameter and what it accepts.
    public var parameter: String?
    public var allowed: String?

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ message: String, parameter: String? = nil, allowed: String? = nil) {
        self.status = status
        self.message = message
        self.parameter = parameter
        self.allowed = allowed
    }

    /// Thrown through the middleware, it is rendered by `ErrorPageMiddleware`; this is only a fallback.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: message)))
    }

    /// 404 with the standard wording.
    public static func notFound(_ what: String = "That page does not exist.") -> AppError { AppError(.notFound, what) }
}
