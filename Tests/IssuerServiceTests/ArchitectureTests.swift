import Foundation
import Testing
import TestSupport

/// Issue #26: the layers stay apart. A source scan, so a stray import is
/// caught by the test suite rather than by the next reader.
@Suite("What each target may import")
struct ArchitectureTests {
    /// Modules that speak HTTP or SQL; the domain targets use none of them.
    /// (HummingbirdBcrypt is not among them: it is bcrypt in C, and its
    /// package gives it no dependency but CBcrypt. HummingbirdOTP is, since
    /// it depends on HummingbirdAuth and so on Hummingbird.)
    static let transportAndStorage: Set<String> = [
        "Hummingbird", "HummingbirdCore", "HummingbirdTesting", "HummingbirdAuth", "HummingbirdOTP", "HTTPTypes", "NIOHTTP1", "GRDB", "PostgresNIO",
    ]

    /// Every module a target's sources import, with the files that import it.
    static func imports(of target: String) throws -> [String: [String]] {
        let directory = ProjectPaths.packageRoot.appendingPathComponent("Sources/\(target)")
        let files = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.allObjects as? [URL])
        var found: [String: [String]] = [:]
        for file in files where file.pathExtension == "swift" {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                // `import X`, `@testable import X`, `package import X`, `import struct X.Y`.
                guard let at = words.firstIndex(of: "import"), at + 1 < words.count, words[..<at].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "package" || $0 == "internal" }) else { continue }
                let module = words[at + 1] == "struct" || words[at + 1] == "class" || words[at + 1] == "enum" || words[at + 1] == "func" ? words[at + 2] : words[at + 1]
                found[String(module.split(separator: ".")[0]), default: []].append(file.lastPathComponent)
            }
        }
        return found
    }

    @Test func theDomainTargetImportsNeitherHTTPNorAStorageEngine() throws {
        let sources = ProjectPaths.packageRoot.appendingPathComponent("Sources/IssuerCore")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sources.path).contains { $0.hasSuffix(".swift") }, "the scan finds IssuerCore's sources")
        let imports = try Self.imports(of: "IssuerCore")
        let wrong = imports.filter { Self.transportAndStorage.contains($0.key) }
        #expect(wrong.isEmpty, "IssuerCore imports \(wrong)")
    }

    @Test func theStorageModelImportsNoStorageEngine() throws {
        let imports = try Self.imports(of: "IssuerStore")
        #expect(imports["CardToken"] != nil, "the scan finds IssuerStore's imports")
        let wrong = imports.filter { Self.transportAndStorage.contains($0.key) }
        #expect(wrong.isEmpty, "IssuerStore imports \(wrong)")
    }

    /// The HTTP layer calls domain services only: the composition root
    /// composes the storage (IssuerServices.swift, and StorageEngine.swift,
    /// which names the engines it chooses between), and no
    /// controller, page or middleware names a repository, the storage's
    /// bundle of them, or a storage engine.
    @Test func noControllerPageOrMiddlewareCallsARepository() throws {
        let directory = ProjectPaths.packageRoot.appendingPathComponent("Sources/IssuerService")
        let files = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.allObjects as? [URL])
            .filter { $0.pathExtension == "swift" }
        #expect(files.count > 30, "the scan finds IssuerService's sources")
        let root = "IssuerServices.swift", roots: Set = [root, "StorageEngine.swift"]
        #expect(files.filter { roots.contains($0.lastPathComponent) }.count == 2)
        let storageNames = try Regex(#"\b(repositories|[A-Z]\w*Repository|IssuerStoreSQLite|AppDatabase|DatabaseThreads|AccountStore|StaffStore|KeyStore|MailOutbox|AuditLog|AdminTokenStore|MerchantDirectory|ApplicationStore|LoginLockouts|RateCounters)\b"#)
        var offenders: [String] = []
        for file in files where !roots.contains(file.lastPathComponent) {
            for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if let match = code.firstMatch(of: storageNames) { offenders.append("\(file.lastPathComponent):\(number + 1): \(code[match.range])") }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
        // The scan would see one: the composition root names them.
        let composition = try String(contentsOf: directory.appendingPathComponent(root), encoding: .utf8)
        #expect(composition.firstMatch(of: storageNames) != nil)
    }

    @Test func theScanSeesWhatItLooksFor() throws {
        // IssuerService is the HTTP layer: if the scan missed its imports, the check above would pass vacuously.
        let imports = try Self.imports(of: "IssuerService")
        #expect(imports["Hummingbird"] != nil && imports["HTTPTypes"] != nil)
        #expect(try Self.imports(of: "IssuerStoreSQLite")["GRDB"] != nil)
    }
}
