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
    ],
    targets: [
        .executableTarget(
            name: "alumnicard-bench",
            dependencies: [
                .product(name: "CardToken", package: "AlumniCard"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
