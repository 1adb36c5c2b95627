import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error into a page a person can act on: HTML for the site, JSON under `/api/`. A 5xx is logged at
/// error level with the request id; its details (stack, SQL, paths) never reach the response.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let signIn as SignInRequired {
            if request.uri.path.hasPrefix("/api/") {
                return Self.json(.unauthorized, ["error": "Sign in first."], retryAfter: nil)
            }
            return Response.redirect(to: SafeRedirect.loginURL(next: signIn.next), type: .normal)
        } catch {
            let (status, message, parameter, allowed) = Self.describe(error)
            let retryAfter = (error as? AppError)?.retryAfter ?? (status == .serviceUnavailable ? 5 : nil)
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            } else if Self.isClientFault(error) {
                // The client's doing (a broken body, a hang-up mid-upload): worth a line, not an alert or a 5xx.
                context.logger.notice("request body not received whole", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            if request.uri.path.hasPrefix("/api/") {
                var object: [String: String] = ["error": message]
                if let parameter { object["parameter"] = parameter }
                if let allowed { object["allowed"] = allowed }
                return Self.json(status, object, retryAfter: retryAfter)
            }
            let page = ErrorPage(layout: views.layout(path: request.uri.path, session: context.session), status: Int(status.code), heading: Self.heading(status),
                                 message: message, requestId: context.id)
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
            if let retryAfter { headers[.retryAfter] = String(retryAfter) }
            return Response(status: status, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: views.render(page, template: "error"))))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: String], retryAfter: Int?) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String, String?, String?) {
        if let e = error as? AppError { return (e.status, e.message, e.parameter, e.allowed) }
        if let e = error as? HTTPError {
            return (e.status, e.body ?? defaultMessage(e.status), nil, nil)
        }
        if let e = error as? any HTTPResponseError { return (e.status, defaultMessage(e.status), nil, nil) }
        if error is HTTPParserError {
            return (.badRequest, "The request was malformed (for example a broken chunked body), so nothing was changed.", nil, nil)
        }
        if isClientFault(error) {
            return (.badRequest, "The connection closed before the request arrived whole, so nothing was changed.", nil, nil)
        }
        return (.internalServerError, defaultMessage(.internalServerError), nil, nil)
    }

    /// Errors that come from how the client sent the request, not from the server: a body the HTTP parser refused,
    /// or a connection that closed while the body was being read.
    static func isClientFault(_ error: any Error) -> Bool {
        if error is HTTPParserError { return true }
        if let e = error as? ChannelError {
            switch e {
            case .ioOnClosedChannel, .inputClosed, .eof, .outputClosed, .alreadyClosed: return true
            default: return false
            }
        }
        return error is CancellationError
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "The request was malformed."
        case 403: "You are not allowed to do that."
        case 404: "There is nothing at this address. It may have moved, or the link may be mistyped."
        case 405: "That method is not allowed here."
        case 413: "The request body is too large."
        case 429: "Too many requests. Please wait a moment and try again."
        case 503: "The service is starting up. Please try again in a few seconds."
        default: status.code >= 500 ? "Something went wrong on our side. It has been logged; please try again." : status.reasonPhrase
        }
    }

    static func heading(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "Page not found"
        case 400: "Bad request"
        case 403: "Forbidden"
        case 413: "Too large"
        case 429: "Slow down"
        case 500...: "Something went wrong"
        default: status.reasonPhrase
        }
    }
}
