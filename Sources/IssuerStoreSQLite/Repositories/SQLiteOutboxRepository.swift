import IssuerStore

/// ``OutboxRepository`` on the SQLite database, on the database threads.
public struct SQLiteOutboxRepository: OutboxRepository {
    let outbox: MailOutbox
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        outbox = MailOutbox(database: database, kek: kek)
        self.threads = threads
    }

    public func enqueue(_ mails: [OutgoingMail], now: Int64) async throws {
        let outbox = outbox
        try await threads.write { try outbox.enqueue(mails, now: now) }
    }

    public func due(now: Int64, limit: Int) async throws -> [QueuedMail] {
        let outbox = outbox
        return try await threads.read { try outbox.due(now: now, limit: limit) }
    }

    public func claim(now: Int64, limit: Int, lease: Int64, claimer: String) async throws -> [QueuedMail] {
        let outbox = outbox
        return try await threads.write { try outbox.claim(now: now, limit: limit, lease: lease, claimer: claimer) }
    }

    public func releaseClaims(ids: [Int64]) async throws {
        let outbox = outbox
        try await threads.write { try outbox.releaseClaims(ids: ids) }
    }

    public func record(id: Int64, outcome: MailOutbox.Outcome, detail: String, retryAt: Int64?, now: Int64) async throws {
        let outbox = outbox
        try await threads.write { try outbox.record(id: id, outcome: outcome, detail: detail, retryAt: retryAt, now: now) }
    }

    public func summary(status: String?, limit: Int) async throws -> MailSummary {
        let outbox = outbox
        return try await threads.read { try outbox.summary(status: status, limit: limit) }
    }

    public func pruneSent(olderThan age: Int64, now: Int64) async throws {
        let outbox = outbox
        try await threads.write { try outbox.pruneSent(olderThan: age, now: now) }
    }
}
