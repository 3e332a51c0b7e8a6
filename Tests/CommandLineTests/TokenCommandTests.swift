import Foundation
import TestSupport
import Testing

/// `alumnicard keys` and `alumnicard token`, run as a user would run them.
@Suite(.onItsOwnThread) struct TokenCommandTests {
    let alumnicard = ProjectPaths.builtProduct("alumnicard")

    func run(_ arguments: [String], in directory: URL) throws -> ExternalTool.Result {
        try ExternalTool.runCollecting(alumnicard, arguments, currentDirectory: directory)
    }

    @Test(arguments: ["ed25519", "hs256", "hs256-64"])
    func issuedTokensVerifyAndCorruptedOnesAreRefusedWithAReason(_ alg: String) throws {
        let directory = try ProjectPaths.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }

        let generate = try run(["keys", "generate", "--alg", alg, "--out", "key.jwk"], in: directory)
        #expect(generate.status == 0, "\(generate.standardError)")
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("key.jwk").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        var keysFile = "key.jwk"
        if alg == "ed25519" {
            let publicSet = try run(["keys", "public", "key.jwk"], in: directory)
            #expect(publicSet.status == 0)
            #expect(!publicSet.output.contains("\"d\""), "the public set must not carry the private key")
            try publicSet.standardOutput.write(to: directory.appendingPathComponent("public.json"))
            keysFile = "public.json"
        }

        let issue = try run(["token", "issue", "--key", "key.jwk", "--card", "A000001234", "--name", "林○明", "--valid-through", "2099-12-31"], in: directory)
        #expect(issue.status == 0, "\(issue.standardError)")
        let token = issue.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("AC1:"))

        let verify = try run(["token", "verify", token, "--keys", keysFile], in: directory)
        #expect(verify.status == 0)
        #expect(verify.output.hasPrefix("OK"))

        let json = try run(["token", "verify", token, "--keys", keysFile, "--json"], in: directory)
        let report = try JSONSerialization.jsonObject(with: json.standardOutput) as? [String: Any]
        #expect(report?["reason"] as? String == "ok")
        #expect(report?["card_number"] as? String == "A000001234")

        var corrupted = Array(token)
        corrupted[40] = corrupted[40] == "A" ? "B" : "A"
        let refused = try run(["token", "verify", String(corrupted), "--keys", keysFile, "--json"], in: directory)
        #expect(refused.status == 1)
        let refusal = try JSONSerialization.jsonObject(with: refused.standardOutput) as? [String: Any]
        #expect(["malformed", "bad_signature"].contains(refusal?["reason"] as? String ?? ""))
    }

    @Test func keyFilesAreNeverOverwrittenSilently() throws {
        let directory = try ProjectPaths.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["keys", "generate", "--out", "key.jwk"], in: directory).status == 0)
        let before = try Data(contentsOf: directory.appendingPathComponent("key.jwk"))
        let again = try run(["keys", "generate", "--out", "key.jwk"], in: directory)
        #expect(again.status == 1)
        #expect(again.standardError.contains("--force"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("key.jwk")) == before)
        #expect(try run(["keys", "generate", "--out", "key.jwk", "--force"], in: directory).status == 0)
        #expect(try Data(contentsOf: directory.appendingPathComponent("key.jwk")) != before)
    }

    @Test func usageErrorsExitWithTwo() throws {
        let directory = try ProjectPaths.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["token", "verify", "AC1:X", "--keys", "missing.json"], in: directory).status == 2)
        #expect(try run(["token", "verify", "AC1:X"], in: directory).status == 2)
        #expect(try run(["token", "verify", "AC1:X", "--keys", "k", "--unknown"], in: directory).status == 2)
        #expect(try run(["token", "verify", "AC1:X", "--keys", "k", "--time-zone", "Mars/Olympus"], in: directory).status == 2)
    }

    @Test func theSharedVectorsVerifyFromTheCommandLine() throws {
        let directory = try ProjectPaths.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try JSONSerialization.jsonObject(with: Data(contentsOf: ProjectPaths.ac1Vector("tokens.json"))) as? [String: Any]
        let vectors = try #require(file?["vectors"] as? [[String: Any]])
        for vector in vectors.prefix(12) {
            let token = try #require(vector["token"] as? String)
            let now = try #require(vector["now"] as? Int)
            let leeway = try #require(vector["leeway_s"] as? Int)
            let result = try run(["token", "verify", token, "--keys", ProjectPaths.ac1Vector("keys.jwks.json").path,
                                  "--now", String(now), "--leeway", String(leeway), "--json"], in: directory)
            let report = try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any]
            #expect(report?["reason"] as? String == vector["expect"] as? String)
            #expect(result.status == (vector["expect"] as? String == "ok" ? 0 : 1))
        }
    }
}
