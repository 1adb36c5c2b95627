import Hummingbird
import NIOCore

/// The per-request context. The logger it carries is tagged with the request id, so every log line has it.
public struct AppRequestContext: RequestContext {
    /// Hummingbird's own storage (logger, parameters, endpoint).
    public var coreContext: CoreRequestContextStorage
    /// Largest body a handler may collect.
    public var maxUploadSize: Int { 1 << 20 }
    /// The peer address of the connection (nil in router tests); `SessionMiddleware` may replace it with the
    /// forwarded address when configured to trust a proxy.
    public var clientAddress: String?
    /// The signed-in user and session, set by `SessionMiddleware`; nil for anonymous requests.
    public var session: CurrentSession?
    /// The anonymous CSRF cookie's value, if the browser sent a well-formed one.
    public var anonymousCSRFToken: String?

    /// Creates the context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The CSRF token a state-changing request must carry: the session's when signed in, else the anonymous cookie's.
    var expectedCSRFToken: String? { session?.csrfToken ?? anonymousCSRFToken }
}

/// The signed-in user, as handlers see it.
public struct CurrentSession: Sendable {
    /// Session row id.
    public var sessionId: Int64
    /// The user's id.
    public var userId: Int64
    /// The user's name.
    public var username: String
    /// The token every form of this session carries.
    public var csrfToken: String
    /// The user's IANA time zone, for study days.
    public var timeZone: String
    /// The local hour at which the user's study day starts.
    public var dayStartHour: Int
}
