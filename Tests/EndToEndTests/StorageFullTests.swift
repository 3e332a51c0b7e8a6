import Foundation
import NIOHTTP1
import GRDB
import IssuerStore
import IssuerStoreSQLite
import TestSupport
import Testing

/// The issuer's database filling up (`storage.max_database_bytes`, which
/// fails writes exactly as a full disk does): writes are refused with 503
/// `storage_full` and an error-level log line, reads and tokens go on,
/// nothing written before is lost, and a larger cap lets the refused write in.
@Suite("The issuer with its storage full", .serialized, .onItsOwnThread)
struct StorageFullTests {
    static let rows = 400

    static func start(_ directory: URL, maxBytes: Int) async throws -> RunningDaemon {
        try await offCooperativePool {
            try RunningDaemon(ProjectPaths.builtProduct("alumnicard"),
                              ["serve", "--dev", "--data-dir", directory.appendingPathComponent("data").path, "--host", "127.0.0.1", "--port", "0"],
                              environment: ["PATH": "/usr/bin:/bin", "ALUMNICARD_LOGGING_LEVEL": "warning", "ALUMNICARD_HUMAN_CHECK_LOGIN": "never",
                                            "ALUMNICARD_STORAGE_MAX_DATABASE_BYTES": String(maxBytes)])
        }
    }

    static func batch(_ number: Int) -> String {
        var csv = "student_id,display_name,email\n"
        for row in 1...rows { csv += "F\(String(format: "%03d", number))\(String(format: "%05d", row)),滿\(number)-\(row),full\(number)-\(row)@example.org\n" }
        return csv
    }

    static func admin(_ directory: URL) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent("data/admin-token")), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aFullDatabaseRefusesWritesWith503KeepsServingAndTakesTheWriteOnceThereIsRoom() async throws {
        let directory = try ProjectPaths.temporaryDirectory("storage-full")
        defer { try? FileManager.default.removeItem(at: directory) }
        var daemon = try await Self.start(directory, maxBytes: 2 << 20)
        let admin = try Self.admin(directory)
        let login = try await LoopbackHTTP.request(.POST, daemon.baseURL + "/v1/session", json: ["login": "R09000001", "password": "demo-password"])
        let session = try #require(login.object["session_token"] as? String)

        // Imports until the cap refuses one; each import is all or nothing.
        var accepted = 0
        var refusal: LoopbackHTTP.Answer?
        for number in 1...40 {
            let answer = try await LoopbackHTTP.request(.POST, daemon.baseURL + "/v1/admin/cards/import", bearer: admin, text: Self.batch(number))
            if answer.status == 200 { accepted += 1; continue }
            refusal = answer
            break
        }
        let refused = try #require(refusal, "2 MiB never filled")
        #expect(accepted >= 1)
        #expect(refused.status == 503, "\(String(decoding: refused.data, as: UTF8.self))")
        #expect((refused.object["error"] as? [String: Any])?["code"] as? String == "storage_full", "\(refused.object)")

        // Reads, tokens, the key set and health go on.
        #expect(try await LoopbackHTTP.request(.GET, daemon.baseURL + "/healthz").status == 200)
        #expect(try await LoopbackHTTP.request(.GET, daemon.baseURL + "/.well-known/alumni-card/keyset.jws").status == 200)
        let token = try await LoopbackHTTP.request(.GET, daemon.baseURL + "/v1/card/token", bearer: session)
        #expect(token.status == 200, "\(token.object)")
        let verdict = try await LoopbackHTTP.request(.POST, daemon.baseURL + "/v1/verify", json: ["token": token.object["token"] as? String ?? ""])
        #expect(verdict.object["reason"] as? String == "ok")
        #expect(try await LoopbackHTTP.request(.GET, daemon.baseURL + "/v1/admin/keys", bearer: admin).status == 200)
        #expect(daemon.stop() == 0)
        // The operator is told, at error level, what happened and what to do.
        #expect(daemon.printed.contains("the database is full and writes are refused") && daemon.printed.contains("storage.max_database_bytes"),
                "\(daemon.printed.suffix(2_000))")

        // Nothing accepted was lost, the refused import left nothing, the file is sound.
        func holders(_ prefix: String) throws -> Int {
            let database = try AppDatabase.open(path: directory.appendingPathComponent("data/issuer.sqlite").path)
            #expect(try database.integrityCheck() == "ok")
            return try database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM holder WHERE upper(student_id) LIKE ? || '%'", arguments: [prefix]) ?? -1
            }
        }
        #expect(try holders("F") == accepted * Self.rows)
        #expect(try holders(String(format: "F%03d", accepted + 1)) == 0)

        // With room again (a larger cap), the same import goes in.
        daemon = try await Self.start(directory, maxBytes: 64 << 20)
        let again = try await LoopbackHTTP.request(.POST, daemon.baseURL + "/v1/admin/cards/import", bearer: admin, text: Self.batch(accepted + 1))
        #expect(again.status == 200, "\(again.object)")
        #expect(daemon.stop() == 0)
        #expect(try holders("F") == (accepted + 1) * Self.rows)
    }
}
