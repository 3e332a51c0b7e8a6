import Foundation
import IssuerStore
import Logging
import PostgresNIO

/// What every repository does inside its transaction: the audit row, the
/// counters, the mail it queues. One spelling of each, shared.
extension PostgresConnection {
    static let quiet = Logger(label: "alumnicard.postgres")

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        // The future-returning form carries the command tag, and with it the count.
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: Self.quiet)
        return try await result.get().metadata.rows ?? 0
    }

    /// The first column of the first row, if any.
    func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        for try await value in try await self.query(query, logger: Self.quiet).decode(T.self) { return value }
        return nil
    }

    /// Writes one audit row in the caller's transaction.
    func audit(at: Int64, actor: String, action: String, subject: String?, detail: String) async throws {
        try await run("INSERT INTO audit_event (at, actor, action, subject, detail) VALUES (\(at), \(actor), \(action), \(subject), \(detail))")
    }

    /// Writes an audit entry the shared rules made, in the caller's transaction.
    func audit(_ event: AuditEvent) async throws {
        try await audit(at: event.at, actor: event.actor, action: event.action, subject: event.subject, detail: event.detail)
    }

    /// Adds one to `key`'s count in `scope`'s current window; returns the new count.
    func addToCounter(_ scope: RateCounterScope, key: String, now: Int64) async throws -> Int {
        let start = scope.start(now)
        let count = try await value("""
            INSERT INTO rate_counter (scope, key, window_start, count) VALUES (\(scope.name), \(key), \(start), 1)
            ON CONFLICT (scope, key) DO UPDATE SET
                count = CASE WHEN rate_counter.window_start = excluded.window_start THEN rate_counter.count + 1 ELSE 1 END,
                window_start = excluded.window_start
            RETURNING count
            """, as: Int.self) ?? 1
        // Forget what no window can still count, a few rows at a time.
        try await run("""
            DELETE FROM rate_counter WHERE ctid IN (
                SELECT ctid FROM rate_counter WHERE scope = \(scope.name) AND window_start < \(start - scope.window - 86_400) LIMIT 16)
            """)
        return count
    }

    func counter(_ scope: RateCounterScope, key: String, now: Int64) async throws -> Int {
        try await value("SELECT count FROM rate_counter WHERE scope = \(scope.name) AND key = \(key) AND window_start = \(scope.start(now))",
                        as: Int.self) ?? 0
    }

    /// Queues `mail` in the caller's transaction, within the per-recipient
    /// limits (``OutboxRules``); false when a limit held it back.
    @discardableResult
    func enqueue(_ mail: OutgoingMail, now: Int64, notBefore: Int64? = nil, seal: PersonalDataSeal) async throws -> Bool {
        let key = OutboxRules.recipientKey(mail.recipient, seal: seal)
        let recipientCount = try await addToCounter(OutboxRules.perRecipient, key: key, now: now)
        var kindCount: Int?
        if let scope = OutboxRules.oncePerDayScope(mail.kind) { kindCount = try await addToCounter(scope, key: key, now: now) }
        guard OutboxRules.mayQueue(recipientCount: recipientCount, kindCount: kindCount) else { return false }
        let due = max(now, notBefore ?? now)
        let recipient = seal.seal(mail.recipient, field: "mail", studentID: "recipient")
        let message = seal.seal(String(decoding: mail.message, as: UTF8.self), field: "mail", studentID: "message")
        try await run("""
            INSERT INTO mail_outbox (kind, created_at, sealed_recipient, sealed_message, next_attempt_at)
            VALUES (\(mail.kind), \(due), \(recipient), \(message), \(due))
            """)
        return true
    }
}
