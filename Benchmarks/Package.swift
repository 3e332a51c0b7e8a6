// swift-tools-version: 6.1
// Benchmarks live in their own package so the product build stays lean and
// so that peers (libqrencode) are linked only here. Run: Benchmarks/run.
import PackageDescription

let package = Package(
    name: "AlumniCardBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "AlumniCard", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // libqrencode, the C peer of the QR benchmark (apt-get install libqrencode-dev).
        .systemLibrary(
            name: "CQREncode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .executableTarget(
            name: "alumnicard-bench",
            dependencies: [
                "CQREncode",
                .product(name: "CardToken", package: "AlumniCard"),
                .product(name: "QREncoder", package: "AlumniCard"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "IssuerService", package: "AlumniCard"),
                .product(name: "IssuerStore", package: "AlumniCard"),
                .product(name: "IssuerStoreSQLite", package: "AlumniCard"),
                .product(name: "VerifierService", package: "AlumniCard"),
                .product(name: "Clocks", package: "AlumniCard"),
                .product(name: "CardKeys", package: "AlumniCard"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AccountRules", package: "AlumniCard"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
