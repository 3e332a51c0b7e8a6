// swift-tools-version: 6.1
// The libFuzzer executables, one per parser, in their own package so the
// product build never sees the sanitizer or the fuzzing runtime. Build and
// run them with scripts/fuzz (it passes the sanitizer and coverage flags);
// docs/reliability.md says what is fuzzed and for how long.
import PackageDescription

/// The parsers, by the names `scripts/fuzz` and `Fuzz/corpus/` use.
let parsers = [
    "ac1-token", "cbor", "base45", "keyset-jws", "jwk", "registrar-csv", "merchant-csv", "calendar-csv",
    "issuer-config", "verifier-config", "form", "human-check", "json-body", "verify-body", "smtp-reply", "multipart", "multipart-parser",
    "file-structure",
]

let package = Package(
    name: "AlumniCardFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "AlumniCard", path: ".."),
    ],
    targets: [
        // The glue to libFuzzer's driver: one entry point per executable.
        .target(
            name: "FuzzDriver",
            dependencies: [.product(name: "FuzzTargets", package: "AlumniCard")]
        ),
    ] + parsers.map { parser in
        .executableTarget(name: "fuzz-\(parser)", dependencies: ["FuzzDriver"], path: "Sources/fuzz-\(parser)")
    },
    swiftLanguageModes: [.v6]
)
