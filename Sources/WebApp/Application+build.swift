import Foundation
import Hummingbird
import KnowledgeBase
import Logging
import Storage

/// What the running app holds: loaded once at startup, shared read-only by every request.
public struct AppServices: Sendable {
    /// Rendered content.
    public let knowledgeBase: KnowledgeBase
    /// The SQLite database.
    public let database: AppDatabase
    /// Templates and assets.
    public let views: Views
    /// The migrations on disk.
    public let migrations: MigrationRunner
    /// Users, sessions, throttling, reading progress and the password hasher.
    public let accounts: AccountServices
    /// Full-text index of the content, built at startup.
    public let searchIndex: SearchIndex
    /// Features that plug into the dashboard, the streak and search (flashcards, attempts).
    public var hooks: LearnerHooks

    /// Creates the services.
    public init(knowledgeBase: KnowledgeBase, database: AppDatabase, views: Views, migrations: MigrationRunner,
                accounts: AccountServices, searchIndex: SearchIndex, hooks: LearnerHooks = LearnerHooks()) {
        self.knowledgeBase = knowledgeBase
        self.database = database
        self.views = views
        self.migrations = migrations
        self.accounts = accounts
        self.searchIndex = searchIndex
        self.hooks = hooks
    }

    /// The same content, templates and index over another database (tests give each app a fresh one).
    public func with(database: AppDatabase) -> AppServices {
        AppServices(knowledgeBase: knowledgeBase, database: database, views: views, migrations: migrations,
                    accounts: AccountServices(database: database, hasher: accounts.hasher), searchIndex: searchIndex, hooks: hooks)
    }
}

/// Loads content, templates and the database. Any problem stops startup with a message naming what to fix.
public func loadServices(_ config: AppConfiguration, logger: Logger) async throws -> AppServices {
    let start = ContinuousClock.now
    let kb = try KnowledgeBase.load(from: config.contentDirectory,
                                    diagramCache: config.inMemoryDatabase ? nil : config.dataDirectory.appendingPathComponent("cache/diagrams"))
    let contentTime = ContinuousClock.now - start
    let migrations = try MigrationRunner(directory: config.migrationsDirectory)
    let database = config.inMemoryDatabase
        ? try AppDatabase.inMemory(migrations: migrations)
        : try AppDatabase.open(directory: config.dataDirectory, migrations: migrations)
    let views = try await Views(templatesDirectory: config.templatesDirectory, publicDirectory: config.publicDirectory)
    let searchIndex = try SearchIndex(kb: kb)
    logger.info("content loaded", metadata: [
        "documents": "\(kb.documents.count)", "cards": "\(kb.cards.count)",
        "diagrams": "\(kb.documents.map(\.diagramCount).reduce(0, +))", "glossary": "\(kb.glossary.count)",
        "searchEntries": "\(searchIndex.count)",
        "ms": "\(contentTime.components.seconds * 1000 + contentTime.components.attoseconds / 1_000_000_000_000_000)",
    ])
    let accounts = AccountServices(database: database, hasher: BcryptPasswordHasher(cost: config.bcryptCost))
    try await accounts.sessions.purgeExpiredSessions(now: Date(), idleTimeout: config.sessionIdleTimeout)
    return AppServices(knowledgeBase: kb, database: database, views: views, migrations: migrations,
                       accounts: accounts, searchIndex: searchIndex)
}

/// Builds the router: middleware from the outside in, then every controller's routes.
public func buildRouter(_ services: AppServices, config: AppConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let cookies = CookieSettings(secure: config.secureCookies)
    let catalog = ProgressCatalog(kb: services.knowledgeBase)
    router.add(middleware: SecurityHeadersMiddleware())
    // Outside the error pages, so that an error page knows who is signed in (its header shows the account menu).
    router.add(middleware: SessionMiddleware(sessions: services.accounts.sessions, cookies: cookies,
                                             idleTimeout: config.sessionIdleTimeout, trustForwardedFor: config.trustForwardedFor))
    router.add(middleware: ErrorPageMiddleware(views: services.views))
    router.add(middleware: RequestLimitsMiddleware(maxBodyBytes: config.maxBodyBytes))
    router.add(middleware: FileMiddleware(
        config.publicDirectory.path,
        cacheControl: .init([
            (.textCss, [.public, .maxAge(31_536_000), .immutable]),
            (.textJavascript, [.public, .maxAge(31_536_000), .immutable]),
            (.imageSvg, [.public, .maxAge(31_536_000), .immutable]),
            (.imagePng, [.public, .maxAge(31_536_000), .immutable]),
        ]),
        searchForIndexHtml: false))
    // After the static files (GETs, never state-changing) and before every handler.
    router.add(middleware: CSRFMiddleware(maxBodyBytes: config.maxBodyBytes))
    ContentController(kb: services.knowledgeBase, views: services.views, progress: services.accounts.progress, catalog: catalog)
        .addRoutes(to: router)
    AccountController(accounts: services.accounts, views: services.views, cookies: cookies, config: config).addRoutes(to: router)
    ProgressController(progress: services.accounts.progress, catalog: catalog, maxBodyBytes: config.maxBodyBytes).addRoutes(to: router)
    DashboardController(kb: services.knowledgeBase, views: services.views, accounts: services.accounts, catalog: catalog,
                        hooks: services.hooks).addRoutes(to: router)
    SearchController(index: services.searchIndex, views: services.views, userSearch: services.hooks.userSearch).addRoutes(to: router)
    HealthController(database: services.database, migrations: services.migrations).addRoutes(to: router)
    return router
}

/// The whole application, ready to `runService()` or to test.
public func buildApplication(_ config: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "casebook")
    logger.logLevel = config.logLevel
    let services = try await loadServices(config, logger: logger)
    let router = buildRouter(services, config: config)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Casebook"),
        logger: logger)
}

/// Builds the app and serves until SIGTERM or SIGINT, then shuts down gracefully.
public func runServer(_ config: AppConfiguration) async throws {
    let app = try await buildApplication(config)
    try await app.runService()
}
