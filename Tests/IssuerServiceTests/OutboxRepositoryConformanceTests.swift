import Foundation
import IssuerService
import IssuerStore
import Testing

/// Issue #26, item 4: the outbox and the audit log behave alike on every backend.
@Suite("Outbox and audit repositories: every backend behaves alike")
struct OutboxRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    static func mail(_ kind: String) -> OutgoingMail {
        OutgoingMail(kind: kind, recipient: "someone@example.org", message: Array("Subject: \(kind)\r\n\r\nbody\r\n".utf8))
    }

    @Test(arguments: StorageBackend.allCases)
    func aMailIsDueUntilSentAndARetryWaitsForItsTime(backend: StorageBackend) async throws {
        let outbox = try await backend.store().outbox(kek: Self.kek)
        try await outbox.enqueue([Self.mail("one"), Self.mail("two")], now: 100)
        let due = try await outbox.due(now: 100, limit: 10)
        #expect(due.map(\.kind) == ["one", "two"] && due.first?.message == Self.mail("one").message, "oldest first, the message as queued")
        try await outbox.record(id: due[0].id, outcome: .sent, detail: "250 ok", retryAt: nil, now: 110)
        try await outbox.record(id: due[1].id, outcome: .retry, detail: "451 later", retryAt: 500, now: 110)
        #expect(try await outbox.due(now: 499, limit: 10).isEmpty)
        #expect(try await outbox.due(now: 500, limit: 10).map(\.kind) == ["two"])
        try await outbox.record(id: due[1].id, outcome: .failed, detail: "550 no such user", retryAt: nil, now: 500)
        let summary = try await outbox.summary(status: "failed", limit: 10)
        #expect(summary.sent == 1 && summary.failed == 1 && summary.queued == 0 && summary.entries.map(\.kind) == ["two"])
        try await outbox.pruneSent(olderThan: 10, now: 1_000)
        #expect(try await outbox.summary(status: nil, limit: 10).sent == 1, "the record stays; only the text goes")
    }

    /// Issue #27: a mail is taken by one claimer; racing claimers take
    /// disjoint mails; a claim ends when it is settled, given back, past
    /// its time, or when its claimer stops renewing its liveness lease (an
    /// instance killed mid-send).
    @Test(arguments: StorageBackend.allCases)
    func aClaimedMailIsTakenOnceUntilSettledOrItsClaimerDies(backend: StorageBackend) async throws {
        let store = try await backend.store()
        let outbox = store.outbox(kek: Self.kek), instances = store.instances()
        try await outbox.enqueue((0..<12).map { Self.mail("m\($0)") }, now: 100)
        for claimer in 0..<4 { #expect(try await instances.acquireLease("mail:c\(claimer)", holder: "c\(claimer)", now: 100, duration: 10_000)) }
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for claimer in 0..<4 { group.addTask { try await outbox.claim(now: 100, limit: 5, lease: 900, claimer: "c\(claimer)").map(\.id) } }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let taken = claims.flatMap { $0 }
        #expect(taken.count == 12 && Set(taken).count == 12, "every mail taken once among the racing claimers: \(claims)")
        #expect(try await outbox.claim(now: 999, limit: 20, lease: 900, claimer: "other").isEmpty, "nothing is due while the claims hold")
        #expect(try await outbox.due(now: 999, limit: 20).isEmpty)
        try await outbox.record(id: taken[0], outcome: .sent, detail: "250 ok", retryAt: nil, now: 120)
        let again = try await outbox.claim(now: 1_000, limit: 20, lease: 900, claimer: "c0")
        #expect(again.count == 11 && !again.contains { $0.id == taken[0] }, "past their time the unsettled come back; the sent one does not")

        // A claimer shutting down gives two back: due again at once, to anyone.
        try await outbox.releaseClaims(ids: [again[0].id, again[1].id])
        let given = try await outbox.claim(now: 1_001, limit: 20, lease: 900, claimer: "doomed")
        #expect(Set(given.map(\.id)) == [again[0].id, again[1].id])

        // "doomed" is alive until 1_010; its claims hold until then, not until their own time (1_901).
        #expect(try await instances.acquireLease("mail:doomed", holder: "doomed", now: 1_001, duration: 9))
        #expect(try await outbox.claim(now: 1_005, limit: 20, lease: 900, claimer: "c1").isEmpty, "a live claimer's mail is not taken")
        let rescued = try await outbox.claim(now: 1_010, limit: 20, lease: 900, claimer: "c1")
        #expect(Set(rescued.map(\.id)) == Set(given.map(\.id)), "the dead claimer's mail is taken over once its liveness lapsed")
        // A retry's time holds whoever claimed it.
        try await outbox.record(id: rescued[0].id, outcome: .retry, detail: "451 later", retryAt: 5_000, now: 1_011)
        #expect(try await outbox.claim(now: 4_999, limit: 20, lease: 900, claimer: "c2").map(\.id).contains(rescued[0].id) == false)
        #expect(try await outbox.claim(now: 5_000, limit: 20, lease: 900, claimer: "c2").map(\.id).contains(rescued[0].id))
    }

    @Test(arguments: StorageBackend.allCases)
    func theAuditLogReadsNewestFirst(backend: StorageBackend) async throws {
        let store = try await backend.store()
        let merchants = store.merchants(), audit = store.audit()
        for (index, id) in ["first-shop", "second-shop"].enumerated() {
            try await merchants.create(try MerchantRepositoryConformanceTests.merchant(id), now: 100 + Int64(index), actor: "admin:ops")
        }
        let events = try await audit.recent(limit: 10)
        #expect(events.map(\.subject) == ["second-shop", "first-shop"] && events.allSatisfy { $0.actor == "admin:ops" })
        #expect(try await audit.recent(limit: 1).count == 1)
    }
}
