import AsyncHTTPClient
import CardKeys
import CardToken
import Foundation
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The issuer daemon as a real process on a loopback socket, in development
/// mode in a temporary data directory.
@Suite("The issuer daemon end to end", .serialized, .onItsOwnThread)
struct IssuerDaemonTests {
    static func startDaemon(_ directory: URL, extraArguments: [String] = []) throws -> RunningDaemon {
        try RunningDaemon(ProjectPaths.builtProduct("alumnicard"),
                          ["serve", "--dev", "--data-dir", directory.appendingPathComponent("data").path, "--host", "127.0.0.1", "--port", "0"] + extraArguments,
                          // These tests log in without the human check (AccountFlowTests solve it).
                          environment: ["PATH": "/usr/bin:/bin", "ALUMNICARD_LOGGING_LEVEL": "warning", "ALUMNICARD_HUMAN_CHECK_LOGIN": "never"])
    }

    static func request(_ method: HTTPMethod, _ url: String, bearer: String? = nil, json: [String: Any]? = nil) async throws -> (status: Int, body: Data) {
        let answer = try await LoopbackHTTP.request(method, url, bearer: bearer, json: json)
        return (answer.status, answer.data)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func login(_ daemon: RunningDaemon) async throws -> String {
        let answer = try await request(.POST, daemon.baseURL + "/v1/session", json: ["login": "R09000001", "password": "demo-password"])
        #expect(answer.status == 201)
        return try #require(try object(answer.body)["session_token"] as? String)
    }

    @Test func logInFetchTheTokenVerifyItThreeWaysAndReadItsQRCode() async throws {
        let directory = try ProjectPaths.temporaryDirectory("issuer-e2e")
        defer { try? FileManager.default.removeItem(at: directory) }
        let daemon = try Self.startDaemon(directory)
        #expect(daemon.printed.contains("DEVELOPMENT MODE"))

        let session = try await Self.login(daemon)
        let answer = try await Self.request(.GET, daemon.baseURL + "/v1/card/token", bearer: session)
        #expect(answer.status == 200)
        let body = try Self.object(answer.body)
        let token = try #require(body["token"] as? String)
        let kid = try #require(body["kid"] as? String)

        // 1. CardToken, with the key set fetched and checked as a merchant would.
        let jws = String(decoding: try await Self.request(.GET, daemon.baseURL + "/.well-known/alumni-card/keyset.jws").body, as: UTF8.self)
        let rootJWK = try JSONDecoder().decode(JSONWebKey.self, from: Data(contentsOf: directory.appendingPathComponent("data/root.pub.jwk")))
        let keySet = KeySetVerifier(pinnedRoots: [try RootPublicKey(jwk: rootJWK)]).verify(jws, heldSeq: nil, now: Int64(Date().timeIntervalSince1970))
        #expect(keySet.isOK, "\(keySet.detail)")
        let verdict = TokenVerifier(keys: try #require(keySet.document).trustedKeys()).verify(token, now: Int64(Date().timeIntervalSince1970))
        #expect(verdict.reason == .ok, "\(verdict.detail)")
        #expect(verdict.claims?.cardNumber.rawValue == "A000001234")

        // 2. The Python cwt package, with the public key from jwks.json.
        let jwks = try Self.object(try await Self.request(.GET, daemon.baseURL + "/.well-known/jwks.json").body)
        let key = try #require((jwks["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == kid })
        let x = try #require(key["x"] as? String)
        let input: [String: Any] = ["tokens": [[
            "text": token, "alg": -8,
            "kid_hex": Hex.encode(try #require(Base64URL.decode(kid))),
            "public_key_hex": Hex.encode(try #require(Base64URL.decode(x))),
        ]]]
        let cwtOutput = try ExternalTool.python("cwt_verify.py", input: try JSONSerialization.data(withJSONObject: input))
        let cwtResults = try #require(try JSONSerialization.jsonObject(with: cwtOutput) as? [[String: Any]])
        #expect(cwtResults.first?["ok"] as? Bool == true, "\(cwtResults)")

        // 3. The issuer's own online verify.
        let online = try Self.object(try await Self.request(.POST, daemon.baseURL + "/v1/verify", json: ["token": token]).body)
        #expect(online["verdict"] as? String == "ok")

        // The QR code as PNG, read back by zxing-cpp.
        let png = try await Self.request(.GET, daemon.baseURL + "/v1/card/token/qr?format=png", bearer: session)
        #expect(png.status == 200)
        let pngPath = directory.appendingPathComponent("card.png")
        try png.body.write(to: pngPath)
        let decoded = try JSONSerialization.jsonObject(with: try ExternalTool.python("zxing_decode.py", [pngPath.path])) as? [[String: Any]]
        #expect(decoded?.first?["text"] as? String == token)

        #expect(daemon.stop() == 0)
        // No secret reached the log (the demo password is printed on purpose, and only in --dev).
        for secret in [session, token, String(decoding: try Data(contentsOf: directory.appendingPathComponent("data/admin-token")), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)] {
            #expect(!daemon.printed.contains(secret))
        }
    }

    @Test func sigtermDuringLoadFinishesOrRefusesEveryRequestAndLeavesTheDatabaseSound() async throws {
        let directory = try ProjectPaths.temporaryDirectory("issuer-sigterm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let daemon = try Self.startDaemon(directory)
        let session = try await Self.login(daemon)
        let output = try ExternalTool.python("shutdown_load.py", [daemon.baseURL, session, String(daemon.process.processIdentifier), "/v1/card/token"])
        let report = try Self.object(output)
        let counts = try #require(report["counts"] as? [String: Int])
        #expect(counts["ok", default: 0] >= 200, "\(report)")
        #expect(counts["incomplete"] == 0, "\(report)")
        #expect(counts["server_error"] == 0, "\(report)")
        #expect(counts["other"] == 0, "\(report)")
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.printed.suffix(2_000))")
        let database = try AppDatabase.open(path: directory.appendingPathComponent("data/issuer.sqlite").path)
        #expect(try database.integrityCheck() == "ok")
    }

    @Test func schemathesisFindsNoServerErrorAndNoSchemaViolation() async throws {
        let directory = try ProjectPaths.temporaryDirectory("issuer-schemathesis")
        defer { try? FileManager.default.removeItem(at: directory) }
        let daemon = try Self.startDaemon(directory)
        let session = try await Self.login(daemon)
        let admin = String(decoding: try Data(contentsOf: directory.appendingPathComponent("data/admin-token")), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let schemathesis = ProjectPaths.testPython.deletingLastPathComponent().appendingPathComponent("schemathesis")
        // Once as an administrator, once as the alumnus (without logging out midway).
        for (bearer, extra) in [(admin, [String]()), (session, ["--exclude-method", "DELETE"])] {
            let result = try ExternalTool.runCollecting(schemathesis, [
                "run", daemon.baseURL + "/openapi.yaml",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples", "25", "--seed", "20261124",
                "-H", "Authorization: Bearer \(bearer)",
            ] + extra, environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path, "SCHEMATHESIS_HOOKS": ""],
               currentDirectory: directory) // schemathesis keeps a cache in its working directory
            #expect(result.status == 0, "\(result.output.suffix(4_000))")
            #expect(result.output.contains("passed"))
        }
        #expect(daemon.stop() == 0)
    }

    @Test(arguments: [("alumnicard.service", "alumnicard"), ("alumnicard-verifier.service", "alumnicard-verifier"),
                      ("alumnicard-rotate-keys.service", "alumnicard"), ("alumnicard-publish-keyset.service", "alumnicard"),
                      ("alumnicard@.service", "alumnicard")])
    func theSystemdUnitsValidate(unitName: String, product: String) throws {
        let analyze = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        try #require(FileManager.default.isExecutableFile(atPath: analyze.path), "systemd-analyze is not installed")
        let directory = try ProjectPaths.temporaryDirectory("unit")
        defer { try? FileManager.default.removeItem(at: directory) }
        // `verify` checks that ExecStart exists: point it at the built binary.
        let unit = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("systemd/\(unitName)"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/\(product) ", with: ProjectPaths.builtProduct(product).path + " ")
        // A template is verified as one of its instances.
        let path = directory.appendingPathComponent(unitName.replacingOccurrences(of: "@.", with: "@8081."))
        try unit.write(to: path, atomically: true, encoding: .utf8)
        let verify = try ExternalTool.runCollecting(analyze, ["verify", path.path])
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(!verify.standardError.contains(path.lastPathComponent), "\(verify.standardError)")
        let security = try ExternalTool.runCollecting(analyze, ["security", "--offline=true", "--no-pager", path.path])
        let line = try #require(security.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let score = try #require(Double(line.split(separator: ":").last!.split(separator: " ").first!))
        #expect(score < 5.0, "\(line)") // systemd calls below 5 "OK", below 2 "SAFE"
        // One user model for the daemon and its timers (review #20), and
        // the root private key only where a key set is signed (#12).
        #expect(unit.contains("DynamicUser=yes"))
        #expect(unit.contains("alumnicard-root") == (unitName == "alumnicard-publish-keyset.service" || unitName == "alumnicard-rotate-keys.service"))
        #expect(unit.contains("LimitNOFILE=") || unit.contains("Type=oneshot"))
        // Every Documentation= file names a page this repository ships.
        for link in unit.split(separator: "\n") where link.hasPrefix("Documentation=file:") {
            let page = link.split(separator: "/").last.map(String.init) ?? ""
            #expect(FileManager.default.fileExists(atPath: ProjectPaths.packageRoot.appendingPathComponent("docs/\(page)").path), "\(link)")
        }
    }

}
