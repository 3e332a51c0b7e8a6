import AsyncHTTPClient
import CardKeys
import CardToken
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// A real issuer daemon and a real merchant verifier daemon on loopback.
@Suite("Issuer and merchant verifier end to end", .serialized, .onItsOwnThread)
struct MerchantVerifierTests {
    struct Pair {
        let directory: URL
        let issuer: RunningDaemon
        var verifier: RunningDaemon
        var root: String { directory.appendingPathComponent("issuer/root.pub.jwk").path }
        var adminToken: String {
            String(decoding: (try? Data(contentsOf: directory.appendingPathComponent("issuer/admin-token"))) ?? Data(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The issuer in development mode with a 10-second publication lead (no
    /// offline grace, no margin), so a rotation is allowed soon after start.
    static func startIssuer(_ directory: URL) throws -> RunningDaemon {
        try RunningDaemon(ProjectPaths.builtProduct("alumnicard"),
                          ["serve", "--dev", "--data-dir", directory.appendingPathComponent("issuer").path, "--host", "127.0.0.1", "--port", "0"],
                          environment: ["PATH": "/usr/bin:/bin", "ALUMNICARD_LOGGING_LEVEL": "warning", "ALUMNICARD_KEYS_OFFLINE_GRACE": "0", "ALUMNICARD_HUMAN_CHECK_LOGIN": "never",
                                        "ALUMNICARD_KEYS_SAFETY_MARGIN": "0", "ALUMNICARD_KEYS_KEYSET_REFRESH_INTERVAL": "10"])
    }

    static func startVerifier(_ directory: URL, issuerPort: Int, root: String, replay: String = "flag",
                              environment: [String: String] = [:], errorLog: URL? = nil, keySetURL: String? = nil) throws -> RunningDaemon {
        try RunningDaemon(ProjectPaths.builtProduct("alumnicard-verifier"),
                          ["serve", "--keyset-url", keySetURL ?? "http://127.0.0.1:\(issuerPort)/.well-known/alumni-card/keyset.jws", "--root", root,
                           "--data-dir", directory.appendingPathComponent("verifier").path, "--host", "127.0.0.1", "--port", "0"],
                          environment: ["PATH": "/usr/bin:/bin", "ALUMNICARD_VERIFIER_LOGGING_LEVEL": "warning",
                                        "ALUMNICARD_VERIFIER_SYNC_REFRESH_INTERVAL": "1", "ALUMNICARD_VERIFIER_SYNC_TIMEOUT": "20",
                                        "ALUMNICARD_VERIFIER_VERIFY_REPLAY_POLICY": replay, "ALUMNICARD_VERIFIER_MERCHANT_NAME": "台大校友咖啡"]
                              .merging(environment) { $1 }, errorLog: errorLog)
    }

    static func start(_ label: String, replay: String = "flag") async throws -> Pair {
        let directory = try ProjectPaths.temporaryDirectory(label)
        let issuer = try startIssuer(directory)
        let verifier = try startVerifier(directory, issuerPort: issuer.port, root: directory.appendingPathComponent("issuer/root.pub.jwk").path, replay: replay)
        let pair = Pair(directory: directory, issuer: issuer, verifier: verifier)
        try await waitUntil("the verifier is ready") { try await request(.GET, verifier.baseURL + "/readyz").status == 200 }
        return pair
    }

    /// Polls `condition` every 100 ms for up to 2 minutes: the daemons run on
    /// the real clock, so their own timers decide when things happen. The
    /// bound is generous because the whole suite shares two cores, and tests
    /// that wait on child processes block cooperative threads meanwhile.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting until \(what)")
        throw ExternalTool.Failure(description: "timed out waiting until \(what)")
    }

    static func request(_ method: HTTPMethod, _ url: String, bearer: String? = nil, json: [String: Any]? = nil, text: String? = nil) async throws -> (status: Int, body: [String: Any]) {
        let answer = try await LoopbackHTTP.request(method, url, bearer: bearer, json: json, text: text)
        return (answer.status, answer.object)
    }

    static func cardToken(_ issuer: RunningDaemon) async throws -> (token: String, kid: String) {
        let login = try await request(.POST, issuer.baseURL + "/v1/session", json: ["login": "R09000001", "password": "demo-password"])
        let session = try #require(login.body["session_token"] as? String)
        let answer = try await request(.GET, issuer.baseURL + "/v1/card/token", bearer: session)
        return (try #require(answer.body["token"] as? String), try #require(answer.body["kid"] as? String))
    }

    static func verify(_ verifier: RunningDaemon, _ token: String) async throws -> [String: Any] {
        let answer = try await request(.POST, verifier.baseURL + "/v1/verify", text: token)
        #expect(answer.status == 200)
        return answer.body
    }

    static func heldSeq(_ verifier: RunningDaemon) async throws -> Int64? {
        ((try await request(.GET, verifier.baseURL + "/v1/status").body["keyset"]) as? [String: Any])?["seq"] as? Int64
    }

    @Test func rotationAndRevocationReachTheVerifierAtItsNextRefresh() async throws {
        let pair = try await Self.start("pair-rotate")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        let (token, kid) = try await Self.cardToken(pair.issuer)
        var answer = try await Self.verify(pair.verifier, token)
        #expect(answer["verdict"] as? String == "ok", "\(answer)")
        #expect(answer["holder_name"] as? String == "林○明")
        #expect(answer["valid_through"] as? String == "2030-12-31")
        #expect(answer["kid"] as? String == kid)
        #expect((answer["seconds_left"] as? Int ?? 0) > 0)
        #expect(answer["keyset_age_seconds"] != nil)
        answer = try await Self.verify(pair.verifier, token)
        #expect(answer["seen_before"] as? Bool == true) // the default policy flags a second scan

        // The issuer rotates once the standby's (shortened) lead has passed.
        let seqBefore = try #require(try await Self.heldSeq(pair.verifier))
        try await Self.waitUntil("the issuer accepts a rotation") {
            try await Self.request(.POST, pair.issuer.baseURL + "/v1/admin/keys/rotate", bearer: pair.adminToken).status == 200
        }
        try await Self.waitUntil("the verifier holds the rotated key set") { (try await Self.heldSeq(pair.verifier) ?? 0) > seqBefore }
        let status = try await Self.request(.GET, pair.verifier.baseURL + "/v1/status").body
        let keys = try #require((status["keyset"] as? [String: Any])?["keys"] as? [[String: Any]])
        #expect(keys.contains { $0["kid"] as? String == kid && $0["status"] as? String == "retiring" })
        #expect(try await Self.verify(pair.verifier, token)["reason"] as? String == "ok") // tokens of the retiring key still pass

        // The issuer revokes the old key: after the next sync its tokens are key_revoked.
        let seqRotated = try #require(try await Self.heldSeq(pair.verifier))
        let revoke = try await Self.request(.POST, pair.issuer.baseURL + "/v1/admin/keys/\(kid)/revoke", bearer: pair.adminToken, json: ["reason": "end-to-end test"])
        #expect(revoke.status == 200)
        try await Self.waitUntil("the verifier holds the set with the revocation") { (try await Self.heldSeq(pair.verifier) ?? 0) > seqRotated }
        #expect(try await Self.verify(pair.verifier, token)["reason"] as? String == "key_revoked")
        #expect(pair.verifier.stop() == 0)
        #expect(pair.issuer.stop() == 0)
    }

    /// The key set the issuer serves now, checked against the pinned root as the verifier checks it.
    static func servedKeys(_ pair: Pair) async throws -> TrustedKeySet {
        let jws = String(decoding: try await LoopbackHTTP.request(.GET, pair.issuer.baseURL + "/.well-known/alumni-card/keyset.jws").data, as: UTF8.self)
        let root = try JSONDecoder().decode(JSONWebKey.self, from: Data(contentsOf: URL(fileURLWithPath: pair.root)))
        let verdict = KeySetVerifier(pinnedRoots: [try RootPublicKey(jwk: root)]).verify(jws, heldSeq: nil, now: Int64(Date().timeIntervalSince1970))
        #expect(verdict.isOK, "\(verdict.detail)")
        return try #require(verdict.document).trustedKeys()
    }

    @Test func aDayOfPrefetchedTokensPassesWindowByWindowUntilTheCardIsWithdrawn() async throws {
        let pair = try await Self.start("pair-prefetch")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        let login = try await Self.request(.POST, pair.issuer.baseURL + "/v1/session", json: ["login": "R09000001", "password": "demo-password"])
        let session = try #require(login.body["session_token"] as? String)
        let ahead = try await Self.request(.GET, pair.issuer.baseURL + "/v1/card/tokens?windows=288", bearer: session)
        let tokens = try #require(ahead.body["tokens"] as? [[String: Any]])
        #expect(tokens.count == 288)
        // The merchant's daemon accepts the current window's token...
        let current = try #require(tokens.first?["token"] as? String)
        #expect(try await Self.verify(pair.verifier, current)["reason"] as? String == "ok")
        // ...and, with the key set it holds, every later one passes in its own window and in no other.
        let good = try await Self.servedKeys(pair)
        let verifier = TokenVerifier(keys: good)
        var refused: [Int] = []
        for (index, entry) in tokens.enumerated() {
            let token = try #require(entry["token"] as? String), start = try #require(entry["window_start"] as? Int64)
            // The first window began before the development key did: its token is issued at the key's nbf.
            let inWindow = max(start + 1, Int64(Date().timeIntervalSince1970))
            if verifier.verify(token, now: inWindow).reason != .ok || verifier.verify(token, now: start - 300).reason != .notYetValid { refused.append(index) }
        }
        #expect(refused.isEmpty, "windows not accepted in their own time: \(refused)")

        // The card is suspended: at its next sync the merchant's daemon refuses the prefetched token, and so
        // would it every later one, in its window, for as long as any is alive.
        let seqBefore = try #require(try await Self.heldSeq(pair.verifier))
        let suspend = try await Self.request(.POST, pair.issuer.baseURL + "/v1/admin/cards/A000001234/suspend", bearer: pair.adminToken,
                                             json: ["reason": "phone reported lost"])
        #expect(suspend.status == 200)
        try await Self.waitUntil("the verifier holds the set that lists the card") { (try await Self.heldSeq(pair.verifier) ?? 0) > seqBefore }
        #expect(try await Self.verify(pair.verifier, current)["reason"] as? String == "card_revoked")
        let withdrawn = try await Self.servedKeys(pair)
        #expect(withdrawn.revokedCards.contains("A000001234"))
        let last = try #require(tokens.last), lastStart = try #require(last["window_start"] as? Int64)
        #expect(TokenVerifier(keys: withdrawn).verify(try #require(last["token"] as? String), now: lastStart + 1).reason == .cardRevoked)
        #expect(pair.verifier.stop() == 0)
        #expect(pair.issuer.stop() == 0)
    }

    @Test func withTheIssuerDownTheVerifierKeepsVerifyingAcrossARestart() async throws {
        var pair = try await Self.start("pair-offline", replay: "reject")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        var (token, _) = try await Self.cardToken(pair.issuer)
        var (second, _) = try await Self.cardToken(pair.issuer)
        if token != second {
            // The two requests straddled a window boundary (the wall clock runs here): both in the next window now.
            (token, _) = try await Self.cardToken(pair.issuer)
            (second, _) = try await Self.cardToken(pair.issuer)
        }
        #expect(token == second) // one token per window
        #expect(pair.issuer.stop() == 0)
        #expect(try await Self.verify(pair.verifier, token)["verdict"] as? String == "ok")
        let replayed = try await Self.verify(pair.verifier, token)
        #expect(replayed["verdict"] as? String == "refused")
        #expect(replayed["reason"] as? String == "replayed")

        #expect(pair.verifier.stop() == 0)
        pair.verifier = try Self.startVerifier(pair.directory, issuerPort: pair.issuer.port, root: pair.root, replay: "flag")
        #expect(try await Self.request(.GET, pair.verifier.baseURL + "/readyz").status == 200) // ready from the cached set
        #expect(try await Self.verify(pair.verifier, token)["verdict"] as? String == "ok")
        try await Self.waitUntil("the verifier reports the failing sync") {
            let sync = try await Self.request(.GET, pair.verifier.baseURL + "/v1/status").body["sync"] as? [String: Any]
            return (sync?["consecutive_failures"] as? Int ?? 0) > 0 && sync?["last_error"] != nil
        }
        let status = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard-verifier"),
                                                    ["status", "--data-dir", pair.directory.appendingPathComponent("verifier").path, "--root", pair.root])
        #expect(status.status == 0)
        #expect(status.output.contains("last error"), "\(status.output)")
        let offline = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard-verifier"),
                                                     ["verify", "--data-dir", pair.directory.appendingPathComponent("verifier").path, "--root", pair.root, token])
        #expect(offline.status == 0, "\(offline.output)\(offline.standardError)")
        #expect(pair.verifier.stop() == 0)
        let export = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard-verifier"),
                                                    ["audit", "export", "--since", "2026-01-01", "--data-dir", pair.directory.appendingPathComponent("verifier").path, "--root", pair.root])
        let rows = export.output.split(separator: "\r\n")
        #expect(rows.first == "time,epoch,kid,card_hash,verdict,reason")
        #expect(rows.filter { $0.hasSuffix(",refused,replayed") }.count == 1)
        #expect(!export.output.contains("A000001234"))
    }

    @Test func aCorruptedCacheStopsStartUpWithTheWayToRecover() async throws {
        let pair = try await Self.start("pair-corrupt")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        #expect(pair.verifier.stop() == 0)
        #expect(pair.issuer.stop() == 0)
        let cache = pair.directory.appendingPathComponent("verifier/keyset.jws")
        let jws = try String(contentsOf: cache, encoding: .utf8)
        try String(jws.dropLast(20)).write(to: cache, atomically: true, encoding: .utf8)
        let start = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard-verifier"),
                                                   ["serve", "--keyset-url", "http://127.0.0.1:9/keyset.jws", "--root", pair.root,
                                                    "--data-dir", pair.directory.appendingPathComponent("verifier").path, "--port", "0"])
        #expect(start.status == 1)
        #expect(start.standardError.contains("cached key set"), "\(start.standardError)")
        #expect(start.standardError.contains("delete \(cache.path)"))
        #expect(start.standardError.contains("alumnicard-verifier sync"))
    }

