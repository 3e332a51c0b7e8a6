import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Issue #27: `alumnicard storage migrate --to URL` moves a populated
/// SQLite issuer (the development seed, an application with its documents,
/// an approved account, sessions, keys and mail) to PostgreSQL; the daemon
/// started on PostgreSQL then serves everyone as before.
@Suite("From SQLite to PostgreSQL", .serialized, .onItsOwnThread)
struct StorageMigrateTests {
    @Test func aPopulatedDatabaseArrivesWholeAndTheIssuerServesItOnPostgreSQL() async throws {
        var setup = try await AccountFlowTests.setUp("storage-migrate")
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        let base = setup.daemon.baseURL, admin = setup.admin

        // On SQLite: an application with documents, approved; a session and a token from before the move.
        let submitted = try await AccountFlowTests.apply(base)
        let id = try #require(submitted.object["application_id"] as? String, "\(submitted.text)")
        let approved = try await LoopbackHTTP.request(.POST, base + "/v1/admin/account-applications/\(id)/approve", bearer: admin,
                                                      json: ["student_id": "R03922001"])
        #expect(approved.status == 200, "\(approved.text)")
        _ = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 2)
        let session = try #require(try await AccountFlowTests.login(base, "R09000001", "demo-password").object["session_token"] as? String)
        let token = try #require(try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: session).object["token"] as? String)
        #expect(setup.daemon.stop() == 0)

        // The move.
        let server = try PostgresTestServer.shared()
        let database = try server.createDatabase(prefix: "moved")
        let passwordFile = try server.writePasswordFile(in: setup.directory)
        let data = setup.directory.appendingPathComponent("data")
        let arguments = ["storage", "migrate", "--to", server.url(database: database), "--password-file", passwordFile.path,
                         "--data-dir", data.path, "--kek", data.appendingPathComponent("kek").path]
        let moved = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard"), arguments, environment: ["PATH": "/usr/bin:/bin"])
        #expect(moved.status == 0, "\(moved.standardError)")
        #expect(moved.output.contains("every count and checksum agrees"), "\(moved.output)")

        // Every table holds as many rows on both sides, counted by sqlite3 and psql, not by alumnicard.
        let tables = try server.psql("""
            SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables
            WHERE table_schema = 'public' AND table_name <> 'schema_migration'
            """, database: database).split(separator: " ").map(String.init)
        #expect(tables.count > 20 && tables.contains("holder") && tables.contains("application_document"))
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for t in sys.argv[2:]: print(t, db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0])
            """
        let counted = try ExternalTool.runCollecting(ProjectPaths.testPython, ["-c", script, data.appendingPathComponent("issuer.sqlite").path] + tables)
        #expect(counted.status == 0, "\(counted.standardError)")
        var nonEmpty = 0
        for line in counted.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let table = String(parts[0]), rows = String(parts[1])
            #expect(try server.psql("SELECT count(*) FROM \(table)", database: database) == rows, "\(table)")
            if rows != "0" { nonEmpty += 1 }
        }
        #expect(nonEmpty >= 10, "the seed and the walk filled most tables: \(counted.output)")

        // A second run finds the target full and changes nothing.
        let again = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard"), arguments, environment: ["PATH": "/usr/bin:/bin"])
        #expect(again.status != 0 && again.standardError.contains("not empty"), "\(again.standardError)")

        // The daemon on PostgreSQL, over the same data directory and documents.
        setup.daemon = try await AccountFlowTests.startIssuer(setup.directory, smtpPort: setup.sinkPort, environment: [
            "ALUMNICARD_STORAGE_POSTGRES_URL": server.url(database: database), "ALUMNICARD_STORAGE_POSTGRES_PASSWORD_FILE": passwordFile.path])
        let after = setup.daemon.baseURL
        #expect(try await LoopbackHTTP.request(.GET, after + "/v1/card", bearer: session).status == 200, "the session from before the move")
        let verdict = try await LoopbackHTTP.request(.POST, after + "/v1/verify", json: ["token": token])
        #expect(verdict.object["reason"] as? String == "ok", "a token issued before the move: \(verdict.object)")
        let login = try await AccountFlowTests.login(after, "R09000001", "demo-password")
        #expect(login.status == 201, "\(login.text)")
        let first = try await AccountFlowTests.login(after, "r03922001", AccountFlowTests.nationalID.lowercased())
        #expect(first.status == 201, "the first login with the national ID, sealed on SQLite: \(first.text)")
        let document = try await LoopbackHTTP.request(.GET, after + "/v1/admin/account-applications/\(id)/documents/id_document", bearer: admin)
        #expect(Array(document.data) == (try AccountFlowTests.fixture("id-document.pdf")), "the document opens")
        let keySet = try await LoopbackHTTP.request(.GET, after + "/.well-known/alumni-card/keyset.jws")
        #expect(keySet.status == 200)
    }
}
