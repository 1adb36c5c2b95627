import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import WebApp

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The app on the repository's real content, templates and migrations, with an in-memory database.
func makeTestConfig() -> AppConfiguration {
    var config = AppConfiguration(root: repositoryRoot)
    config.inMemoryDatabase = true
    config.port = 0
    config.logLevel = .warning
    config.maxBodyBytes = 64 * 1024
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

func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let services = try await SharedServices.shared.get()
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
