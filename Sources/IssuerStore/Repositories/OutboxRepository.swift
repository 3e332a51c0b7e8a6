/// The mail outbox, whatever holds it (issue #26): mails are queued in the
/// transaction of the action that makes them (each repository takes the
/// mails it is handed), and delivered from here. Every backend passes
/// `OutboxRepositoryConformanceTests`.
public protocol OutboxRepository: Sendable {
    func enqueue(_ mails: [OutgoingMail], now: Int64) async throws
    /// Mails due to be sent (queued, or their retry time come), oldest
    /// first: a look at the queue, taking nothing (tests, staff).
    func due(now: Int64, limit: Int) async throws -> [QueuedMail]
    /// Takes up to `limit` due mails for `claimer`: each is claimed until
    /// `now + lease`, so no other claimer takes it meanwhile (on PostgreSQL,
    /// rows another claimer is taking are skipped, not waited for).
    /// ``record(id:outcome:detail:retryAt:now:)`` then settles each and
    /// ends its claim. A claim also ends when its claimer's liveness lease
    /// (``OutboxRules/livenessLease(of:)`` in the lease table) lapses: the
    /// mails of a killed instance go again within that lease, at least once
    /// after a crash and never twice otherwise.
    func claim(now: Int64, limit: Int, lease: Int64, claimer: String) async throws -> [QueuedMail]
    /// Ends claims without an attempt, so the mails are due again at once:
    /// a claimer shutting down gives back what it did not send.
    func releaseClaims(ids: [Int64]) async throws
    /// What became of one attempt: sent, retry at `retryAt`, or failed for good.
    func record(id: Int64, outcome: MailOutcome, detail: String, retryAt: Int64?, now: Int64) async throws
    /// What staff see of the outbox (never the messages).
    func summary(status: String?, limit: Int) async throws -> MailSummary
    /// Forgets sent mails older than `age`.
    func pruneSent(olderThan age: Int64, now: Int64) async throws
}
