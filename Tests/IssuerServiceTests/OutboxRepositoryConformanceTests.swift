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
