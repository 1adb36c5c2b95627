import Foundation
import Hummingbird
import Mustache

/// The Mustache templates and the versioned asset URLs, loaded once at startup.
public struct Views: Sendable {
    /// Templates every page needs; startup fails if one is missing, naming it.
    public static let required = ["layout", "home", "case-tile", "document", "cases", "glossary", "error", "try", "try-warming",
                                  "login", "signup", "logout", "account", "dashboard", "search",
                                  "attempt-editor", "attempt-review", "attempt-history"]
        + ["cards-nav", "cards-review", "cards-settings", "cards-stats", "cards-mine", "cards-fields", "cards-edit", "cards-import"]

    let library: MustacheLibrary
    /// Asset URLs with a content hash, so they can be cached for a year.
    public let assets: Assets

    /// Loads the templates in `directory` and hashes the assets in `publicDirectory`.
    public init(templatesDirectory: URL, publicDirectory: URL) async throws {
        guard FileManager.default.fileExists(atPath: templatesDirectory.path) else {
            throw StartupError("templates directory \(templatesDirectory.path) not found")
        }
        library = try await MustacheLibrary(directory: templatesDirectory.path)
        for name in Self.required where library.getTemplate(named: name) == nil {
            throw StartupError("template \(templatesDirectory.path)/\(name).mustache is missing")
        }
        assets = try Assets(publicDirectory: publicDirectory)
    }

    /// Renders `template` with `model` into an HTML string.
    public func render(_ model: Any, template: String) -> String {
        library.render(TemplateValue.convert(model), withTemplate: template) ?? ""
    }

    /// The layout values every page shares. `path` is where "Sign in" returns to; `session` fills the account menu.
    func layout(nav: NavItem? = nil, query: String = "", path: String = "/", session: CurrentSession? = nil) -> LayoutModel {
        LayoutModel(css: assets.url("css/site.css"), js: assets.url("js/app.js"), icon: assets.url("img/icon.svg"),
                    query: query, nav: nav, account: session.map { AccountNav(username: $0.username, csrfToken: $0.csrfToken) },
                    signInURL: SafeRedirect.loginURL(next: path))
    }
}

/// Which main navigation item is current.
enum NavItem { case framework, foundations, cases, glossary, compare, tryIt }

/// The signed-in user's corner of the header: a link to the dashboard and a sign-out form.
struct AccountNav {
    let username: String
    let csrfToken: String
}

/// What the layout template reads.
struct LayoutModel {
    let css: String
    let js: String
    let icon: String
    let query: String
    let account: AccountNav?
    let signInURL: String
    let navFramework: Bool, navFoundations: Bool, navCases: Bool, navGlossary: Bool, navCompare: Bool, navTry: Bool
    init(css: String, js: String, icon: String, query: String, nav: NavItem?, account: AccountNav?, signInURL: String) {
        self.css = css
        self.js = js
        self.icon = icon
        self.query = query
        self.account = account
        self.signInURL = signInURL
        navFramework = nav == .framework
        navFoundations = nav == .foundations
        navCases = nav == .cases
        navGlossary = nav == .glossary
        navCompare = nav == .compare
        navTry = nav == .tryIt
    }
}

/// Content hashes of the files in `Public/`, for cache-busting URLs such as `/css/site.css?v=3f2a9c1e`.
public struct Assets: Sendable {
    private let versions: [String: String]

    /// Hashes every file under `publicDirectory`.
    public init(publicDirectory: URL) throws {
        guard FileManager.default.fileExists(atPath: publicDirectory.path) else {
            throw StartupError("public directory \(publicDirectory.path) not found")
        }
        var versions: [String: String] = [:]
        let base = publicDirectory.standardizedFileURL.path
        if let e = FileManager.default.enumerator(at: publicDirectory, includingPropertiesForKeys: nil) {
            for case let url as URL in e {
                guard let data = try? Data(contentsOf: url) else { continue }
                let rel = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                versions[rel] = String(String(h, radix: 16).prefix(10))
            }
        }
        self.versions = versions
    }

    /// The versioned URL of `path` (relative to `Public/`).
    public func url(_ path: String) -> String {
        "/\(path)" + (versions[path].map { "?v=\($0)" } ?? "")
    }
}

/// A configuration or environment problem that stops startup, with a message for the operator.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

/// An HTML page as a response.
struct HTML: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let body: String
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
