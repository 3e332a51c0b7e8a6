import Foundation
import GRDB
import NIOHTTP1
import TestSupport
import Testing

/// The merchant verifier scanning while its issuer rotates keys, SIGKILLed
/// at random moments 50 times. After each kill it must start offline from
/// its cached key set and verify, its audit log must be sound and keep
/// every row it had, and its held key set must not go back.
@Suite("The verifier survives SIGKILL", .serialized, .onItsOwnThread)
struct VerifierCrashSafetyTests {
    static let kills = 50

    /// Scans one token until the verifier dies: when each ok answer came
    /// (from `start`), and how many scans were sent.
    static func scan(_ base: String, _ token: String, from start: ContinuousClock.Instant) async -> (answered: [Duration], sent: Int) {
        var answered: [Duration] = [], sent = 0
        do {
            while true {
                sent += 1
                let answer = try await LoopbackHTTP.request(.POST, base + "/v1/verify", text: token)
                if answer.status == 200, answer.object["reason"] as? String == "ok" { answered.append(.now - start) }
            }
        } catch {
            return (answered, sent)
        }
    }

    static func auditRows(_ directory: URL) throws -> (integrity: String, rows: Int) {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("verifier/audit.sqlite").path)
        return try queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "", try Int.fetchOne(db, sql: "SELECT count(*) FROM verification") ?? -1)
        }
    }

    @Test func fiftyKillsWhileScanningAndSyncingLeaveTheCacheAndTheAuditLogSound() async throws {
        var pair = try await MerchantVerifierTests.start("verifier-kill-loop")
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        let issuer = pair.issuer, admin = pair.adminToken, directory = pair.directory, root = pair.root
        // The issuer rotates whenever its lead allows, so the verifier's cache is rewritten during the run.
        let rotations = Task {
            var accepted = 0
            while !Task.isCancelled {
                if (try? await LoopbackHTTP.request(.POST, issuer.baseURL + "/v1/admin/keys/rotate", bearer: admin))?.status == 200 { accepted += 1 }
                try? await Task.sleep(for: .milliseconds(500))
            }
            return accepted
        }
        var random = SeededRandom(seed: 0x5CA_77E2)
        var rows = 0, answered = 0, sent = 0, heldSeqs: Set<Int64> = []
        let closedPort = AccountFlowTests.freePort()

        for life in 1...Self.kills {
            let verifier = pair.verifier
            // The current window's token: the run outlasts a token's lifetime.
            let (token, _) = try await MerchantVerifierTests.cardToken(issuer)
            let seqBefore = try #require(try await MerchantVerifierTests.heldSeq(verifier))
            heldSeqs.insert(seqBefore)
            // Most lives end within two seconds, at any point of a flush or a
            // sync; every fifth runs five, long enough for its first two
            // seconds of scans to be flushed (the log flushes every second).
            let long = life % 5 == 0
            let lifetime = long ? Duration.seconds(5) : .milliseconds(Int.random(in: 300...2_000, using: &random))
            let start = ContinuousClock.now
            let counts = await withTaskGroup(of: ([Duration], Int).self) { group -> ([Duration], Int) in
                group.addTask { await Self.scan(verifier.baseURL, token, from: start) }
                group.addTask {
                    try? await Task.sleep(for: lifetime)
                    _ = try? await offCooperativePool { verifier.stop(signal: SIGKILL) }
                    return ([], 0)
                }
                var total: ([Duration], Int) = ([], 0)
                for await part in group {
                    if part.1 == 0 { group.cancelAll() } // the killer: requests in flight are given up
                    total = (total.0 + part.0, total.1 + part.1)
                }
                return total
            }
            answered += counts.0.count
            sent += counts.1
            #expect(verifier.process.terminationReason == .uncaughtSignal, "life \(life) ended by itself: \(verifier.printed.suffix(2_000))")

            let audit = try Self.auditRows(pair.directory)
            #expect(audit.integrity == "ok", "life \(life)")
            #expect(audit.rows >= rows, "life \(life): the audit log lost rows it had written (\(rows) → \(audit.rows))")
            if long {
                let due = counts.0.filter { $0 < .seconds(2) }.count
                #expect(audit.rows - rows >= due, "life \(life): \(audit.rows - rows) rows written of the \(due) scans answered three seconds before the kill")
            }
            rows = audit.rows

            // Offline: the issuer's address is a closed port, so only the cache can make it ready.
            let offline = try await offCooperativePool {
                try MerchantVerifierTests.startVerifier(directory, issuerPort: closedPort, root: root)
            }
            try await MerchantVerifierTests.waitUntil("the verifier is ready from its cache") {
                try await LoopbackHTTP.request(.GET, offline.baseURL + "/readyz").status == 200
            }
            let seqAfter = try #require(try await MerchantVerifierTests.heldSeq(offline))
            #expect(seqAfter >= seqBefore, "life \(life): the held key set went back from seq \(seqBefore) to \(seqAfter)")
            let verdict = try await MerchantVerifierTests.verify(offline, token)
            #expect(verdict["reason"] as? String == "ok", "life \(life): \(verdict)")
            // A stop is prompt even while a fetch from the unreachable issuer is
            // in flight (it used to wait for the fetch's timeout, 20 s here).
            let stopping = ContinuousClock.now
            #expect(try await offCooperativePool { offline.stop() } == 0)
            #expect(ContinuousClock.now - stopping < .seconds(10), "life \(life): SIGTERM took \(ContinuousClock.now - stopping)")
            let restarted = try await offCooperativePool {
                try MerchantVerifierTests.startVerifier(directory, issuerPort: issuer.port, root: root)
            }
            try await MerchantVerifierTests.waitUntil("the verifier is ready") {
                try await LoopbackHTTP.request(.GET, restarted.baseURL + "/readyz").status == 200
            }
            pair.verifier = restarted
        }
        rotations.cancel()
        let accepted = await rotations.value
        #expect(accepted >= 1, "the issuer never rotated, so the cache was never rewritten")
        #expect(heldSeqs.count >= 2, "the verifier held only seq \(heldSeqs)")
        // Never a row for a scan that did not reach the verifier (the
        // offline checks add one scan each).
        #expect(answered > Self.kills * 10, "\(answered) scans answered")
        #expect(rows <= sent + Self.kills, "\(rows) audit rows for \(sent) scans sent")
        print("verifier kill loop: \(Self.kills) kills; \(answered) scans answered of \(sent) sent, \(rows) audit rows, "
              + "\(accepted) rotations, key sets held: seq \(heldSeqs.sorted())")
        #expect(pair.verifier.stop() == 0)
        #expect(pair.issuer.stop() == 0)
    }
}
