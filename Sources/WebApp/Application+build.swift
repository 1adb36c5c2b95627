import Foundation
import Hummingbird
import HummingbirdCore
import KnowledgeBase
import Logging
import ServiceLifecycle
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
    /// The recommender, ready or warming up.
    public var recsys: RecsysService
    /// The rubric grader, ready or warming up.
    public var grader: GraderService
    /// Every reading page as an anonymous visitor sees it, rendered once.
    public let pages: AnonymousPages
    /// The pages a signed-in reader sees with only the account menu filled in, rendered once.
    public let accountPages: AccountPages

    /// Creates the services; renders the pre-rendered pages (`pages`, `accountPages`) unless they are given.
    public init(knowledgeBase: KnowledgeBase, database: AppDatabase, views: Views, migrations: MigrationRunner,
                accounts: AccountServices, searchIndex: SearchIndex, hooks: LearnerHooks = LearnerHooks(),
                recsys: RecsysService = RecsysService(), grader: GraderService = GraderService(unavailable: "The grader was not started."),
                pages: AnonymousPages? = nil, accountPages: AccountPages? = nil) {
        self.knowledgeBase = knowledgeBase
        self.database = database
        self.views = views
        self.migrations = migrations
        self.accounts = accounts
        self.searchIndex = searchIndex
        self.hooks = hooks
        self.recsys = recsys
        self.grader = grader
        self.pages = pages ?? AnonymousPages(kb: knowledgeBase, views: views, catalog: ProgressCatalog(kb: knowledgeBase))
        self.accountPages = accountPages ?? AccountPages(kb: knowledgeBase, views: views, catalog: ProgressCatalog(kb: knowledgeBase))
    }

    /// The same content, templates and index over another database (tests give each app a fresh one).
    public func with(database: AppDatabase) -> AppServices {
        var hooks = hooks.rebound(to: database)
        // The flashcard hook reads this database, not the one it was built with; content cards are synced into it as
        // loadServices does at startup.
        if hooks.flashcards is SQLiteFlashcardActivity {
            _ = try? FlashcardStore(database).syncContentCards(knowledgeBase, now: Date())
            hooks.flashcards = SQLiteFlashcardActivity(store: FlashcardStore(database), newCardsPerDay: FlashcardSettings.newCardsPerDay)
        }
        return AppServices(knowledgeBase: knowledgeBase, database: database, views: views, migrations: migrations,
                           accounts: AccountServices(database: database, hasher: accounts.hasher), searchIndex: searchIndex, hooks: hooks,
                           recsys: recsys, grader: grader, pages: pages, accountPages: accountPages)
    }
}

