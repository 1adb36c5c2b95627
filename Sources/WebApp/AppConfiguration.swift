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

    /// Where the trained recommender lives (`<data>/recsys/model`, as `casebook recsys train` writes it).
    public var recsysModelDirectory: URL { dataDirectory.appendingPathComponent("recsys/model") }

    /// Defaults, with every folder resolved against `root` (the repository checkout).
    public init(root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        dataDirectory = root.appendingPathComponent("data")
        contentDirectory = root.appendingPathComponent("Content")
        publicDirectory = root.appendingPathComponent("Public")
        templatesDirectory = root.appendingPathComponent("Templates")
        migrationsDirectory = root.appendingPathComponent("Migrations")
    }
}
