import CardKeys
import CardToken
import Foundation
import TestSupport
import Testing

/// The rotation schedule over a simulated year, driven by a clock the test
/// sets: daily `rotate --if-due` runs, tokens issued every hour, and
/// verifiers holding key sets fetched at every allowed earlier time.
@Suite(.onItsOwnThread) struct KeyLifecycleTests {
    static let policy = RotationPolicy.default
    static let start: Int64 = 1_764_036_000 // 2025-11-25 02:00 UTC, the timer's hour

    /// Makes Ed25519 keys from a seeded generator and remembers their private halves.
    final class KeyFactory {
        var random = SeededRandom(seed: 7583)
        var signing: [KeyID: SigningKey] = [:]
        func make() -> KeyRing.NewKey {
            let seed = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            let key = try! SigningKey(ed25519Seed: seed)
            signing[key.id] = key
            return KeyRing.NewKey(id: key.id, algorithm: .edDSA, publicKey: key.ed25519PublicKey)
        }
    }

    /// The ring after each daily run: (time of the run, ring).
    static func simulateYear(factory: KeyFactory) throws -> [(Int64, KeyRing)] {
        var ring = KeyRing(keys: [], policy: policy)
        var snapshots: [(Int64, KeyRing)] = []
        for day in 0...366 {
            let now = start + Int64(day) * 86_400
            if ring.isDue(at: now) { _ = try ring.rotate(now: now, newKey: factory.make) }
            snapshots.append((now, ring))
        }
        return snapshots
    }

    static func ring(at time: Int64, in snapshots: [(Int64, KeyRing)]) -> KeyRing? {
        snapshots.last { $0.0 <= time }?.1
    }

    @Test func theDefaultTimingsAreTheDocumentedOnes() throws {
        try Self.policy.validate()
        #expect(Self.policy.publicationLead == 600 + 259_200 + 3_600)   // 3 d 1 h 10 min
        #expect(Self.policy.retention == 360 + 90 + 3_600)              // 1 h 7 min 30 s
        #expect(Self.policy.windowSlack == 86_400 + 3_600)
    }

    @Test func everyMinuteOfAYearHasExactlyOneActiveKeyAndAReadyStandby() throws {
        let factory = KeyFactory()
        let snapshots = try Self.simulateYear(factory: factory)
        for (time, ring) in snapshots {
            #expect(ring.keys.filter { $0.state == .active }.count == 1, "at \(time)")
            let standby = try #require(ring.standby, "no standby at \(time)")
            #expect(standby.publishedAt + Self.policy.publicationLead <= standby.notBefore)
        }
        // The ring only changes at runs, so this covers every minute.
        var minute = Self.start
        var index = 0
        while minute < Self.start + 365 * 86_400 {
            while index + 1 < snapshots.count && snapshots[index + 1].0 <= minute { index += 1 }
            let active = snapshots[index].1.active!
            #expect(active.signingWindow.contains(issuedAt: UInt64(minute), leeway: 0), "the active key's window excludes minute \(minute)")
            minute += 60
        }
        // Twelve or thirteen rotations in a year of 30-day periods.
        let keys = snapshots.last!.1.keys
        #expect((12...14).contains(keys.count))
        #expect(keys.filter { $0.state == .removed }.count >= 10)
    }

    @Test func everyTokenVerifiesAgainstAnyKeySetAVerifierMayHold() throws {
        let factory = KeyFactory()
        let snapshots = try Self.simulateYear(factory: factory)
        let issuer = TokenIssuer()
        let card = CardDetails(number: try CardNumber("A000001234"), holderName: try HolderName("林○明"),
                               validThrough: try CardDate(iso8601: "2099-12-31"))
        var ids = SeededRandom(seed: 1)
        var setCache: [Int64: TrustedKeySet] = [:]
        func keySet(at time: Int64) throws -> TrustedKeySet {
            // The set a verifier fetched at `time` holds that run's ring.
            let runTime = snapshots.last { $0.0 <= time }!.0
            if let cached = setCache[runTime] { return cached }
            let ring = Self.ring(at: time, in: snapshots)!
            let set = try KeySetDocument(ring: ring, issuer: "ntu-alumni", seq: UInt64(runTime), now: runTime, validity: 86_400, revokedCards: []).trustedKeys()
            setCache[runTime] = set
            return set
        }
        let oldestSync = Self.policy.refreshInterval + Self.policy.offlineGrace
        var checked = 0
        var time = Self.start + oldestSync
        while time < Self.start + 365 * 86_400 {
            let signer = Self.ring(at: time, in: snapshots)!.active!
            let token = try issuer.issue(card: card, key: factory.signing[signer.id]!, now: time, using: &ids)
            for verifyAt in [time, time + Self.policy.tokenLifetime] {
                // Synced just now, synced at the last refresh, or offline for the whole grace.
                for syncedAt in [time, time - Self.policy.refreshInterval, time - oldestSync, verifyAt] {
                    let verdict = TokenVerifier(keys: try keySet(at: syncedAt)).verify(token.text, now: verifyAt)
                    #expect(verdict.reason == .ok, "token of \(signer.id) at \(time), set from \(syncedAt), checked at \(verifyAt): \(verdict.reason)")
                    checked += 1
                }
            }
            time += 3_600 + 17 * 60 // hourly, drifting through every minute of the hour
        }
        #expect(checked > 50_000)
    }