/// Loads content, templates and the database. Any problem stops startup with a message naming what to fix.
/// `startRecommender: false` leaves the recommender for the caller to start (the server starts it once its pages are
/// rendered, so a first start's training does not compete with them for the cores).
public func loadServices(_ config: AppConfiguration, logger: Logger, startRecommender: Bool = true) async throws -> AppServices {
    var stages = StartupStages()
    let kb = try KnowledgeBase.load(from: config.contentDirectory,
                                    diagramCache: config.inMemoryDatabase ? nil : config.dataDirectory.appendingPathComponent("cache/diagrams"))
    let contentTime = stages.lap("content")
    // The search index needs only the content: it is built on another core while the database opens.
    let searchBuild = Task.detached { try SearchIndex(kb: kb) }
    let migrations = try MigrationRunner(directory: config.migrationsDirectory)
    let database = config.inMemoryDatabase
        ? try AppDatabase.inMemory(migrations: migrations)
        : try AppDatabase.open(directory: config.dataDirectory, migrations: migrations,
                               observer: { AppMetrics.shared.recordStatement(seconds: $0) })
    stages.lap("database")
    let views = try await Views(templatesDirectory: config.templatesDirectory, publicDirectory: config.publicDirectory)
    stages.lap("templates")
    // While the search index is still building: on two cores this hides most of it.
    let catalog = ProgressCatalog(kb: kb)
    let pages = AnonymousPages(kb: kb, views: views, catalog: catalog)
    let accountPages = AccountPages(kb: kb, views: views, catalog: catalog)
    stages.lap("pages")
    let searchIndex = try await searchBuild.value
    stages.lap("search index (rest)")
    logger.info("content loaded", metadata: [
        "documents": "\(kb.documents.count)", "cards": "\(kb.cards.count)",
        "diagrams": "\(kb.documents.map(\.diagramCount).reduce(0, +))", "glossary": "\(kb.glossary.count)",
        "searchEntries": "\(searchIndex.count)",
        "ms": "\(contentTime)",
    ])
    let accounts = AccountServices(database: database, hasher: BcryptPasswordHasher(cost: config.bcryptCost))
    try await accounts.sessions.purgeExpiredSessions(now: Date(), idleTimeout: config.sessionIdleTimeout)
    stages.lap("sessions")
    let recsys = RecsysService()
    if startRecommender { startRecommenderService(recsys, config: config, logger: logger) }
    // The grader loads its model and statement embeddings in the background; a review asked for meanwhile says so.
    let grader = GraderService(rubricVersion: kb.rubricVersion)
    grader.start(kb: kb, modelDirectory: config.modelDirectory,
                 cacheDirectory: config.inMemoryDatabase ? nil : config.graderCacheDirectory, logger: logger)
    // Flashcards: content cards are synced by stable id before the server accepts requests.
    let cardStore = FlashcardStore(database)
    let synced = try cardStore.syncContentCards(kb, now: Date())
    logger.info("flashcards synced", metadata: ["added": "\(synced.added)", "updated": "\(synced.updated)", "retired": "\(synced.retired)"])
    stages.lap("flashcards")
    // Mock interviews: dashboard, streak and "your attempts" in search.
    let attemptHooks = AttemptActivity(kb: kb, database: database, grader: grader)
    let hooks = LearnerHooks(flashcards: SQLiteFlashcardActivity(store: cardStore, newCardsPerDay: FlashcardSettings.newCardsPerDay),
                             attempts: attemptHooks, userSearch: [attemptHooks])
    logger.info("services loaded", metadata: stages.metadata)
    return AppServices(knowledgeBase: kb, database: database, views: views, migrations: migrations,
                       accounts: accounts, searchIndex: searchIndex, hooks: hooks, recsys: recsys, grader: grader, pages: pages,
                       accountPages: accountPages)
}

/// Loads the saved model, or trains the default world when there is none, on a background thread.
func startRecommenderService(_ recsys: RecsysService, config: AppConfiguration, logger: Logger) {
    recsys.start(directory: config.inMemoryDatabase ? nil : config.recsysModelDirectory, world: config.recsysWorld,
                 training: config.recsysTraining, logger: logger)
}

/// Milliseconds per startup stage, logged once, so a slow start says which stage to look at.
struct StartupStages {
    private var last = ContinuousClock.now
    private(set) var laps: [(String, Int)] = []

    @discardableResult
    mutating func lap(_ name: String) -> Int {
        let now = ContinuousClock.now
        let elapsed = now - last
        last = now
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        laps.append((name, ms))
        return ms
    }

    var metadata: Logger.Metadata {
        var m: Logger.Metadata = [:]
        for (name, ms) in laps { m[name + " ms"] = "\(ms)" }
        return m
    }
}

