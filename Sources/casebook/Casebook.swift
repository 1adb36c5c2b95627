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
        subcommands: [Serve.self, Migrate.self, SRSCommand.self, BenchCommand.self],
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

    @Option(help: "Largest request body in bytes (env CASEBOOK_MAX_BODY; default 1048576).")
    var maxBody: Int?

    @Flag(help: "Mark cookies Secure (serving behind TLS) (env CASEBOOK_SECURE_COOKIES=1).")
    var secureCookies = false

    @Flag(help: "Take the client address from X-Forwarded-For (only behind your own proxy) (env CASEBOOK_TRUST_FORWARDED_FOR=1).")
    var trustForwardedFor = false

    @Option(help: "bcrypt cost for new password hashes, 10 to 16 (env CASEBOOK_BCRYPT_COST; default 12).")
    var bcryptCost: Int?

    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = AppConfiguration()
        config.host = host ?? env("CASEBOOK_HOST") ?? "127.0.0.1"
        let port = port ?? env("CASEBOOK_PORT").map { Int($0) ?? -1 } ?? 8080
        guard (0...65535).contains(port) else { fail(ValidationError("port must be a number from 0 to 65535")) }
        config.port = port
        config.contentDirectory = URL(fileURLWithPath: contentDir ?? env("CASEBOOK_CONTENT_DIR") ?? "Content")
        config.templatesDirectory = URL(fileURLWithPath: templatesDir ?? env("CASEBOOK_TEMPLATES_DIR") ?? "Templates")
        config.publicDirectory = URL(fileURLWithPath: publicDir ?? env("CASEBOOK_PUBLIC_DIR") ?? "Public")
        config.maxBodyBytes = maxBody ?? env("CASEBOOK_MAX_BODY").flatMap(Int.init) ?? 1 << 20
        config.secureCookies = secureCookies || ["1", "true", "yes"].contains(env("CASEBOOK_SECURE_COOKIES")?.lowercased() ?? "")
        config.trustForwardedFor = trustForwardedFor
            || ["1", "true", "yes"].contains(env("CASEBOOK_TRUST_FORWARDED_FOR")?.lowercased() ?? "")
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
        var config = AppConfiguration()
        do {
            try common.apply(to: &config)
            let runner = try MigrationRunner(directory: config.migrationsDirectory)
            let db = try AppDatabase.open(directory: config.dataDirectory, migrations: MigrationRunner(migrations: []))
            let applied = try runner.migrate(db.writer)
            print(applied.isEmpty
                ? "Database \(config.dataDirectory.path)/casebook.sqlite is up to date (\(runner.migrations.count) migrations)."
                : "Applied \(applied.count) migration(s): \(applied.joined(separator: ", ")).")
        } catch {
            fail(error)
        }
    }
}
