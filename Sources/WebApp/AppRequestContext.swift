import Hummingbird

/// The per-request context. The logger it carries is tagged with the request id, so every log line has it.
public struct AppRequestContext: RequestContext {
    /// Hummingbird's own storage (logger, parameters, endpoint).
    public var coreContext: CoreRequestContextStorage
    /// Largest body a handler may collect.
    public var maxUploadSize: Int { 1 << 20 }

    /// Creates the context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