/// Builds the router: middleware from the outside in, then every controller's routes.
public func buildRouter(_ services: AppServices, config: AppConfiguration) -> Router<AppRequestContext> {
    // HEAD answers as GET without the body (`curl -I`, link checkers); Hummingbird leaves it unrouted otherwise.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: MetricsMiddleware())
    let cookies = CookieSettings(secure: config.secureCookies)
    let catalog = ProgressCatalog(kb: services.knowledgeBase)
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: config.secureCookies))
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
    AppMetrics.shared.addRoutes(to: router, token: config.metricsToken, trustForwardedFor: config.trustForwardedFor)
    // After the static files (GETs, never state-changing) and before every handler.
    router.add(middleware: CSRFMiddleware(maxBodyBytes: config.maxBodyBytes))
    let attemptStore = SQLiteAttemptStore(services.database)
    ContentController(kb: services.knowledgeBase, views: services.views, progress: services.accounts.progress, catalog: catalog,
                      attempts: attemptStore, pages: services.pages, accountPages: services.accountPages)
        .addRoutes(to: router)
    AccountController(accounts: services.accounts, views: services.views, cookies: cookies, config: config).addRoutes(to: router)
    ProgressController(progress: services.accounts.progress, catalog: catalog, maxBodyBytes: config.maxBodyBytes).addRoutes(to: router)
    DashboardController(kb: services.knowledgeBase, views: services.views, accounts: services.accounts, catalog: catalog,
                        hooks: services.hooks).addRoutes(to: router)
    SearchController(index: services.searchIndex, views: services.views, userSearch: services.hooks.userSearch).addRoutes(to: router)
    HealthController(database: services.database, migrations: services.migrations, recsys: services.recsys).addRoutes(to: router)
    RecsysAPIController(recsys: services.recsys).addRoutes(to: router)
    TryController(recsys: services.recsys, views: services.views).addRoutes(to: router)
    FlashcardController(store: FlashcardStore(services.database), views: services.views, maxBodyBytes: config.maxBodyBytes,
                        newCardsPerDay: FlashcardSettings.newCardsPerDay).addRoutes(to: router)
    AttemptController(kb: services.knowledgeBase, views: services.views, attempts: attemptStore, grader: services.grader,
                      weakCards: WeakPointCards(store: FlashcardStore(services.database)), maxBodyBytes: config.maxBodyBytes)
        .addRoutes(to: router)
    InterviewerController(kb: services.knowledgeBase, attempts: attemptStore, grader: services.grader, rateLimits: services.accounts.rateLimits,
                          policy: config.rateLimits, maxBodyBytes: config.maxBodyBytes).addRoutes(to: router)
    return router
}

/// The whole application, ready to `runService()` or to test.
public func buildApplication(_ config: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "casebook")
    logger.logLevel = config.logLevel
    let services = try await loadServices(config, logger: logger)
    return makeApplication(services, config: config, logger: logger)
}

/// The HTTP server with the configured limits: idle timeout, header size and a cap on open connections. Anonymous
/// GETs of pre-rendered pages are answered on the event loop (`CasebookHTTP1Channel`); everything else is routed.
func makeApplication(_ services: AppServices, config: AppConfiguration, logger: Logger) -> some ApplicationProtocol {
    let serverName = "Casebook"
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(Int64(config.idleTimeoutSeconds)),
        httpDecoderConfiguration: .init(maxHeaderFieldSize: config.maxHeaderBytes, maxHeaderListSize: config.maxHeaderBytes))
    var pages = EarlyPages(pages: services.pages, sessionCookieName: CookieSettings(secure: config.secureCookies).sessionName, serverName: serverName)
    pages.hsts = config.secureCookies
    let early = pages
    return Application(
        router: buildRouter(services, config: config),
        server: HTTPServerBuilder { responder in CasebookHTTP1Channel(responder: responder, configuration: http1, earlyPages: early, requestDeadline: config.requestDeadlineSeconds) },
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName,
                             availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections)),
        logger: logger)
}

/// Builds the app and serves until SIGTERM or SIGINT, then shuts down gracefully.
/// In-flight requests get `shutdownGraceSeconds` to finish; then the WAL is checkpointed so the database file alone
/// is complete.
public func runServer(_ config: AppConfiguration, logger: Logger = Logger(label: "casebook")) async throws {
    var logger = logger
    logger.logLevel = config.logLevel
    let services = try await loadServices(config, logger: logger, startRecommender: false)
    var stages = StartupStages()
    let app = makeApplication(services, config: config, logger: logger)
    stages.lap("router")
    logger.info("router built", metadata: stages.metadata)
    startRecommenderService(services.recsys, config: config, logger: logger)
    var groupConfig = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    groupConfig.maximumGracefulShutdownDuration = Duration.seconds(config.shutdownGraceSeconds)
    try await ServiceGroup(configuration: groupConfig).run()
    do {
        try services.database.checkpoint()
        logger.info("stopped; database checkpointed")
    } catch {
        logger.error("checkpoint on shutdown failed", metadata: ["error": "\(error)"])
    }
}
