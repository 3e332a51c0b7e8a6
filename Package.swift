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
        .library(name: "CardToken", targets: ["CardToken"]),
        .library(name: "QREncoder", targets: ["QREncoder"]),
        .library(name: "CardKeys", targets: ["CardKeys"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
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
        // The issuer's SQLite database (GRDB): keys sealed under the KEK, key set seq, audit log.
        .target(
            name: "IssuerStore",
            dependencies: [
                "CardKeys", "CardToken", "SecureFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // ISO/IEC 18004 QR Code encoder and its renderers. No dependencies.
        .target(
            name: "QREncoder",
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
        .executableTarget(
            name: "alumnicard",
            dependencies: [
                "CardToken",
                "CardKeys",
                "IssuerStore",
                "QREncoder",
                "SecureFiles",
                "CLISupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            dependencies: ["IssuerStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QREncoderTests",
            dependencies: ["QREncoder", "TestSupport"],
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
