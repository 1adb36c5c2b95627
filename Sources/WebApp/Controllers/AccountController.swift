import Foundation
import Hummingbird
import Storage

/// Sign up, sign in, sign out, change password, delete account and download my data.
///
/// Wrong password and unknown username get the same page, the same status and one bcrypt verification each, so
/// neither the answer nor its timing tells whether an account exists. Sign-in and sign-up are throttled per client
/// address and (sign-in) per account name.
struct AccountController: Sendable {
    let accounts: AccountServices
    let views: Views
    let cookies: CookieSettings
    let config: AppConfiguration

    static let signInFailed = "That username and password do not match an account. Check both and try again."

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/signup") { req, ctx in try signUpForm(req, ctx) }
        router.post("/signup") { req, ctx in try await signUp(req, ctx) }
        router.get("/login") { req, ctx in try signInForm(req, ctx) }
        router.post("/login") { req, ctx in try await signIn(req, ctx) }
        router.get("/logout") { req, ctx in try signOutPage(req, ctx) }
        router.post("/logout") { req, ctx in try await signOut(req, ctx) }
        router.post("/logout/everywhere") { req, ctx in try await signOutEverywhere(req, ctx) }
        router.get("/me/account") { req, ctx in try await accountPage(req, ctx) }
        router.post("/me/password") { req, ctx in try await changePassword(req, ctx) }
        router.post("/me/delete") { req, ctx in try await deleteAccount(req, ctx) }
        router.get("/me/export") { req, ctx in try await export(req, ctx) }
    }

    // MARK: sign up

    func signUpForm(_ req: Request, _ ctx: AppRequestContext) throws -> Response {
        let next = SafeRedirect.path(req.uri.queryParameters.get("next"))
        if ctx.session != nil { return .redirect(to: next == "/" ? "/me" : next) }
        let (token, cookie) = formToken(ctx)
        let page = SignUpPage(layout: views.layout(path: "/signup"), csrfToken: token, next: next, loginURL: SafeRedirect.loginURL(next: next),
                              username: "", usernameError: nil, passwordError: nil)
        return html(page, template: "signup", cookie: cookie)
    }

    func signUp(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: config.maxBodyBytes)
        let next = SafeRedirect.path(form["next"])
        let policy = config.rateLimits
        if let wait = try await accounts.rateLimits.hit(bucket: Self.bucket("signup-ip", ctx.clientAddress ?? "unknown"),
                                                          limit: policy.signUpPerAddress, window: policy.signUpWindow, now: Date()) {
            throw AppError.tooManyAttempts(retryAfter: wait, what: "new accounts from this address")
        }
        let (username, usernameError) = Credentials.normalizeUsername(form["username"] ?? "")
        let password = form["password"] ?? ""
        let passwordError = usernameError == nil ? Credentials.passwordProblem(password, username: username) : nil
        func again(_ usernameError: String?, _ passwordError: String?) -> Response {
            let page = SignUpPage(layout: views.layout(path: "/signup", session: ctx.session), csrfToken: ctx.expectedCSRFToken ?? "",
                                  next: next, loginURL: SafeRedirect.loginURL(next: next), username: username,
                                  usernameError: usernameError, passwordError: passwordError)
            return html(page, template: "signup", status: .unprocessableContent)
        }
        if usernameError != nil || passwordError != nil { return again(usernameError, passwordError) }
        let hash = try await accounts.hasher.hash(password)
        let user: UserRecord
        do {
            user = try await accounts.users.createUser(username: username, passwordHash: hash, now: Date())
        } catch AccountStoreError.usernameTaken {
            return again("That username is taken. Choose another, or sign in if it is yours.", nil)
        }
        ctx.logger.info("account created", metadata: ["userId": "\(user.id)"])
        if let old = ctx.session { try await accounts.sessions.deleteSession(id: old.sessionId, userId: old.userId) }
        var response = Response.redirect(to: next == "/" ? "/me" : next)
        try await startSession(userId: user.id, response: &response)
        return response
    }

    // MARK: sign in

    func signInForm(_ req: Request, _ ctx: AppRequestContext) throws -> Response {
        let next = SafeRedirect.path(req.uri.queryParameters.get("next"))
        if ctx.session != nil { return .redirect(to: next) }
        let (token, cookie) = formToken(ctx)
        let page = SignInPage(layout: views.layout(path: "/login"), csrfToken: token, next: next,
                              signUpURL: next == "/" ? "/signup" : "/signup?next=" + SafeRedirect.queryEncode(next),
                              username: "", error: nil, askedToSignIn: next != "/",
                              signedOutEverywhere: req.uri.queryParameters.get("signedout") == "everywhere")
        return html(page, template: "login", cookie: cookie)
    }

    func signIn(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: config.maxBodyBytes)
        let next = SafeRedirect.path(form["next"])
        let policy = config.rateLimits
        let now = Date()
        if let wait = try await accounts.rateLimits.hit(bucket: Self.bucket("signin-ip", ctx.clientAddress ?? "unknown"),
                                                          limit: policy.signInPerAddress, window: policy.signInWindow, now: now) {
            throw AppError.tooManyAttempts(retryAfter: wait, what: "sign-in attempts from this address")
        }
        // Lower-cased but not validated: any string is looked up (and fails) the same way.
        let username = String((form["username"] ?? "").trimmingCharacters(in: .whitespaces).lowercased().prefix(64))
        let password = String((form["password"] ?? "").prefix(256))
        let accountBucket = Self.bucket("signin-user", username)
        if let wait = try await accounts.rateLimits.check(bucket: accountBucket, limit: policy.signInFailuresPerAccount,
                                                            window: policy.signInWindow, now: now) {
            throw AppError.tooManyAttempts(retryAfter: wait, what: "failed sign-ins for this account")
        }
        var matched: UserRecord?
        if let user = try await accounts.users.user(named: username) {
            if try await accounts.hasher.verify(password, hash: user.passwordHash) { matched = user }
        } else {
            try await accounts.hasher.verifyDummy(password)
        }
        guard let user = matched else {
            _ = try await accounts.rateLimits.hit(bucket: accountBucket, limit: policy.signInFailuresPerAccount,
                                                  window: policy.signInWindow, now: now)
            let page = SignInPage(layout: views.layout(path: "/login", session: ctx.session), csrfToken: ctx.expectedCSRFToken ?? "",
                                  next: next, signUpURL: "/signup", username: username, error: Self.signInFailed, askedToSignIn: false)
            return html(page, template: "login", status: .unauthorized)
        }
        try await accounts.rateLimits.reset(bucket: accountBucket)
        if let old = ctx.session { try await accounts.sessions.deleteSession(id: old.sessionId, userId: old.userId) }
        try await accounts.sessions.purgeExpiredSessions(now: now, idleTimeout: config.sessionIdleTimeout)
        var response = Response.redirect(to: next)
        try await startSession(userId: user.id, response: &response)
        return response
    }

    // MARK: sign out

    func signOutPage(_ req: Request, _ ctx: AppRequestContext) throws -> Response {
        guard let session = ctx.session else { return .redirect(to: "/") }
        let page = SignOutPage(layout: views.layout(path: "/logout", session: session), csrfToken: session.csrfToken, deleted: false)
        return html(page, template: "logout")
    }

    func signOut(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        if let s = ctx.session { try await accounts.sessions.deleteSession(id: s.sessionId, userId: s.userId) }
        var response = Response.redirect(to: "/")
        response.setCookie(cookies.clearSession())
        return response
    }

    /// Ends every session of the account, this one included (a lost phone, a shared computer).
    func signOutEverywhere(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        guard let s = ctx.session else { return .redirect(to: "/login") }
        try await accounts.sessions.deleteSessions(userId: s.userId, keeping: nil)
        ctx.logger.info("signed out everywhere", metadata: ["userId": "\(s.userId)"])
        var response = Response.redirect(to: "/login?signedout=everywhere")
        response.setCookie(cookies.clearSession())
        return response
    }

    // MARK: account settings

    func accountPage(_ req: Request, _ ctx: AppRequestContext, status: HTTPResponse.Status = .ok,
                     currentPasswordError: String? = nil, newPasswordError: String? = nil, deleteError: String? = nil) async throws -> Response {
        guard let session = ctx.session else { throw SignInRequired(next: "/me/account") }
        guard let user = try await accounts.users.user(id: session.userId) else { throw SignInRequired(next: "/me/account") }
        let notice: String? = switch req.uri.queryParameters.get("done") {
        case "password": "Your password has been changed. Other devices have been signed out."
        default: nil
        }
        let page = AccountPage(layout: views.layout(path: "/me/account", session: session), username: user.username,
                               memberSince: Self.dayFormatter.string(from: user.createdAt), csrfToken: session.csrfToken,
                               notice: status == .ok ? notice : nil, currentPasswordError: currentPasswordError,
                               newPasswordError: newPasswordError, deleteError: deleteError)
        return html(page, template: "account", status: status)
    }

    func changePassword(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        guard let session = ctx.session else { throw SignInRequired(next: "/me/account") }
        var req = req
        let form = try await FormFields.read(&req, limit: config.maxBodyBytes)
        guard let user = try await accounts.users.user(id: session.userId) else { throw SignInRequired(next: "/me/account") }
        guard try await checkPassword(form["current_password"] ?? "", of: user) else {
            return try await accountPage(req, ctx, status: .unprocessableContent,
                                         currentPasswordError: "That is not your current password.")
        }
        let new = form["new_password"] ?? ""
        if let problem = Credentials.passwordProblem(new, username: user.username) {
            return try await accountPage(req, ctx, status: .unprocessableContent, newPasswordError: problem)
        }
        try await accounts.users.updatePasswordHash(userId: user.id, passwordHash: try await accounts.hasher.hash(new))
        // Whoever else holds a session (a stolen cookie, a shared computer) is signed out; this device stays in.
        try await accounts.sessions.deleteSessions(userId: user.id, keeping: session.sessionId)
        return .redirect(to: "/me/account?done=password")
    }

    func deleteAccount(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        guard let session = ctx.session else { throw SignInRequired(next: "/me/account") }
        var req = req
        let form = try await FormFields.read(&req, limit: config.maxBodyBytes)
        guard let user = try await accounts.users.user(id: session.userId) else { throw SignInRequired(next: "/me/account") }
        guard try await checkPassword(form["password"] ?? "", of: user) else {
            return try await accountPage(req, ctx, status: .unprocessableContent,
                                         deleteError: "That is not your password, so nothing was deleted.")
        }
        try await accounts.users.deleteUser(userId: user.id)
        ctx.logger.info("account deleted", metadata: ["userId": "\(user.id)"])
        let page = SignOutPage(layout: views.layout(), csrfToken: nil, deleted: true)
        var response = html(page, template: "logout")
        response.setCookie(cookies.clearSession())
        return response
    }

    /// Verifies a password typed to confirm a sensitive action, counting failures against the account like sign-in,
    /// so a stolen session cannot be used to guess the password.
    func checkPassword(_ password: String, of user: UserRecord) async throws -> Bool {
        let policy = config.rateLimits
        let bucket = Self.bucket("signin-user", user.username)
        if let wait = try await accounts.rateLimits.check(bucket: bucket, limit: policy.signInFailuresPerAccount,
                                                            window: policy.signInWindow, now: Date()) {
            throw AppError.tooManyAttempts(retryAfter: wait, what: "wrong passwords for this account")
        }
        if try await accounts.hasher.verify(password, hash: user.passwordHash) { return true }
        _ = try await accounts.rateLimits.hit(bucket: bucket, limit: policy.signInFailuresPerAccount,
                                              window: policy.signInWindow, now: Date())
        return false
    }

    func export(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        guard let session = ctx.session else { throw SignInRequired(next: "/me/account") }
        let data = try await accounts.users.exportUser(userId: session.userId, now: Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(data)
        return Response(status: .ok, headers: [
            .contentType: "application/json; charset=utf-8",
            .contentDisposition: "attachment; filename=\"casebook-\(session.username)-data.json\"",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: helpers

    /// The token to put in a form: the session's, the anonymous cookie's, or a new one with the cookie to set.
    func formToken(_ ctx: AppRequestContext) -> (String, Cookie?) {
        if let token = ctx.expectedCSRFToken { return (token, nil) }
        let token = Tokens.random()
        return (token, cookies.csrf(token))
    }

    func startSession(userId: Int64, response: inout Response) async throws {
        let token = Tokens.random()
        let now = Date()
        _ = try await accounts.sessions.createSession(userId: userId, tokenHash: Tokens.sha256(token), csrfToken: Tokens.random(),
                                                      now: now, expiresAt: now.addingTimeInterval(config.sessionAbsoluteTimeout))
        response.setCookie(cookies.session(token, maxAge: Int(config.sessionAbsoluteTimeout)))
    }

    /// A rate-limit bucket name: the kind and a hash of the key, so the table stores no address or name in the clear.
    static func bucket(_ kind: String, _ key: String) -> String { kind + ":" + Tokens.sha256(key) }

    func html(_ model: Any, template: String, status: HTTPResponse.Status = .ok, cookie: Cookie? = nil) -> Response {
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: views.render(model, template: template))))
        if let cookie { response.setCookie(cookie) }
        return response
    }

    /// "3 March 2025" (a new formatter each call: `DateFormatter` is not `Sendable`, and this is not a hot path).
    static var dayFormatter: DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "d MMMM yyyy"
        return f
    }
}

/// The repositories and the password hasher the account, progress and dashboard controllers share.
public struct AccountServices: Sendable {
    /// Users.
    public let users: any UserRepository
    /// Sessions.
    public let sessions: any SessionRepository
    /// Throttling counters.
    public let rateLimits: any RateLimitStore
    /// Reading progress.
    public let progress: any ReadingProgressRepository
    /// bcrypt.
    public let hasher: any PasswordHasher

    /// The SQLite implementations over `database`.
    public init(database: AppDatabase, hasher: any PasswordHasher) {
        let store = SQLiteAccountStore(database)
        users = store
        sessions = store
        rateLimits = store
        progress = SQLiteReadingProgress(database)
        self.hasher = hasher
    }
}
