import Foundation
import Hummingbird

/// Refuses every state-changing request (anything but GET, HEAD, OPTIONS) that does not carry the expected token:
/// the session's token when signed in, else the anonymous double-submit cookie's. The token comes from the
/// `X-CSRF-Token` header (fetch) or the `csrf_token` form field (URL-encoded or multipart). A refused request never
/// reaches a handler, so it changes nothing.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBodyBytes: Int

    static let fieldName = "csrf_token"
    static let message = "This form has expired or did not come from Casebook, so nothing was changed. Go back, reload the page and try again."

    /// POST endpoints exempt from the token check because they neither use the session nor change state.
    static let statelessPaths: Set<String> = ["/api/v1/recommendations"]
    /// `/api/v1/cases/{slug}/interviewer`: answers a question from content, reading no session and writing nothing
    /// but its rate-limit count.
    static func isStateless(_ path: String) -> Bool {
        if statelessPaths.contains(path) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[1] == "api" && parts[2] == "v1" && parts[3] == "cases" && parts[5] == "interviewer"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options: return try await next(request, context)
        default: break
        }
        // Stateless endpoints that read no session and write nothing: a forged request can do no harm, and API
        // clients (curl, schemathesis) have no cookie to pair a token with.
        if Self.isStateless(request.uri.path) { return try await next(request, context) }
        // Browsers say when a request comes from another site; such a request is never legitimate here.
        if request.headers[.secFetchSite] == "cross-site" { throw AppError(.forbidden, Self.message) }
        guard let expected = context.expectedCSRFToken else { throw AppError(.forbidden, Self.message) }
        var request = request
        var supplied = request.headers[.xCSRFToken]
        if supplied == nil {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            if type.hasPrefix("application/x-www-form-urlencoded") {
                supplied = try await FormFields.read(&request, limit: maxBodyBytes)[Self.fieldName]
            } else if type.hasPrefix("multipart/form-data") {
                let body = try await request.collectBody(upTo: maxBodyBytes)
                supplied = MultipartField.value(of: Self.fieldName, in: body, contentType: request.headers[.contentType] ?? "")
            }
        }
        guard let supplied, Tokens.constantTimeEquals(supplied, expected) else { throw AppError(.forbidden, Self.message) }
        return try await next(request, context)
    }
}
