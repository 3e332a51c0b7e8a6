/// The mail outbox, whatever holds it (issue #26): mails are queued in the
/// transaction of the action that makes them (each repository takes the
/// mails it is handed), and delivered from here. Every backend passes
/// `OutboxRepositoryConformanceTests`.
public protocol OutboxRepository: Sendable {
    func enqueue(_ mails: [OutgoingMail], now: Int64) async throws
    /// Mails due to be sent (queued, or their retry time come), oldest first.
    func due(now: Int64, limit: Int) async throws -> [QueuedMail]
    /// What became of one attempt: sent, retry at `retryAt`, or failed for good.
    func record(id: Int64, outcome: MailOutcome, detail: String, retryAt: Int64?, now: Int64) async throws
    /// What staff see of the outbox (never the messages).
    func summary(status: String?, limit: Int) async throws -> MailSummary
    /// Forgets sent mails older than `age`.
    func pruneSent(olderThan age: Int64, now: Int64) async throws
}
