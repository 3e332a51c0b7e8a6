import Synchronization
import CardKeys
import CardToken
import Foundation
import HummingbirdTesting
import TestSupport
import Testing
import VerifierService

@Suite("Key set sync and cache")
struct KeySetSyncTests {
    @Test func syncKeepsTheSetOnDiskAndAsksWithIfNoneMatch() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let server = KeySetServer()
        server.serve(issuer.keySet(seq: 10))
        let directory = try ProjectPaths.temporaryDirectory("sync")
        try await server.application.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock, directory: directory)
            #expect(verifier.verification.verify(try issuer.token(at: clock.now)).reason == "keyset_stale") // nothing held yet
            #expect(await verifier.sync.syncOnce() == .updated(seq: 10))
            #expect(verifier.verification.verify(try issuer.token(at: clock.now)).reason == "ok")
            #expect(await verifier.sync.syncOnce() == .unchanged)
            #expect(server.requests.withLock { $0 }.last! != nil) // the second fetch sent If-None-Match
            server.serve(issuer.keySet(seq: 11))
            #expect(await verifier.sync.syncOnce() == .updated(seq: 11))
            // A restart (no network: the port is wrong) loads the set from disk.
            let restarted = try makeVerifier(issuer, port: 9, clock: clock, directory: directory) { $0.fetchTimeout = 2 }
            #expect(restarted.state.held?.document.seq == 11)
            #expect(restarted.verification.verify(try issuer.token(at: clock.now)).reason == "ok")
            #expect(await restarted.sync.syncOnce().isFailure)
            #expect(restarted.state.held?.document.seq == 11)
        }
    }

    @Test func anOlderSetFromATamperedServerIsIgnored() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let server = KeySetServer()
        try await server.application.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock)
            server.serve(issuer.keySet(seq: 20))
            #expect(await verifier.sync.syncOnce() == .updated(seq: 20))
            server.serve(issuer.keySet(seq: 19, status: "revoked"))
            let outcome = await verifier.sync.syncOnce()
            guard case .failed(let reason) = outcome else { Issue.record("rollback accepted"); return }
            #expect(reason.contains("rollback"))
            #expect(verifier.state.held?.document.seq == 20)
            #expect(verifier.status().sync.lastError?.contains("rollback") == true)
        }
    }

    @Test func aSetSignedByAnUnpinnedKeyIsRefused() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let server = KeySetServer()
        server.serve(issuer.keySet(seq: 30, signedBy: RootSigningKey.generate()))
        try await server.application.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock)
            guard case .failed(let reason) = await verifier.sync.syncOnce() else { Issue.record("unpinned set accepted"); return }
            #expect(reason.contains("untrusted_root"))
            #expect(verifier.state.held == nil)
            #expect(!verifier.isReady)
        }
    }

    @Test(arguments: ["garbage", "truncated", "tampered", "empty"])
    func aDamagedCacheIsRefusedAtStartWithTheWayOut(damage: String) throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let directory = try ProjectPaths.temporaryDirectory("cache")
        let verifier = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        let jws = issuer.keySet(seq: 5)
        #expect(verifier.sync.apply(jws: jws, etag: nil, now: clock.now) == .updated(seq: 5))
        let path = verifier.configuration.cachePath
        let damaged: String
        switch damage {
        case "garbage": damaged = "not a key set at all"
        case "truncated": damaged = String(jws.prefix(jws.count / 2))
        case "tampered":
            var parts = jws.split(separator: ".").map(String.init)
            parts[1] = Base64URL.encode(Array(String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self).replacingOccurrences(of: "\"seq\":5", with: "\"seq\":6").utf8))
            damaged = parts.joined(separator: ".")
        default: damaged = ""
        }
        try Data(damaged.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try makeVerifier(issuer, port: nil, clock: clock, directory: directory) } throws: { error in
            guard let error = error as? VerifierError, error.code == .corruptCache else { return false }
            return error.message.contains("delete \(path)") && error.message.contains("alumnicard-verifier sync")
        }
    }

    @Test func backoffDoublesWithJitterUpToItsCap() {
        let backoff = SyncBackoff(refreshInterval: 600, base: 2, maximum: 300)
        #expect(backoff.delay(afterFailures: 0, unit: 0.5) == 600)
        #expect(backoff.delay(afterFailures: 1, unit: 0.5) == 2)
        #expect(backoff.delay(afterFailures: 4, unit: 0.5) == 16)
        #expect(backoff.delay(afterFailures: 20, unit: 0.5) == 300)
        #expect(backoff.delay(afterFailures: 3, unit: 0) == 8 * 0.8)
        #expect(backoff.delay(afterFailures: 3, unit: 0.999_999) < 8 * 1.2)
        #expect(backoff.delay(afterFailures: 1_000, unit: 0.5) == 300)
    }
}