    @Test func theScannerPageShowsTheVerdictInARealBrowser() async throws {
        let pair = try await Self.start("pair-browser")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        let (token, _) = try await Self.cardToken(pair.issuer)
        let forged = String(token.dropLast(2)) + (token.hasSuffix("00") ? "11" : "00")
        let images = try ProjectPaths.screenshotDirectory()
        let output = try ExternalTool.python("scanner_page.py", [pair.verifier.baseURL + "/", images.path,
                                                                 "scanner-valid", token, "scanner-refused", forged])
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(result["focused_on_load"] as? Bool == true)
        #expect((result["freshness"] as? String)?.contains("keys updated") == true, "\(result)")
        #expect(result["warning"] as? String == "")
        let screens = try #require(result["screens"] as? [String: [String: Any]])
        let valid = try #require(screens["scanner-valid"])
        #expect(valid["verdict"] as? String == "ok")
        #expect(valid["reason_zh"] as? String == "校友卡有效")
        #expect(valid["reason_en"] as? String == "The alumni card is valid")
        #expect(valid["holder"] as? String == "林○明")
        #expect((valid["valid_through"] as? String)?.contains("2030-12-31") == true)
        #expect(valid["input_empty"] as? Bool == true)
        let refused = try #require(screens["scanner-refused"])
        #expect(refused["verdict"] as? String == "refused")
        #expect(["bad_signature", "malformed"].contains(refused["reason"] as? String ?? ""), "\(refused)")
        #expect((refused["reason_zh"] as? String)?.isEmpty == false)
        // What the cashier waited, Enter to verdict (reported, not asserted: docs/performance.md).
        print("scanner page: valid in \(valid["ms"] ?? "?") ms, refused in \(refused["ms"] ?? "?") ms")
        for name in ["scanner-valid", "scanner-refused"] {
            #expect(FileManager.default.fileExists(atPath: images.appendingPathComponent("\(name).png").path))
        }
        #expect(pair.verifier.stop() == 0)
        #expect(pair.issuer.stop() == 0)
    }
}
