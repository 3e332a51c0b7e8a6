import Foundation
import TestSupport
import Testing

/// Issue #27: the command line on PostgreSQL, chosen by the same settings
/// as the daemon (`ALUMNICARD_STORAGE_POSTGRES_URL`, the password from a
/// 0600 file): the keys rotated, listed and revoked in the database every
/// instance shares, and a URL that would put a password in a file refused.
@Suite(.onItsOwnThread) struct PostgresCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")
    static let start: Int64 = 1_764_036_000

    func run(_ arguments: [String], in directory: URL, environment: [String: String]) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }, currentDirectory: directory)
    }

    @Test func keysAreRotatedListedAndRevokedInTheSharedDatabase() throws {
        let server = try PostgresTestServer.shared()
        let database = try server.createDatabase(prefix: "cli")
        let directory = try ProjectPaths.temporaryDirectory("cli-postgres")
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = try server.writePasswordFile(in: directory)
        let environment = ["ALUMNICARD_STORAGE_POSTGRES_URL": server.url(database: database),
                           "ALUMNICARD_STORAGE_POSTGRES_PASSWORD_FILE": passwordFile.path]
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory, environment: [:]).status == 0)
        let store = ["--kek", "kek", "--data-dir", directory.path]

        let first = try run(["keys", "rotate", "--now", "\(Self.start)"] + store, in: directory, environment: environment)
        #expect(first.status == 0, "\(first.standardError)")
        let listed = try run(["keys", "list", "--json"] + store, in: directory, environment: environment)
        #expect(listed.status == 0, "\(listed.standardError)")
        let keys = try JSONSerialization.jsonObject(with: listed.standardOutput) as? [[String: String]] ?? []
        #expect(keys.compactMap { $0["state"] }.sorted() == ["active", "published"], "the first key active, its standby published: \(keys)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("issuer.sqlite").path), "no SQLite file was made")
        #expect(try server.psql("SELECT count(*) FROM signing_key", database: database) == "2", "the keys are in PostgreSQL")

        let active = try #require(keys.first { $0["state"] == "active" }?["kid"])
        let revoked = try run(["keys", "revoke", active, "--reason", "drill"] + store, in: directory, environment: environment)
        #expect(revoked.status == 0, "\(revoked.standardError)")
        let after = try JSONSerialization.jsonObject(with: try run(["keys", "list", "--json"] + store, in: directory, environment: environment).standardOutput)
            as? [[String: String]] ?? []
        #expect(after.first { $0["kid"] == active }?["state"] == "revoked" && after.contains { $0["state"] == "active" }, "\(after)")

    }

    /// A root kept offline, on PostgreSQL: the unsigned payload takes a seq
    /// in the shared database, is signed elsewhere and installed back; a
    /// signed export is installed at once. Either is what every instance serves.
    @Test func theKeySetIsExportedForAnOfflineRootAndInstalledBack() throws {
        let server = try PostgresTestServer.shared()
        let database = try server.createDatabase(prefix: "cli")
        let directory = try ProjectPaths.temporaryDirectory("cli-postgres-keyset")
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["ALUMNICARD_STORAGE_POSTGRES_URL": server.url(database: database),
                           "ALUMNICARD_STORAGE_POSTGRES_PASSWORD_FILE": try server.writePasswordFile(in: directory).path]
        let store = ["--kek", "kek", "--data-dir", directory.path]
        let now = "\(Self.start)"
        for step in [["kek", "generate", "--out", "kek"], ["keys", "root", "--generate", "--out", "root.jwk"],
                     ["keys", "rotate", "--now", now] + store,
                     ["keyset", "export", "--unsigned", "--now", now, "--out", "unsigned.json"] + store,
                     ["keyset", "sign", "--root", "root.jwk", "--in", "unsigned.json", "--out", "set.jws"]] {
            let result = try run(step, in: directory, environment: environment)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        let unsigned = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("unsigned.json"))) as? [String: Any]
        let seq = try #require(unsigned?["seq"] as? Int64)
        #expect(seq >= Self.start && (unsigned?["keys"] as? [Any])?.count == 2, "\(String(describing: unsigned))")
        #expect(try server.psql("SELECT seq FROM keyset_state", database: database) == "\(seq)", "the seq is taken in the shared database")
        #expect(try server.psql("SELECT count(*) FROM keyset_state WHERE document IS NULL", database: database) == "1", "nothing served yet")

        try run(["keys", "root", "--public", "--root", "root.jwk"], in: directory, environment: [:]).standardOutput
            .write(to: directory.appendingPathComponent("root.pub.json"))
        let install = try run(["keyset", "install", "set.jws", "--root-public", "root.pub.json", "--now", now] + store, in: directory, environment: environment)
        #expect(install.status == 0, "\(install.standardError)")
        let signedOffline = try String(contentsOf: directory.appendingPathComponent("set.jws"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try server.psql("SELECT document FROM keyset_state", database: database) == signedOffline)

        // Signed here with the root: a higher seq, installed at once, and a verifier accepts it.
        let signed = try run(["keyset", "export", "--root", "root.jwk", "--now", "\(Self.start + 60)", "--out", "next.jws"] + store,
                             in: directory, environment: environment)
        #expect(signed.status == 0, "\(signed.standardError)")
        let verdict = try run(["keyset", "verify", "next.jws", "--root", "root.pub.json", "--held-seq", "\(seq)", "--now", "\(Self.start + 60)", "--json"],
                              in: directory, environment: [:])
        let checked = try JSONSerialization.jsonObject(with: verdict.standardOutput) as? [String: Any]
        #expect(verdict.status == 0 && (checked?["seq"] as? Int64 ?? 0) > seq, "\(verdict.output)")
        #expect(try server.psql("SELECT document FROM keyset_state", database: database)
            == String(contentsOf: directory.appendingPathComponent("next.jws"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aPasswordInTheConfigurationFilesURLIsRefused() throws {
        let directory = try ProjectPaths.temporaryDirectory("cli-postgres-url")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("storage:\n  postgres_url: postgres://alumnicard:secret@127.0.0.1:5432/alumnicard?sslmode=disable\n".utf8)
            .write(to: directory.appendingPathComponent("issuer.yaml"))
        #expect(try run(["kek", "generate", "--out", "kek"], in: directory, environment: [:]).status == 0)
        let result = try run(["keys", "list", "--config", "issuer.yaml", "--kek", "kek"], in: directory, environment: [:])
        let message = result.standardError
        #expect(result.status != 0 && message.contains("storage.postgres_url") && message.contains("postgres_password_file"), "\(message)")
        #expect(!message.contains("secret"), "the password is never echoed")
        // Without sslmode the URL is refused too, rather than guessed.
        try Data("storage:\n  postgres_url: postgres://alumnicard@db.example.edu/alumnicard\n".utf8).write(to: directory.appendingPathComponent("issuer.yaml"))
        let noMode = try run(["keys", "list", "--config", "issuer.yaml", "--kek", "kek"], in: directory, environment: [:])
        #expect(noMode.status != 0 && noMode.standardError.contains("sslmode"))
    }
}
