import Foundation

/// Where the tests find the project's own files and the shared contracts.
public enum ProjectPaths {
    /// The package's root directory, found from this file's path so tests
    /// work from any working directory.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        // Sources/TestSupport/ProjectPaths.swift → the package root.
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared` beside the checkout, or `$ALUMNICARD_SHARED` when set.
    public static let shared: URL = {
        if let override = ProcessInfo.processInfo.environment["ALUMNICARD_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// A file of the AC1 test vectors.
    public static func ac1Vector(_ name: String) -> URL {
        shared.appendingPathComponent("vectors/ac1/\(name)")
    }

    /// The Python of the test virtual environment that `scripts/test` makes.
    public static let testPython: URL = packageRoot.appendingPathComponent(".build/test-venv/bin/python")

    /// A script of the project's interop tests.
    public static func interopScript(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Interop/\(name)")
    }
}

extension ProjectPaths {
    /// An executable this package builds, found beside the running test
    /// bundle (so `swift test -c release` finds release builds).
    public static func builtProduct(_ name: String) -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/\(name)")
    }

    /// Where the browser tests save their screenshots: `docs/images/<part>`
    /// when `ALUMNICARD_UPDATE_SCREENSHOTS=1` (to refresh the docs'
    /// pictures), else `.build/screenshots/<part>`, so that a test run
    /// leaves the checkout as it was.
    public static func screenshotDirectory(_ part: String = "") throws -> URL {
        let updating = ProcessInfo.processInfo.environment["ALUMNICARD_UPDATE_SCREENSHOTS"] == "1"
        let url = packageRoot.appendingPathComponent(updating ? "docs/images" : ".build/screenshots").appendingPathComponent(part)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh temporary directory for one test, removed by the caller.
    public static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("alumnicard-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
