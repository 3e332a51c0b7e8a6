// swift-tools-version: 6.1
import PackageDescription

/// Upcoming features Hummingbird turns on; we use them everywhere so the
/// libraries and the services read the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "AlumniCard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "alumnicard", targets: ["alumnicard"]),
        .executable(name: "alumnicard-verifier", targets: ["alumnicard-verifier"]),
        .library(name: "CardToken", targets: ["CardToken"]),
        .library(name: "QREncoder", targets: ["QREncoder"]),
        .library(name: "CardKeys", targets: ["CardKeys"]),
        .library(name: "IssuerStore", targets: ["IssuerStore"]),
        .library(name: "IssuerStoreSQLite", targets: ["IssuerStoreSQLite"]),
        .library(name: "IssuerStorePostgres", targets: ["IssuerStorePostgres"]),
        .library(name: "IssuerCore", targets: ["IssuerCore"]),
        .library(name: "IssuerService", targets: ["IssuerService"]),
        .library(name: "VerifierService", targets: ["VerifierService"]),
        .library(name: "AccountRules", targets: ["AccountRules"]),
        .library(name: "Clocks", targets: ["Clocks"]),
        // For the libFuzzer executables in Fuzz/ (a package of their own); never linked into a daemon.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // AC1 tokens: Base45, strict CBOR, COSE, claims, issuing and verifying. Pure.
        .target(
            name: "CardToken",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Signing keys, the rotation schedule and the root-signed key set (pure).
        .target(
            name: "CardKeys",
            dependencies: ["CardToken", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The issuer's storage, whatever holds it: the domain model, the
        // repository protocols, the pure rules every backend calls, sealing
        // of personal data, the CSV formats. No storage engine.
        .target(
            name: "IssuerStore",
            dependencies: [
                "CardKeys", "CardToken", "SecureFiles", "AccountRules",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The repositories on SQLite (GRDB): frozen migrations, the stores,
        // the database threads and write gate, busy and full handling.
        .target(
            name: "IssuerStoreSQLite",
            dependencies: [
                "IssuerStore", "CardKeys", "CardToken", "SecureFiles", "AccountRules",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The repositories on PostgreSQL (postgres-nio): frozen migrations
        // under an advisory lock, row locks where a write reads first, the
        // client run as a service. For several issuer instances on one database.
        .target(
            name: "IssuerStorePostgres",
            dependencies: [
                "IssuerStore", "CardKeys", "CardToken", "AccountRules",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `alumnicard storage migrate`: a SQLite database copied into an
        // empty PostgreSQL one, typed and verified table by table.
        .target(
            name: "StorageTransfer",
            dependencies: [
                "IssuerStore", "IssuerStoreSQLite", "IssuerStorePostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The centre's flows as domain services, free of HTTP and of any
        // storage engine: their one error type, the rules that compose the
        // repositories (docs/architecture.md). Imports neither Hummingbird,
        // HTTPTypes nor GRDB (ArchitectureTests scans for it).
        .target(
            name: "IssuerCore",
            dependencies: [
                "CardKeys", "CardToken", "AccountRules", "IssuerStore", "Clocks", "Mail", "SecureFiles", "FileChecks", "QREncoder", "ZipArchive",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // bcrypt in C (its only dependency is CBcrypt); it speaks no HTTP.
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // The alumni centre's rules (pure): identity numbers, mobile numbers,
        // password policy, the office calendar, the proof-of-work check.
        // Its days are CardToken's CardDate (one calendar-day type).
        .target(
            name: "AccountRules",
            dependencies: ["CardToken", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Resources/README.md", "Resources/common-passwords.LICENSE"],
            resources: [.copy("Resources/common-passwords.txt")],
            swiftSettings: swiftSettings
        ),
        // A small, strict SMTP client on SwiftNIO (STARTTLS with swift-nio-ssl), and MIME messages.
        .target(
            name: "Mail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // application/x-www-form-urlencoded, read strictly: the pages' forms
        // and the verify endpoint's query. No dependencies.
        .target(
            name: "FormEncoding",
            swiftSettings: swiftSettings
        ),
        // A streaming, strict multipart/form-data reader. No dependencies.
        .target(
            name: "Multipart",
            swiftSettings: swiftSettings
        ),
        // Checksums that formats carry (CRC-32). No dependencies.
        .target(
            name: "Checksums",
            swiftSettings: swiftSettings
        ),
        // An uploaded file's structure (JPEG markers, PNG chunks, PDF ends),
        // checked as it streams.
        .target(
            name: "FileChecks",
            dependencies: ["Checksums"],
            swiftSettings: swiftSettings
        ),
        // A ZIP archive written as a stream (stored entries, data
        // descriptors): the personal-data copy. Holds nothing whole.
        .target(
            name: "ZipArchive",
            dependencies: ["Checksums"],
            swiftSettings: swiftSettings
        ),
        // ISO/IEC 18004 QR Code encoder and its renderers. No dependencies.
        .target(
            name: "QREncoder",
            swiftSettings: swiftSettings
        ),
        // Where the daemons read the time: the system clock, or one a test sets. No dependencies.
        .target(
            name: "Clocks",
            swiftSettings: swiftSettings
        ),
        // Atomic, 0600 file writes and bounded reads for keys and caches.
        .target(
            name: "SecureFiles",
            swiftSettings: swiftSettings
        ),
        // What both command lines share: exit statuses, key files, verdict output.
        .target(
            name: "CLISupport",
            dependencies: [
                "CardToken",
                "SecureFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both daemons share: YAML configuration with environment
        // overrides, JSON errors, sd_notify, Prometheus metrics, request logs.
        .target(
            name: "DaemonSupport",
            dependencies: [
                "CardToken", "FormEncoding", "Clocks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The pages' machinery: templates (swift-mustache), one message
        // catalogue per language, static assets, forms, CSRF, the CSP.
        // Knows nothing of the issuer's database or services.
        .target(
            name: "IssuerWeb",
            dependencies: [
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/templates"), .copy("Resources/messages"), .copy("Resources/static")],
            swiftSettings: swiftSettings
        ),
        // The issuer daemon: accounts, cards, sessions, tokens and QR codes,
        // the published key set, online verify, the admin API.
        .target(
            name: "IssuerService",
            dependencies: [
                "CardToken", "CardKeys", "IssuerStore", "IssuerStoreSQLite", "IssuerStorePostgres", "IssuerCore", "Clocks", "QREncoder", "SecureFiles", "DaemonSupport", "AccountRules", "Mail", "IssuerWeb", "FormEncoding", "Multipart", "FileChecks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/consent.json")],
            swiftSettings: swiftSettings
        ),
        // The merchant verifier: key set sync and cache, offline verify, replay
        // cache, audit log, scanner page. Knows nothing of the issuer's database.
        .target(
            name: "VerifierService",
            dependencies: [
                "CardToken", "CardKeys", "SecureFiles", "DaemonSupport", "Clocks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "alumnicard-verifier",
            dependencies: [
                "VerifierService", "DaemonSupport", "CLISupport", "CardToken", "CardKeys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "alumnicard",
            dependencies: [
                "CardToken",
                "CardKeys",
                "IssuerStore",
                "IssuerStoreSQLite",
                "IssuerStorePostgres",
                "StorageTransfer",
                "IssuerCore",
                "Clocks",
                "QREncoder",
                "SecureFiles",
                "CLISupport",
                "IssuerService",
                "DaemonSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Every parser fed by outside input, as a function of bytes with its
        // properties: run by Fuzz/'s libFuzzer executables and by the corpus
        // replay tests (docs/reliability.md).
        .target(
            name: "FuzzTargets",
            dependencies: [
                "AccountRules", "CardKeys", "CardToken", "DaemonSupport", "FileChecks", "FormEncoding", "IssuerCore", "IssuerService", "IssuerStore", "IssuerStoreSQLite", "IssuerWeb", "Mail", "Multipart",
                "VerifierService",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets: paths to ../shared, hex, scripted
        // randomness, running the independent tools. Never linked into a product.
        .target(
            name: "TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CardTokenTests",
            dependencies: ["CardToken", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CardKeysTests",
            dependencies: ["CardKeys", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IssuerStoreTests",
            dependencies: ["IssuerStore", "IssuerStoreSQLite", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccountRulesTests",
            dependencies: ["AccountRules", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailTests",
            dependencies: ["Mail", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FuzzCorpusReplayTests",
            dependencies: ["FuzzTargets", "CardToken", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MultipartTests",
            dependencies: ["Multipart"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FileChecksTests",
            dependencies: ["FileChecks", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IssuerWebTests",
            dependencies: ["IssuerWeb", "FormEncoding", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QREncoderTests",
            dependencies: ["QREncoder", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IssuerServiceTests",
            dependencies: [
                "IssuerService", "IssuerStore", "IssuerStoreSQLite", "IssuerStorePostgres", "StorageTransfer", "IssuerCore", "Clocks", "CardToken", "CardKeys", "DaemonSupport", "TestSupport", "SecureFiles", "AccountRules", "Mail", "ZipArchive", "Checksums",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VerifierServiceTests",
            dependencies: [
                "VerifierService", "Clocks", "CardToken", "CardKeys", "DaemonSupport", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "alumnicard", "alumnicard-verifier", "VerifierService", "CardToken", "CardKeys", "IssuerStore", "IssuerStoreSQLite", "TestSupport", "AccountRules",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["alumnicard", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
