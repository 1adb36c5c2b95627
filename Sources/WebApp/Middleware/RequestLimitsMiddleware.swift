import Hummingbird

/// Refuses bodies over the configured size (413) and paths that try to climb out of a folder (404), before any
/// handler or the static file server sees them.
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw AppError(.contentTooLarge, "The request body is \(length) bytes; the limit is \(maxBodyBytes) bytes.")
        }
        let raw = request.uri.path
        let decoded = raw.removingPercentEncoding ?? raw
        if decoded.contains("..") || decoded.contains("\0") || decoded.contains("\\") {
            throw AppError.notFound()
        }
        return try await next(request, context)
    }
}
