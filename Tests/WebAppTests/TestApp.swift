import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Recommender
import Storage
@testable import WebApp

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The app on the repository's real content, templates and migrations, with an in-memory database.
func makeTestConfig() -> AppConfiguration {
    var config = AppConfiguration(root: repositoryRoot)
    config.inMemoryDatabase = true
    config.port = 0
    config.logLevel = .warning
    config.maxBodyBytes = 64 * 1024
    config.recsysWorld = WorldConfig(itemCount: 2000, userCount: 300, seed: 3)
    config.recsysTraining.evaluationUsers = 200
    // The lowest bcrypt cost keeps account tests fast; the production default is asserted in AccountTests.
    config.bcryptCost = 4
    // Lets tests act as different client addresses (router tests have no socket).
    config.trustForwardedFor = true
    return config
}

/// Services are loaded once per test process: content rendering is the slow part and is read-only.
actor SharedServices {
    static let shared = SharedServices()
    // A task, not a stored value: the actor is re-entered while loading, and every caller must share one load.
    private var task: Task<AppServices, any Error>?
    func get() async throws -> AppServices {
        if let task { return try await task.value }
        let task = Task {
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            return try await loadServices(makeTestConfig(), logger: logger)
        }
        self.task = task
        return try await task.value
    }
}

/// Waits (bounded) until the shared services' recommender has finished training its small world.
func readyServices() async throws -> AppServices {
    let services = try await SharedServices.shared.get()
    for _ in 0..<1200 {
        if case .ready = services.recsys.state { return services }
        if case .failed(let why) = services.recsys.state { throw StartupError(why) }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw StartupError("recommender did not become ready in 120 s")
}

func withApp(recsys: RecsysService? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    try await withAccountsApp(recsys: recsys) { client, _ in try await body(client) }
}

/// An app with its own fresh in-memory database (so tests running in parallel never share users, sessions or
/// rate-limit counters), optionally with a changed configuration or hooks.
func withAccountsApp(configure: (inout AppConfiguration) -> Void = { _ in }, hooks: LearnerHooks? = nil,
                     hasher: (any PasswordHasher)? = nil, recsys: RecsysService? = nil, grader: GraderService? = nil,
                     database given: AppDatabase? = nil,
                     _ body: @Sendable (any TestClientProtocol, AppDatabase) async throws -> Void) async throws {
    let shared = try await SharedServices.shared.get()
    let database = try given ?? AppDatabase.inMemory(migrations: shared.migrations)
    var services = shared.with(database: database)
    if let hasher {
        services = AppServices(knowledgeBase: services.knowledgeBase, database: database, views: services.views,
                               migrations: services.migrations, accounts: AccountServices(database: database, hasher: hasher),
                               searchIndex: services.searchIndex, recsys: services.recsys, grader: services.grader, pages: services.pages,
                               accountPages: services.accountPages)
    }
    if let hooks { services.hooks = hooks }
    if let recsys { services.recsys = recsys }
    if let grader { services.grader = grader }
    var config = makeTestConfig()
    configure(&config)
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let app = Application(router: buildRouter(services, config: config), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          logger: logger)
    try await app.test(.router) { client in try await body(client, database) }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
