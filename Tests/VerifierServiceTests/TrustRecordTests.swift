import CardKeys
import CardToken
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing
@testable import VerifierService

/// What a verifier must never forget (keyset.md §3): roots retired by a
/// followed rotation, the rollback floor, and the proven time; and the
/// sync defences of review #5.
@Suite("Trust record and sync defences")
struct TrustRecordTests {
    /// A document signed by `new` that hands over from the fixture's root.
    static func rotation(_ issuer: IssuerFixture, to new: RootSigningKey, seq: UInt64) -> String {
        var document = try! JSONDecoder().decode(KeySetDocument.self, from: Data(Base64URL.decode(String(issuer.keySet(seq: seq).split(separator: ".")[1]))!))
        let endorsement = KeySetSigner.endorse(new.publicKey, by: issuer.root, at: IssuerFixture.start, firstSeq: seq)
        document.rootRotation = RootRotation(endorsement: endorsement)
        return KeySetSigner.sign(document, with: new)
    }

    @Test func aFollowedRotationRetiresTheOldRootAcrossARestart() throws {
        let issuer = IssuerFixture()
        let new = RootSigningKey.generate()
        let clock = ManualClock(IssuerFixture.start + 60)
        let directory = try ProjectPaths.temporaryDirectory("rotation")
        let verifier = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        #expect(verifier.sync.apply(jws: issuer.keySet(seq: 9), etag: nil, now: clock.now) == .updated(seq: 9))
        #expect(verifier.sync.apply(jws: Self.rotation(issuer, to: new, seq: 10), etag: nil, now: clock.now) == .updated(seq: 10))
        #expect(verifier.state.pinnedRoots == [new.publicKey])
        // The old root alone, with a higher seq: refused.
        let byOldRoot = verifier.sync.apply(jws: issuer.keySet(seq: 11), etag: nil, now: clock.now)
        guard case .failed(let reason) = byOldRoot else { Issue.record("the retired root was still trusted"); return }
        #expect(reason.contains("untrusted_root"))
        // The new root signs on.
        #expect(verifier.sync.apply(jws: issuer.keySet(seq: 12, signedBy: new), etag: nil, now: clock.now) == .updated(seq: 12))
        // A restart with the configuration still pinning only the old root
        // trusts the new one, and still refuses the old.
        let restarted = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        #expect(restarted.state.pinnedRoots == [new.publicKey])
        #expect(restarted.state.held?.document.seq == 12)
        #expect(restarted.sync.apply(jws: issuer.keySet(seq: 13), etag: nil, now: clock.now).isFailure)
        // Losing the cache loses none of it.
        try FileManager.default.removeItem(atPath: restarted.configuration.cachePath)
        let recovered = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        #expect(recovered.state.pinnedRoots == [new.publicKey])
        #expect(recovered.sync.apply(jws: issuer.keySet(seq: 14), etag: nil, now: clock.now).isFailure)
    }

