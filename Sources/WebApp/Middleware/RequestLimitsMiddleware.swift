import Hummingbird

/// Refuses bodies over the configured size (413) and paths that try to climb out of a folder (404), before any
/// handler or the static file server sees them. A path starting with "//" is a 404 too: the static file server would
/// answer `GET //api` with `Location: //api/`, which a browser reads as another host.
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw AppError(.contentTooLarge, "The request body is \(length) bytes; the limit is \(maxBodyBytes) bytes.")
        }
        let raw = request.uri.path
        if raw.utf8.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) { throw AppError.notFound() }
        if Self.climbs(raw.utf8) || (raw.utf8.contains(UInt8(ascii: "%")) && Self.climbs((raw.removingPercentEncoding ?? raw).utf8)) {
            throw AppError.notFound()
        }
        return try await next(request, context)
    }

    /// True if the path holds "..", a NUL or a backslash. A byte scan: this runs on every request, and Foundation's
    /// substring search was a visible share of serving a pre-rendered page.
    static func climbs(_ path: String.UTF8View) -> Bool {
        var previousDot = false
        for b in path {
            if b == 0 || b == UInt8(ascii: "\\") { return true }
            let dot = b == UInt8(ascii: ".")
            if dot && previousDot { return true }
            previousDot = dot
        }
        return false
    }
}