    @Test func noKeyLeavesTheSetWhileATokenItSignedIsLive() throws {
        let snapshots = try Self.simulateYear(factory: KeyFactory())
        let keys = snapshots.last!.1.keys
        for key in keys where key.state == .removed {
            let lastSignature = try #require(key.retiredAt ?? key.revokedAt)
            let removed = try #require(key.removedAt)
            #expect(removed >= lastSignature + Self.policy.tokenLifetime + Self.policy.leeway, "\(key.id)")
            // And every earlier snapshot still listed it while its tokens lived.
            for (time, ring) in snapshots where time >= lastSignature && time < lastSignature + Self.policy.tokenLifetime + Self.policy.leeway {
                #expect(ring.publishedKeys.contains { $0.id == key.id })
            }
        }
    }

    @Test func emergencyRevocationRefusesTheOldKeyAndPromotesAStandbyEveryVerifierHolds() throws {
        let factory = KeyFactory()
        var ring = KeyRing(keys: [], policy: Self.policy)
        _ = try ring.rotate(now: Self.start, newKey: factory.make)
        let now = Self.start + 10 * 86_400 // the standby has long been ready
        let compromised = ring.active!
        let standby = ring.standby!
        let before = try KeySetDocument(ring: ring, issuer: "ntu-alumni", seq: 1, now: now - 600, validity: 86_400, revokedCards: []).trustedKeys()

        let changes = try ring.revoke(compromised.id, reason: "laptop stolen", now: now, newKey: factory.make)
        #expect(changes.map(\.kind) == [.revoked, .activated, .created])
        #expect(ring.active?.id == standby.id)
        #expect(ring[compromised.id]?.state == .revoked)
        #expect(ring.standby != nil && ring.standby?.id != standby.id)
        let after = try KeySetDocument(ring: ring, issuer: "ntu-alumni", seq: 2, now: now, validity: 86_400, revokedCards: []).trustedKeys()

        var ids = SeededRandom(seed: 2)
        let card = CardDetails(number: try CardNumber("A000001234"), holderName: try HolderName("林○明"), validThrough: try CardDate(iso8601: "2099-12-31"))
        let stolen = try TokenIssuer().issue(card: card, key: factory.signing[compromised.id]!, now: now + 60, using: &ids)
        #expect(TokenVerifier(keys: after).verify(stolen.text, now: now + 60).reason == .keyRevoked)
        let fresh = try TokenIssuer().issue(card: card, key: factory.signing[standby.id]!, now: now + 60, using: &ids)
        #expect(TokenVerifier(keys: after).verify(fresh.text, now: now + 60).reason == .ok)
        // A verifier that has not synced since still accepts the new key's tokens.
        #expect(TokenVerifier(keys: before).verify(fresh.text, now: now + 60).reason == .ok)
    }

    @Test func revokingBeforeTheStandbyIsReadyOpensItsWindowAndSaysSo() throws {
        let factory = KeyFactory()
        var ring = KeyRing(keys: [], policy: Self.policy)
        _ = try ring.rotate(now: Self.start, newKey: factory.make)
        let changes = try ring.revoke(ring.active!.id, reason: "test", now: Self.start + 3_600, newKey: factory.make)
        #expect(changes.map(\.kind) == [.revoked, .windowOpened, .activated, .created])
        #expect(ring.active?.notBefore == Self.start + 3_600)
    }

    @Test func forcedRotationWaitsForAReadyStandbyAndBadRequestsAreRefused() throws {
        let factory = KeyFactory()
        var ring = KeyRing(keys: [], policy: Self.policy)
        _ = try ring.rotate(now: Self.start, newKey: factory.make)
        #expect(throws: CardKeysError(.invalidKeyChange, "")) { try ring.rotate(now: Self.start + 60, force: true, newKey: factory.make) }
        let ready = ring.standby!.notBefore
        let changes = try ring.rotate(now: ready, force: true, newKey: factory.make)
        #expect(changes.map(\.kind) == [.retired, .activated, .created])
        #expect(throws: CardKeysError(.invalidKeyChange, "")) {
            try ring.revoke(KeyID.random(using: &factory.random), reason: "x", now: ready, newKey: factory.make)
        }
        var bad = RotationPolicy.default
        bad.rotationPeriod = 86_400
        #expect(throws: CardKeysError(.invalidPolicy, "")) { try bad.validate() }
    }
}
