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
    /// The recommender, ready or warming up.
    public let recsys: RecsysService
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
        : try AppDatabase.open(directory: config.dataDirectory, migrations: migrations,
                               observer: { AppMetrics.shared.recordStatement(seconds: $0) })
    let views = try await Views(templatesDirectory: config.templatesDirectory, publicDirectory: config.publicDirectory)
    logger.info("content loaded", metadata: [
        "documents": "\(kb.documents.count)", "cards": "\(kb.cards.count)",
        "diagrams": "\(kb.documents.map(\.diagramCount).reduce(0, +))", "glossary": "\(kb.glossary.count)",
        "ms": "\(contentTime.components.seconds * 1000 + contentTime.components.attoseconds / 1_000_000_000_000_000)",
    ])
    let recsys = RecsysService()
    recsys.start(directory: config.inMemoryDatabase ? nil : config.recsysModelDirectory, world: config.recsysWorld,
                 training: config.recsysTraining, logger: logger)
    return AppServices(knowledgeBase: kb, database: database, views: views, migrations: migrations, recsys: recsys)
}

/// Builds the router: middleware from the outside in, then every controller's routes.
public func buildRouter(_ services: AppServices, config: AppConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
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
    AppMetrics.shared.addRoutes(to: router)
    ContentController(kb: services.knowledgeBase, views: services.views).addRoutes(to: router)
    HealthController(database: services.database, migrations: services.migrations, recsys: services.recsys).addRoutes(to: router)
    RecsysAPIController(recsys: services.recsys).addRoutes(to: router)
    TryController(recsys: services.recsys, views: services.views).addRoutes(to: router)
    return router
}

/// The whole application, ready to `runService()` or to test.
public func buildApplication(_ config: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "casebook")
    logger.logLevel = config.logLevel
    let services = try await loadServices(config, logger: logger)
    return makeApplication(services, config: config, logger: logger)
}

/// The HTTP server with the configured limits: idle timeout, header size and a cap on open connections.
func makeApplication(_ services: AppServices, config: AppConfiguration, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(services, config: config),
        server: .http1(configuration: .init(
            idleTimeout: .seconds(Int64(config.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: config.maxHeaderBytes, maxHeaderListSize: config.maxHeaderBytes))),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Casebook",
                             availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections)),
        logger: logger)
}

/// Builds the app and serves until SIGTERM or SIGINT, then shuts down gracefully.
/// In-flight requests get `shutdownGraceSeconds` to finish; then the WAL is checkpointed so the database file alone
/// is complete.
public func runServer(_ config: AppConfiguration, logger: Logger = Logger(label: "casebook")) async throws {
    var logger = logger
    logger.logLevel = config.logLevel
    let services = try await loadServices(config, logger: logger)
    let app = makeApplication(services, config: config, logger: logger)
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
