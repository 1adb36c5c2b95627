import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Recommender
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
    return config
}

/// Services are loaded once per test process: content rendering is the slow part and is read-only.
actor SharedServices {
    static let shared = SharedServices()
    private var services: AppServices?
    func get() async throws -> AppServices {
        if let services { return services }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let s = try await loadServices(makeTestConfig(), logger: logger)
        services = s
        return s
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
    var services = try await SharedServices.shared.get()
    if let recsys {
        services = AppServices(knowledgeBase: services.knowledgeBase, database: services.database, views: services.views,
                               migrations: services.migrations, recsys: recsys)
    }
    let config = makeTestConfig()
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let app = Application(router: buildRouter(services, config: config), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          logger: logger)
    try await app.test(.router) { client in try await body(client) }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
