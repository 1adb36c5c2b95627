import HTTPTypes
import Hummingbird

/// Security headers and the request id on every response, errors included (it sits outside the error middleware).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Behind TLS (`--secure-cookies`): browsers are told to use HTTPS only, for a year.
    var strictTransportSecurity = false

    /// No inline script or style anywhere: all JavaScript and CSS come from `Public/`.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers, requestId: context.id, hsts: strictTransportSecurity)
        return response
    }

    /// Adds the headers; `EarlyPageHandler` uses it too, for the pages it answers before the router.
    static func apply(to headers: inout HTTPFields, requestId: String, hsts: Bool) {
        if hsts { headers[.strictTransportSecurity] = "max-age=31536000" }
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        headers[.xFrameOptions] = "DENY"
        headers[.xRequestId] = requestId
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xRequestId = HTTPField.Name("X-Request-Id")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
