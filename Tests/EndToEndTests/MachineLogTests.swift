import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// `logging.format: json` on both real daemons through a flow that handles
/// every kind of secret: each line of their logs is read by Python's `json`,
/// and none of the secrets appears anywhere in them.
@Suite("Logs for machines", .serialized, .onItsOwnThread)
struct MachineLogTests {
    /// Python reads the log: every line one JSON object with the stable
    /// keys; then the secrets (given on stdin, one a line) are searched for
    /// in the raw text, case-insensitively. Prints {"lines": N, "levels": [...], "found": [...]}.
    static let check = """
        import json, sys
        log, secrets = open(sys.argv[1], encoding="utf-8").read(), [s for s in sys.stdin.read().split("\\n") if s]
        lines, levels = 0, set()
        for number, line in enumerate(log.split("\\n")[:-1], 1):
            entry = json.loads(line)
            assert isinstance(entry, dict), f"line {number} is not an object"
            assert set(entry) == {"ts", "level", "label", "source", "message", "metadata"}, f"line {number}: {sorted(entry)}"
            assert all(isinstance(v, str) for v in entry["metadata"].values()), f"line {number}: metadata"
            lines += 1
            levels.add(entry["level"])
        assert log == "" or log.endswith("\\n"), "the last line is cut off"
        found = [i for i, s in enumerate(secrets) if s.lower() in log.lower()]
        json.dump({"lines": lines, "levels": sorted(levels), "found": found}, sys.stdout)
        """

    static func read(_ log: URL, secrets: [String]) throws -> [String: Any] {
        let output = try ExternalTool.run(ProjectPaths.testPython, ["-c", check, log.path], input: Data(secrets.joined(separator: "\n").utf8))
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    @Test func bothDaemonsLogJSONLinesWithNoTokenPasswordOrNationalID() async throws {
        let setup = try await AccountFlowTests.setUp("json-logs")
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        setup.daemon.stop()
        let issuerLog = setup.directory.appendingPathComponent("issuer.log"), verifierLog = setup.directory.appendingPathComponent("verifier.log")
        let issuer = try await AccountFlowTests.startIssuer(setup.directory, smtpPort: setup.sinkPort,
                                                            environment: ["ALUMNICARD_LOGGING_FORMAT": "json", "ALUMNICARD_LOGGING_LEVEL": "debug"],
                                                            errorLog: issuerLog)
        let base = issuer.baseURL, admin = setup.admin

        // An application (national ID, address, documents), its approval and the mail.
        let applied = try await AccountFlowTests.apply(base)
        #expect(applied.status == 202)
        let id = try #require(applied.object["application_id"] as? String)
        _ = try await LoopbackHTTP.request(.GET, base + "/v1/admin/account-applications/\(id)/national-id", bearer: admin)
        let approved = try await LoopbackHTTP.request(.POST, base + "/v1/admin/account-applications/\(id)/approve", bearer: admin, json: ["student_id": "R03922001"])
        #expect(approved.status == 200)
        // Failed logins, the first login with the national ID, the change, a session and its token.
        let wrong = "Wrong-Guess-4711"
        #expect(try await AccountFlowTests.login(base, "R03922001", wrong).status != 201)
        let forced = try #require(try await AccountFlowTests.login(base, "R03922001", AccountFlowTests.nationalID).object["session_token"] as? String)
        let refused = "Ab1!zq" // too short
        _ = try await LoopbackHTTP.request(.POST, base + "/v1/account/password", bearer: forced, json: ["current_password": AccountFlowTests.nationalID, "new_password": refused])
        let chosen = "Tr1cky-but-fine"
        #expect(try await LoopbackHTTP.request(.POST, base + "/v1/account/password", bearer: forced,
                                               json: ["current_password": AccountFlowTests.nationalID, "new_password": chosen]).status == 204)
        let demo = try #require(try await AccountFlowTests.login(base, "R09000001", "demo-password").object["session_token"] as? String)
        let token = try #require(try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: demo).object["token"] as? String)
        _ = try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: "acs_not-a-real-session-token-1234567890")
        let mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 2)
        let statusToken = try #require(mails.lazy.compactMap { $0.text.firstMatch(of: /ast_[A-Za-z0-9_-]{20,}/).map { String($0.output) } }.first)

        // The verifier scans the token, a forged one and garbage.
        let verifier = try await offCooperativePool {
            try MerchantVerifierTests.startVerifier(setup.directory, issuerPort: issuer.port,
                                                    root: setup.directory.appendingPathComponent("data/root.pub.jwk").path,
                                                    environment: ["ALUMNICARD_VERIFIER_LOGGING_FORMAT": "json", "ALUMNICARD_VERIFIER_LOGGING_LEVEL": "debug"],
                                                    errorLog: verifierLog)
        }
        try await MerchantVerifierTests.waitUntil("the verifier is ready") {
            try await LoopbackHTTP.request(.GET, verifier.baseURL + "/readyz").status == 200
        }
        #expect(try await MerchantVerifierTests.verify(verifier, token)["reason"] as? String == "ok")
        let forged = String(token.dropLast(4)) + "AAAA"
        _ = try await MerchantVerifierTests.verify(verifier, forged)
        _ = try await LoopbackHTTP.request(.POST, verifier.baseURL + "/v1/verify", text: "AC1:" + String(repeating: "Z", count: 300))
        #expect(try await offCooperativePool { verifier.stop() } == 0)
        #expect(try await offCooperativePool { issuer.stop() } == 0)

        let adminToken = admin
        let secrets = [token, forged, demo, forced, statusToken, adminToken, wrong, chosen, "demo-password", refused,
                       AccountFlowTests.nationalID, "羅斯福路四段1號", "0912345678", "1992-03-04"]
        for (name, log, atLeast) in [("issuer", issuerLog, 10), ("verifier", verifierLog, 3)] {
            let report = try Self.read(log, secrets: secrets)
            #expect((report["lines"] as? Int ?? 0) >= atLeast, "\(name): \(report)")
            #expect((report["levels"] as? [String] ?? []).contains("info"), "\(name): \(report)")
            let found = (report["found"] as? [Int] ?? [-1]).map { secrets[$0] }
            #expect(found.isEmpty, "\(name)'s log holds \(found.count) secret(s), the ones at \(report["found"] ?? "?")")
        }
    }
}
