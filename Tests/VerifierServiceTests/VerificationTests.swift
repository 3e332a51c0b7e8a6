import CardKeys
import CardToken
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import VerifierService

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

    @Test func aClockBehindProvenTimeIsReported() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let verifier = try makeVerifier(issuer, port: nil, clock: clock)
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 1), etag: nil, now: clock.now)
        #expect(verifier.verification.verify(try issuer.token(at: clock.now)).clockWarning == nil)
        #expect(verifier.status().clock.ok)
        clock.set(IssuerFixture.start - 3_600) // the device's clock jumps an hour back
        let report = verifier.verification.verify(try issuer.token(at: IssuerFixture.start + 60))
        #expect(report.reason == "not_yet_valid")
        #expect(report.clockWarning?.contains("behind") == true)
        #expect(!verifier.status().clock.ok)
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
}
