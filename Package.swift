// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "casebook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "casebook", targets: ["casebook"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // cmark-gfm and its GFM extensions, from the system (Debian: libcmark-gfm-dev, libcmark-gfm-extensions-dev).
        .systemLibrary(
            name: "CMarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // OpenBLAS from the system (Debian: libopenblas-dev), for the sentence encoder's matrix products.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Pure core: the sentence-embedding model and rubric matching; no I/O beyond loading its model files.
        // Optimised in debug builds too, or the forward pass is ~30x slower and the grader tests take minutes.
        .target(
            name: "Grader",
            dependencies: ["COpenBLAS"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "KnowledgeBase",
            // Grader for the gradable rubric type and its term rules, checked when rubrics load.
            dependencies: ["CMarkGFM", "Grader", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Storage",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Pure cores: Foundation only, no I/O beyond their own files, time and randomness passed in.
        .target(name: "SpacedRepetition"),
        // The recommender is the hot core: optimised even in debug builds, or its SIMD kernels run ~50x slower and
        // training in tests takes minutes.
        .target(name: "Recommender", swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "WebApp",
            dependencies: [
                "KnowledgeBase", "Storage", "SpacedRepetition", "Recommender", "Grader",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The search index is an in-memory FTS5 table.
                .product(name: "GRDB", package: "GRDB.swift"),
                // bcrypt for passwords; SHA-256 for session-token hashes.
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The zip of an Anki package (Flashcards/AnkiPackage.swift).
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                // The peer address, and a thread pool so bcrypt never runs on an event loop.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The HTTP/1 pipeline, set up as Hummingbird's own plus the early-page handler (Server/).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ]
        ),
        .executableTarget(
            name: "casebook",
            dependencies: [
                "WebApp", "SpacedRepetition", "Recommender", "Grader", "KnowledgeBase",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The calibration set's labels.yaml.
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "KnowledgeBaseTests", dependencies: ["KnowledgeBase"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SpacedRepetitionTests", dependencies: ["SpacedRepetition"], exclude: ["Fixtures"]),
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender"]),
        .testTarget(
            name: "GraderTests", dependencies: ["Grader", "KnowledgeBase"], exclude: ["Fixtures", "Calibration"]
        ),
        .testTarget(name: "InterviewerTests", dependencies: ["Grader", "KnowledgeBase"], exclude: ["Questions"]),
        .testTarget(
            name: "WebAppTests",
            dependencies: [
                "WebApp", "Storage", "Grader", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
