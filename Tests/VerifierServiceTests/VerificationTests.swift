import CardKeys
import CardToken
import DaemonSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
@testable import VerifierService
import Hummingbird

@Suite("Offline verification: staleness, replay, clock, audit")
struct VerificationTests {
    @Test func theHeldSetServesUntilExpPlusGraceThenKeysetStale() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock) { $0.offlineGrace = 3 * 86_400 }
        #expect(verifier.sync.apply(jws: issuer.keySet(seq: 1, validity: 86_400), etag: nil, now: clock.now) == .updated(seq: 1))
        let end = IssuerFixture.start + 86_400 + 3 * 86_400
        clock.set(end)
        #expect(verifier.verification.verify(try issuer.token(at: clock.now)).reason == "ok")
        #expect(!verifier.isReady) // past exp: not ready, though still verifying within the grace
        clock.set(end + 1)
        let stale = verifier.verification.verify(try issuer.token(at: clock.now))
        #expect(stale.verdict == "unavailable")
        #expect(stale.reason == "keyset_stale")
        #expect(verifier.status().keyset?.stale == true)
    }

    @Test(arguments: [ReplayPolicy.allow, .flag, .reject])
    func aSecondScanFollowsTheReplayPolicy(policy: ReplayPolicy) throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock) { $0.replayPolicy = policy }
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        let token = try issuer.token(at: clock.now)
        let first = verifier.verification.verify(token)
        clock.set(clock.now + 30)
        let second = verifier.verification.verify(token)
        #expect(first.reason == "ok")
        switch policy {
        case .allow:
            #expect(second.reason == "ok" && second.seenBefore == nil)
        case .flag:
            #expect(first.seenBefore == false)
            #expect(second.verdict == "ok" && second.seenBefore == true && second.firstSeenAt == IssuerFixture.start + 60)
        case .reject:
            #expect(second.verdict == "refused" && second.reason == "replayed" && second.firstSeenAt == IssuerFixture.start + 60)
        }
        // A different token of the same card is not a replay.
        #expect(verifier.verification.verify(try issuer.token(at: clock.now)).reason == "ok")
    }

    @Test func theReplayCacheForgetsExpiredTokensAndStaysWithinItsCap() {
        let cache = ReplayCache(capacity: 1_000)
        for id in 0..<5_000 { _ = cache.record(UInt64(id), expires: 1_000 + Int64(id), now: 0) }
        #expect(cache.count == 1_000)
        #expect(cache.record(4_999, expires: 6_000, now: 1) != nil) // the newest are kept
        #expect(cache.record(0, expires: 1_000, now: 1) == nil)       // the oldest were dropped
        _ = cache.record(99_999, expires: 100_000, now: 7_000)          // everything else has expired by now
        #expect(cache.count <= 2)
    }

    @Test func verdictsUseTheLatestProvenTimeWhenTheClockIsBehind() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        // A genuine key set signed two days ahead of this device's clock.
        let proven = IssuerFixture.start + 2 * 86_400
        #expect(verifier.sync.apply(jws: issuer.keySet(seq: 1, iat: proven), etag: nil, now: clock.now) == .updated(seq: 1))
        // A token that is valid by the device's wrong clock expired long before the proven time.
        let report = verifier.verification.verify(try issuer.token(at: clock.now))
        #expect(report.reason == "expired")
        #expect(report.clockWarning?.contains("behind") == true)
        #expect(!verifier.status().clock.ok)
        #expect(verifier.status().clock.behindSeconds == proven - clock.now)
    }

    @Test func aClockSetBackCannotReviveAnExpiredKeySetAcrossARestart() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let directory = try ProjectPaths.temporaryDirectory("clock")
        let verifier = try makeVerifier(issuer, port: nil, clock: clock, directory: directory) { $0.offlineGrace = 0 }
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1, validity: 86_400), etag: nil, now: clock.now)
        clock.set(IssuerFixture.start + 86_000)
        #expect(verifier.verification.verify(try issuer.token(at: clock.now)).reason == "ok")
        verifier.saveTrustIfMoved() // what the background flush does
        // The clock goes back a day and the verifier restarts: the set is
        // still judged at the proven time, and a token from "now" is refused.
        clock.set(IssuerFixture.start + 100)
        let restarted = try makeVerifier(issuer, port: nil, clock: clock, directory: directory) { $0.offlineGrace = 0 }
        #expect(restarted.state.latestTrustedTime == IssuerFixture.start + 86_000)
        #expect(restarted.verification.verify(try issuer.token(at: clock.now)).reason == "expired")
        clock.set(IssuerFixture.start + 86_400 + 91)
        #expect(restarted.verification.verify(try issuer.token(at: clock.now)).reason == "keyset_stale")
    }

    /// Review #4: a validly signed token whose `exp` is near the top of
    /// the integers must not trap, under every replay policy.
    @Test(arguments: [ReplayPolicy.allow, .flag, .reject], [UInt64(Int64.max), UInt64(Int64.max) - 90, UInt64.max])
    func aTokenWithExpNearTheTopOfTheIntegersDoesNotCrash(policy: ReplayPolicy, exp: UInt64) throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock) { $0.replayPolicy = policy }
        // A key set that allows any lifetime, as a careless or hostile issuer might publish.
        var jwk = JSONWebKey(trustedKey: issuer.key.verificationKey(signingWindow: SigningWindow(notBefore: IssuerFixture.start - 3_600, expires: nil)))!
        jwk.status = "active"
        let document = KeySetDocument(iss: "ntu-alumni", seq: 1, iat: IssuerFixture.start, exp: IssuerFixture.start + 86_400, keys: [jwk],
                                      revokedCards: [], maxTokenLifetime: .max)
        #expect(verifier.sync.apply(jws: KeySetSigner.sign(document, with: issuer.root), etag: nil, now: clock.now) == .updated(seq: 1))
        let claims = CardClaims(cardNumber: try CardNumber("A000000042"), holderName: try HolderName("陳○玲"),
                                validThrough: try CardDate(iso8601: "2030-06-30"), issuedAt: UInt64(clock.now), expiresAt: exp,
                                tokenID: TokenID(rawValue: 7))
        let token = try TokenIssuer().issue(claims: claims, key: issuer.key).text
        let first = verifier.verification.verify(token)
        let second = verifier.verification.verify(token)
        // Even the widest bound M = 2⁶³−1 refuses exp − iat above it.
        let fits = exp - UInt64(clock.now) <= UInt64(Int64.max)
        #expect(first.reason == (fits ? "ok" : "lifetime_exceeded"))
        #expect(second.reason == (!fits ? "lifetime_exceeded" : policy == .reject ? "replayed" : "ok"))
        // With the default lifetime bound the same token is refused outright.
        let bounded = try makeVerifier(issuer, port: nil, clock: clock)
        _ = bounded.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        #expect(bounded.verification.verify(token).reason == "lifetime_exceeded")
    }

    @Test func everyVerificationIsAuditedWithTheCardAsAKeyedHash() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        _ = verifier.verification.verify(try issuer.token(card: "A000000777", at: clock.now))
        _ = verifier.verification.verify("AC1:NONSENSE")
        #expect(await verifier.audit.flush())
        let entries = try verifier.audit.entries(since: 0)
        #expect(entries.map(\.reason) == ["ok", "malformed"])
        #expect(entries[0].cardHash == verifier.audit.cardHash("A000000777"))
        #expect(entries[0].kid == issuer.key.id.base64URL)
        let csv = VerifierAuditLog.csv(entries)
        #expect(csv.hasPrefix("time,epoch,kid,card_hash,verdict,reason\r\n"))
        #expect(!csv.contains("A000000777"))
        let file = try Data(contentsOf: URL(fileURLWithPath: verifier.configuration.auditDatabasePath))
        #expect(file.range(of: Data("A000000777".utf8)) == nil)
    }

    @Test func theHTTPEndpointsAnswerForEveryVerdictAnd400OnlyWithoutAToken() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        let token = try issuer.token(at: clock.now)
        try await buildVerifierApplication(verifier, syncInBackground: false).test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["token": token]))) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"verdict\":\"ok\""))
            }
            let query = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/v1/verify?token=\(query)", method: .get) { response in
                #expect(String(buffer: response.body).contains("\"seen_before\":true"))
            }
            try await client.execute(uri: "/v1/verify", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "AC1:XYZ")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"reason\":\"malformed\""))
            }
            for (uri, method) in [("/v1/verify", HTTPRequest.Method.post), ("/v1/verify", .get), ("/v1/verify?token=", .get)] {
                try await client.execute(uri: uri, method: method, headers: [.contentType: "text/plain"], body: ByteBuffer()) { response in
                    #expect(response.status == .badRequest)
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("autofocus"))
                #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("src=")) // no external assets
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"alumnicard_verifier_verifications_total{reason="ok"} 2"#))
            }
        }
    }

    @Test func otherSitesAndOtherHostNamesAreRefused() throws {
        var configuration = VerifierConfiguration()
        configuration.port = 8090
        configuration.allowedHosts = ["till-2.shop.lan"]
        let guardian = BrowserRequestGuard<BasicRequestContext>(configuration: configuration)
        // A page elsewhere, posting as a form would, or a fetch marked cross-site.
        #expect(guardian.refusal(host: "127.0.0.1:8090", origin: "http://attacker.example", fetchSite: nil)?.code == "cross_site_request")
        #expect(guardian.refusal(host: "127.0.0.1:8090", origin: nil, fetchSite: "cross-site")?.code == "cross_site_request")
        #expect(guardian.refusal(host: "127.0.0.1:8090", origin: "null", fetchSite: nil)?.code == "cross_site_request")
        // DNS rebinding: the browser names the attacker's host.
        #expect(guardian.refusal(host: "attacker.example:8090", origin: nil, fetchSite: nil)?.code == "unknown_host")
        // The verifier's own page, the names it is configured for, and programs sending no browser headers.
        #expect(guardian.refusal(host: "127.0.0.1:8090", origin: "http://127.0.0.1:8090", fetchSite: "same-origin") == nil)
        #expect(guardian.refusal(host: "LOCALHOST:8090", origin: nil, fetchSite: "none") == nil)
        #expect(guardian.refusal(host: "till-2.shop.lan:8090", origin: "http://till-2.shop.lan:8090", fetchSite: nil) == nil)
        #expect(guardian.refusal(host: "127.0.0.1:41234", origin: nil, fetchSite: nil) == nil) // any port: the name decides
        #expect(guardian.refusal(host: "[::1]:8090", origin: "http://[::1]:8090", fetchSite: nil) == nil)
        #expect(guardian.refusal(host: nil, origin: nil, fetchSite: nil) == nil)
    }

    @Test func theScannerPageAllowsOnlyItsOwnScriptAndIsNeverFramed() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        try await buildVerifierApplication(verifier, syncInBackground: false).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let policy = response.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(policy.contains("script-src 'sha256-"))
                #expect(!policy.contains("unsafe-inline"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            }
        }
    }

    @Test func aFormEncodedQueryReadsPlusAsASpace() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        var token = try issuer.token(at: clock.now)
        while !token.contains(" ") || !token.contains("+") { token = try issuer.token(at: clock.now) } // Base45 uses both
        // As an HTML form (URLSearchParams) writes it: space as +, + as %2B.
        var allowed = CharacterSet.alphanumerics
        allowed.insert(" ")
        let form = token.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: " ", with: "+")
        try await buildVerifierApplication(verifier, syncInBackground: false).test(.router) { client in
            try await client.execute(uri: "/v1/verify?token=\(form)", method: .get) { response in
                #expect(String(buffer: response.body).contains("\"reason\":\"ok\""))
            }
            // A query the page forms' reader refuses is a 400 that says why, as is a token sent twice.
            for (query, why) in [("token=AC1%zz", "broken %-escape"), ("token=AC1%FF", "not UTF-8"), ("token=\(form)&token=\(form)", "sent twice")] {
                try await client.execute(uri: "/v1/verify?\(query)", method: .get) { response in
                    #expect(response.status == .badRequest)
                    let body = String(buffer: response.body)
                    #expect(body.contains("missing_token") && body.contains(why), "\(body)")
                }
            }
        }
    }
}
