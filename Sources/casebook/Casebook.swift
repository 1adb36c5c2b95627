import ArgumentParser
import Foundation
import Logging
import Storage
import WebApp

@main
struct Casebook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casebook",
        abstract: "Practise machine-learning system design interviews.",
        subcommands: [Serve.self, Migrate.self, Backup.self, Restore.self, SRSCommand.self, RecsysCommand.self, BenchCommand.self, GradeCommand.self, InterviewerCommand.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by commands that touch the data directory. Each falls back to a `CASEBOOK_*` variable, then a default.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database and caches (env CASEBOOK_DATA_DIR; default ./data).")
    var dataDir: String?

    @Option(help: "Directory of numbered .sql migrations (env CASEBOOK_MIGRATIONS_DIR; default ./Migrations).")
    var migrationsDir: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env CASEBOOK_LOG_LEVEL; default info).")
    var logLevel: String?

    func resolvedLogLevel() throws -> Logger.Level {
        let raw = logLevel ?? env("CASEBOOK_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            throw ValidationError("log level `\(raw)` is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    /// The configuration and the database file it names, opened without migrating (the commands decide that).
    func openDatabase() throws -> (AppConfiguration, AppDatabase) {
        var config = AppConfiguration()
        try apply(to: &config)
        return (config, try AppDatabase.open(directory: config.dataDirectory, migrations: MigrationRunner(migrations: [])))
    }

    func apply(to config: inout AppConfiguration) throws {
        config.dataDirectory = URL(fileURLWithPath: dataDir ?? env("CASEBOOK_DATA_DIR") ?? "data")
        config.migrationsDirectory = URL(fileURLWithPath: migrationsDir ?? env("CASEBOOK_MIGRATIONS_DIR") ?? "Migrations")
        config.logLevel = try resolvedLogLevel()
    }
}

func env(_ name: String) -> String? {
    guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
    return v
}

/// Prints a startup problem plainly and exits non-zero, instead of a Swift error dump.
func fail(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("casebook: \(error)\n".utf8))
    exit(1)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply migrations and serve the web app.")

    @Option(help: "Address to listen on (env CASEBOOK_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env CASEBOOK_PORT; default 8080).")
    var port: Int?

    @Option(help: "Directory of Markdown content (env CASEBOOK_CONTENT_DIR; default ./Content).")
    var contentDir: String?

    @Option(help: "Directory of Mustache templates (env CASEBOOK_TEMPLATES_DIR; default ./Templates).")
    var templatesDir: String?

    @Option(help: "Directory of static assets (env CASEBOOK_PUBLIC_DIR; default ./Public).")
    var publicDir: String?

    @Option(help: "The grader's sentence-embedding model (env CASEBOOK_MODEL_DIR; default ./data/model/all-MiniLM-L6-v2).")
    var modelDir: String?

    @Option(help: "Largest request body in bytes (env CASEBOOK_MAX_BODY; default 1048576).")
    var maxBody: Int?

    @Option(help: "Videos in the synthetic world trained when no model is saved (env CASEBOOK_RECSYS_ITEMS; default 100000).")
    var recsysItems: Int?

    @Option(help: "Users in that world (env CASEBOOK_RECSYS_USERS; default 20000).")
    var recsysUsers: Int?

    @Option(help: "human or json (env CASEBOOK_LOG_FORMAT; default human).")
    var logFormat: String?

    @Option(help: "Close connections idle this many seconds (env CASEBOOK_IDLE_TIMEOUT; default 30).")
    var idleTimeout: Int?

    @Option(help: "Most open connections at once (env CASEBOOK_MAX_CONNECTIONS; default 1024).")
    var maxConnections: Int?

    @Option(help: "Largest total request header size in bytes (env CASEBOOK_MAX_HEADER_BYTES; default 16384).")
    var maxHeaderBytes: Int?

    @Option(help: "Seconds a request's head and body may take to arrive in total, and so the longest a kept-alive connection waits for its next request (env CASEBOOK_REQUEST_TIMEOUT; default 30).")
    var requestTimeout: Int?

    @Option(help: "Seconds in-flight requests get to finish on SIGTERM/SIGINT (env CASEBOOK_SHUTDOWN_GRACE; default 10).")
    var shutdownGrace: Int?

    @Flag(help: "Mark cookies Secure (serving behind TLS) (env CASEBOOK_SECURE_COOKIES=1).")
    var secureCookies = false

    @Flag(help: "Take the client address from X-Forwarded-For (only behind your own proxy) (env CASEBOOK_TRUST_FORWARDED_FOR=1).")
    var trustForwardedFor = false

    @Option(help: "Serve /metrics to requests with 'Authorization: Bearer TOKEN' (env CASEBOOK_METRICS_TOKEN); without it, to loopback clients only.")
    var metricsToken: String?

    @Option(help: "bcrypt cost for new password hashes, 10 to 16 (env CASEBOOK_BCRYPT_COST; default 12).")
    var bcryptCost: Int?

    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = AppConfiguration()
        let format = logFormat ?? env("CASEBOOK_LOG_FORMAT") ?? "human"
        guard format == "human" || format == "json" else { fail(ValidationError("--log-format must be human or json")) }
        LoggingSystem.bootstrap { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        func limit(_ flag: Int?, _ name: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            let v = flag ?? env(name).map { Int($0) ?? -1 } ?? fallback
            guard range.contains(v) else { fail(ValidationError("\(name) must be \(range.lowerBound)…\(range.upperBound)")) }
            return v
        }
        config.idleTimeoutSeconds = limit(idleTimeout, "CASEBOOK_IDLE_TIMEOUT", 30, 1...3600)
        config.requestDeadlineSeconds = limit(requestTimeout, "CASEBOOK_REQUEST_TIMEOUT", 30, 1...3600)
        config.maxConnections = limit(maxConnections, "CASEBOOK_MAX_CONNECTIONS", 1024, 1...100_000)
        config.maxHeaderBytes = limit(maxHeaderBytes, "CASEBOOK_MAX_HEADER_BYTES", 16 * 1024, 1024...1_048_576)
        config.shutdownGraceSeconds = limit(shutdownGrace, "CASEBOOK_SHUTDOWN_GRACE", 10, 0...600)
        let items = recsysItems ?? env("CASEBOOK_RECSYS_ITEMS").map { Int($0) ?? -1 } ?? 100_000
        let users = recsysUsers ?? env("CASEBOOK_RECSYS_USERS").map { Int($0) ?? -1 } ?? 20_000
        guard (100...2_000_000).contains(items), (10...1_000_000).contains(users) else {
            fail(ValidationError("--recsys-items must be 100…2000000 and --recsys-users 10…1000000"))
        }
        config.recsysWorld.itemCount = items
        config.recsysWorld.userCount = users
        config.host = host ?? env("CASEBOOK_HOST") ?? "127.0.0.1"
        let port = port ?? env("CASEBOOK_PORT").map { Int($0) ?? -1 } ?? 8080
        guard (0...65535).contains(port) else { fail(ValidationError("port must be a number from 0 to 65535")) }
        config.port = port
        config.contentDirectory = URL(fileURLWithPath: contentDir ?? env("CASEBOOK_CONTENT_DIR") ?? "Content")
        config.modelDirectory = URL(fileURLWithPath: modelDir ?? env("CASEBOOK_MODEL_DIR") ?? "data/model/all-MiniLM-L6-v2")
        config.templatesDirectory = URL(fileURLWithPath: templatesDir ?? env("CASEBOOK_TEMPLATES_DIR") ?? "Templates")
        config.publicDirectory = URL(fileURLWithPath: publicDir ?? env("CASEBOOK_PUBLIC_DIR") ?? "Public")
        config.maxBodyBytes = maxBody ?? env("CASEBOOK_MAX_BODY").flatMap(Int.init) ?? 1 << 20
        config.secureCookies = secureCookies || ["1", "true", "yes"].contains(env("CASEBOOK_SECURE_COOKIES")?.lowercased() ?? "")
        config.trustForwardedFor = trustForwardedFor
            || ["1", "true", "yes"].contains(env("CASEBOOK_TRUST_FORWARDED_FOR")?.lowercased() ?? "")
        config.metricsToken = (metricsToken ?? env("CASEBOOK_METRICS_TOKEN")).flatMap { $0.isEmpty ? nil : $0 }
        if let t = config.metricsToken, t.count < 16 { fail(ValidationError("--metrics-token must be at least 16 characters")) }
        let cost = bcryptCost ?? env("CASEBOOK_BCRYPT_COST").map { Int($0) ?? -1 } ?? 12
        guard (10...16).contains(cost) else { fail(ValidationError("bcrypt cost must be a number from 10 to 16")) }
        config.bcryptCost = UInt8(cost)
        do {
            try common.apply(to: &config)
        } catch {
            fail(error)
        }
        do {
            try await runServer(config)
        } catch {
            fail(error)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        do {
            let (config, db) = try common.openDatabase()
            let runner = try MigrationRunner(directory: config.migrationsDirectory)
            let applied = try runner.migrate(db.writer)
            print(applied.isEmpty
                ? "Database \(config.dataDirectory.path)/casebook.sqlite is up to date (\(runner.migrations.count) migrations)."
                : "Applied \(applied.count) migration(s): \(applied.joined(separator: ", ")).")
        } catch {
            fail(error)
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to a file with SQLite's online backup (safe while the server runs).")

    @Option(help: "Where to write the backup.")
    var to: String

    @OptionGroup var common: CommonOptions

    func run() async throws {
        do {
            let (config, db) = try common.openDatabase()
            try db.backup(to: URL(fileURLWithPath: to))
            print("Backed up \(config.dataDirectory.path)/casebook.sqlite to \(to) (integrity checked).")
        } catch {
            fail(error)
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database with a backup (stop the server first). The backup is integrity-checked first.")

    @Option(help: "The backup file to restore.")
    var from: String

    @OptionGroup var common: CommonOptions

    func run() async throws {
        do {
            let (config, db) = try common.openDatabase()
            try db.restore(from: URL(fileURLWithPath: from))
            let runner = try MigrationRunner(directory: config.migrationsDirectory)
            let applied = try runner.migrate(db.writer)
            print("Restored \(from) into \(config.dataDirectory.path)/casebook.sqlite"
                + (applied.isEmpty ? "." : "; then applied \(applied.count) newer migration(s)."))
        } catch {
            fail(error)
        }
    }
}
