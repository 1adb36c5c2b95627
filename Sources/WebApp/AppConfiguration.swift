import Foundation
import Logging
import Recommender

/// Everything the server needs to know at startup. Flags, then `CASEBOOK_*` variables, then these defaults.
public struct AppConfiguration: Sendable {
    /// Address to bind.
    public var host: String = "127.0.0.1"
    /// Port to bind (0 picks a free one).
    public var port: Int = 8080
    /// Where the SQLite database and caches live.
    public var dataDirectory: URL = URL(fileURLWithPath: "data")
    /// The Markdown content.
    public var contentDirectory: URL = URL(fileURLWithPath: "Content")
    /// Static assets.
    public var publicDirectory: URL = URL(fileURLWithPath: "Public")
    /// Mustache templates.
    public var templatesDirectory: URL = URL(fileURLWithPath: "Templates")
    /// Numbered SQL migrations.
    public var migrationsDirectory: URL = URL(fileURLWithPath: "Migrations")
    /// Log level.
    public var logLevel: Logger.Level = .info
    /// Largest request body accepted; larger gets 413.
    public var maxBodyBytes: Int = 1 << 20
    /// Seconds a connection may sit idle before it is closed (slow or stalled clients).
    public var idleTimeoutSeconds: Int = 30
    /// Seconds a request's head and body may take to arrive in total; past it, 408 and the connection is closed.
    public var requestDeadlineSeconds: Int = 30
    /// Most connections open at once; further ones wait in the listen backlog.
    public var maxConnections: Int = 1024
    /// Largest total size of a request's headers.
    public var maxHeaderBytes: Int = 16 * 1024
    /// On SIGTERM/SIGINT: how long in-flight requests may take to finish before the server stops anyway.
    public var shutdownGraceSeconds: Int = 10
    /// Keep the database in memory (tests).
    public var inMemoryDatabase: Bool = false
    /// The synthetic world trained when no saved model exists.
    public var recsysWorld = WorldConfig()
    /// How that world is trained.
    public var recsysTraining = TrainingConfig()

    /// The grader's sentence-embedding model (`scripts/fetch-model.sh` puts it here).
    public var modelDirectory: URL = URL(fileURLWithPath: "data/model/all-MiniLM-L6-v2")
    /// The rubrics' embedded model statements, cached by content hash.
    public var graderCacheDirectory: URL { dataDirectory.appendingPathComponent("cache/grader") }

    /// Where the trained recommender lives (`<data>/recsys/model`, as `casebook recsys train` writes it).
    public var recsysModelDirectory: URL { dataDirectory.appendingPathComponent("recsys/model") }
    /// Serving behind TLS: cookies get `Secure` (and the `__Host-` prefix). Off by default because the default
    /// server listens on plain HTTP on loopback, where a browser would drop `Secure` cookies.
    public var secureCookies: Bool = false
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy you run, which sets it).
    public var trustForwardedFor: Bool = false
    /// `/metrics` answers requests carrying `Authorization: Bearer <token>`; without a token, only loopback clients
    /// that no proxy relayed (issue 18: the metrics name every route and its traffic).
    public var metricsToken: String?
    /// bcrypt cost (log2 rounds). 12 costs about a quarter of a second per sign-in on one core here; tests use 4.
    public var bcryptCost: UInt8 = 12
    /// A session unused this long is over.
    public var sessionIdleTimeout: TimeInterval = 7 * 86_400
    /// A session is over this long after sign-in, however active.
    public var sessionAbsoluteTimeout: TimeInterval = 30 * 86_400
    /// Sign-in and sign-up throttling.
    public var rateLimits: RateLimitPolicy = .init()

    /// Defaults, with every folder resolved against `root` (the repository checkout).
    public init(root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        dataDirectory = root.appendingPathComponent("data")
        contentDirectory = root.appendingPathComponent("Content")
        publicDirectory = root.appendingPathComponent("Public")
        templatesDirectory = root.appendingPathComponent("Templates")
        migrationsDirectory = root.appendingPathComponent("Migrations")
    }
}

/// How many sign-in and sign-up attempts are allowed, per client address and per account, in fixed windows.
public struct RateLimitPolicy: Sendable {
    /// Sign-in attempts per client address per window.
    public var signInPerAddress: Int = 20
    /// Failed sign-ins per username per window (an unknown username counts the same as a real one).
    public var signInFailuresPerAccount: Int = 6
    /// Window for sign-in limits, seconds.
    public var signInWindow: TimeInterval = 15 * 60
    /// Accounts created per client address per window.
    public var signUpPerAddress: Int = 5
    /// Window for the sign-up limit, seconds.
    public var signUpWindow: TimeInterval = 3600
    /// Questions to the interviewer per client address (or account) per window: each embeds a sentence.
    public var interviewerQuestions: Int = 120
    /// Window for the interviewer limit, seconds.
    public var interviewerWindow: TimeInterval = 60
    /// Defaults.
    public init() {}
}