    @Test func theSeqFloorSurvivesLosingTheCache() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let directory = try ProjectPaths.temporaryDirectory("floor")
        let verifier = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        #expect(verifier.sync.apply(jws: issuer.keySet(seq: 11), etag: nil, now: clock.now) == .updated(seq: 11))
        // The documented recovery for a damaged cache: delete it.
        try FileManager.default.removeItem(atPath: verifier.configuration.cachePath)
        let restarted = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        #expect(restarted.state.held == nil)
        guard case .failed(let reason) = restarted.sync.apply(jws: issuer.keySet(seq: 6), etag: nil, now: clock.now) else {
            Issue.record("an older set was accepted after the cache was deleted"); return
        }
        #expect(reason.contains("rollback"))
        // A different document with the same seq is refused too; the same one is fine.
        let sameSeq = issuer.keySet(seq: 11, revokedCards: ["A000000017"])
        #expect(restarted.sync.apply(jws: sameSeq, etag: nil, now: clock.now).isFailure)
        #expect(restarted.sync.apply(jws: issuer.keySet(seq: 11), etag: nil, now: clock.now) == .updated(seq: 11))
        #expect(restarted.sync.apply(jws: issuer.keySet(seq: 12), etag: nil, now: clock.now) == .updated(seq: 12))
    }

    @Test func aDamagedTrustRecordStopsStartUp() throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let directory = try ProjectPaths.temporaryDirectory("trust")
        let verifier = try makeVerifier(issuer, port: nil, clock: clock, directory: directory)
        _ = verifier.sync.apply(jws: issuer.keySet(seq: 3), etag: nil, now: clock.now)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: verifier.configuration.trustPath))
        #expect { try makeVerifier(issuer, port: nil, clock: clock, directory: directory) } throws: { error in
            (error as? VerifierError)?.code == .corruptCache && "\(error)".contains("rollback floor")
        }
    }

    @Test func a304ToAnUnconditionalRequestIsAFailure() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let router = Router()
        router.get(".well-known/alumni-card/keyset.jws") { _, _ in Response(status: .notModified) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock)
            guard case .failed(let reason) = await verifier.sync.syncOnce() else { Issue.record("a bare 304 counted as success"); return }
            #expect(reason.contains("304"))
            #expect(verifier.status().sync.consecutiveFailures == 1)
            #expect(verifier.status().sync.lastSuccess == nil)
        }
    }

    @Test func a304WhileTheHeldSetIsPastHalfItsValidityIsFlagged() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let server = KeySetServer()
        server.serve(issuer.keySet(seq: 10, validity: 86_400))
        try await server.application.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock)
            #expect(await verifier.sync.syncOnce() == .updated(seq: 10))
            #expect(await verifier.sync.syncOnce() == .unchanged)
            #expect(verifier.status().sync.warning == nil)
            clock.set(IssuerFixture.start + 43_201)
            #expect(await verifier.sync.syncOnce() == .unchanged)
            #expect(verifier.status().sync.warning?.contains("past half its validity") == true)
            server.serve(issuer.keySet(seq: 11, iat: clock.now))
            #expect(await verifier.sync.syncOnce() == .updated(seq: 11))
            #expect(verifier.status().sync.warning == nil)
        }
    }

    @Test func syncFailsWhenTheBodyTricklesPastTheTimeout() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let jws = issuer.keySet(seq: 10)
        let router = Router()
        router.get(".well-known/alumni-card/keyset.jws") { _, _ in
            // The head at once, then one byte a second: each read comes in time, the whole never does.
            Response(status: .ok, headers: [.contentType: "application/jose"], body: ResponseBody { writer in
                for byte in jws.utf8 {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock) { $0.fetchTimeout = 3 }
            let started = ContinuousClock.now
            guard case .failed(let reason) = await verifier.sync.syncOnce() else { Issue.record("a trickled set was accepted"); return }
            // Without the deadline this takes jws.count seconds (over 200). The bound is generous because in the
            // full suite the interop tests block both cooperative threads while they wait on child processes,
            // which delays the deadline's own task (37 s seen), as the other sync tests allow for too.
            #expect(ContinuousClock.now - started < .seconds(90))
            #expect(reason.contains("within 3 s"))
            #expect(verifier.status().sync.lastError?.contains("within 3 s") == true)
        }
    }

    @Test func aSyncStoppedMidFetchReturnsAtOnceAndRecordsNoFailure() async throws {
        let issuer = IssuerFixture()
        let clock = ManualClock(IssuerFixture.start + 60)
        let (reached, reachedSignal) = AsyncStream<Void>.makeStream()
        let router = Router()
        router.get(".well-known/alumni-card/keyset.jws") { _, _ in
            // The head at once, then a space now and then: the fetch is in
            // flight until it is stopped, and a write fails once it hangs up.
            Response(status: .ok, headers: [.contentType: "application/jose"], body: ResponseBody { writer in
                reachedSignal.yield()
                while true {
                    try await writer.write(ByteBuffer(string: " "))
                    try await Task.sleep(for: .milliseconds(200))
                }
            })
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let verifier = try makeVerifier(issuer, port: client.port, clock: clock) { $0.fetchTimeout = 300 }
            let sync = Task { await verifier.sync.syncOnce() }
            for await _ in reached { break }
            let stopped = ContinuousClock.now
            sync.cancel() // what a graceful shutdown does to the sync loop
            let outcome = await sync.value
            // Before, the stop waited for the fetch's own deadline (300 s here; a SIGTERM took `sync.timeout`).
            #expect(ContinuousClock.now - stopped < .seconds(60))
            #expect(outcome == .failed("the fetch was stopped before it ended"))
            #expect(verifier.status().sync.lastError == nil && verifier.status().sync.consecutiveFailures == 0)
        }
    }

    @Test func aFailingAuditWriteKeepsTheNewestEntriesWithinItsCap() async throws {
        let directory = try ProjectPaths.temporaryDirectory("audit")
        let path = directory.appendingPathComponent("audit.sqlite").path
        let audit = try VerifierAuditLog(databasePath: path, keyPath: directory.appendingPathComponent("audit.key").path,
                                         retentionDays: 90, bufferCapacity: 100)
        for index in 0..<250 { audit.record(at: 1_000 + Int64(index), kid: nil, cardNumber: nil, verdict: "ok", reason: "ok") }
        #expect(audit.pendingCount == 100)
        #expect(await audit.flush())
        let stored = try audit.entries(since: 0)
        #expect(stored.count == 100)
        #expect(stored.first?.at == 1_150) // the oldest were dropped, the newest kept
    }

    @Test func aForwardClockJumpDoesNotPruneTheLog() async throws {
        let directory = try ProjectPaths.temporaryDirectory("audit")
        let audit = try VerifierAuditLog(databasePath: directory.appendingPathComponent("audit.sqlite").path,
                                         keyPath: directory.appendingPathComponent("audit.key").path, retentionDays: 1)
        for index in 0..<10 { audit.record(at: IssuerFixture.start + Int64(index), kid: nil, cardNumber: nil, verdict: "ok", reason: "ok") }
        #expect(await audit.flush())
        // One scan with the clock jumped to 2099.
        audit.record(at: 4_070_908_800, kid: nil, cardNumber: nil, verdict: "ok", reason: "ok")
        #expect(await audit.flush())
        #expect(try audit.entries(since: 0).count == 11)
    }
}

@Suite struct BoundedQueueTests {
    @Test func aFullQueueDropsItsOldestInOrder() {
        var queue = BoundedQueue<Int>(capacity: 3)
        let dropped = (1...5).map { queue.append($0) }
        #expect(dropped == [false, false, false, true, true])
        #expect(queue.count == 3)
        let oldestFirst = queue.removeAll()
        #expect(oldestFirst == [3, 4, 5])
        #expect(queue.count == 0)
        let again = queue.append(6)
        let rest = queue.removeAll()
        #expect(!again && rest == [6])
    }
}
