import Foundation
import IssuerStore
import PostgresNIO

/// ``OutboxRepository`` on PostgreSQL: the rows as SQLite keeps them,
/// recipients and texts sealed byte for byte alike.
public struct PostgresOutboxRepository: OutboxRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    public func enqueue(_ mails: [OutgoingMail], now: Int64) async throws {
        let seal = seal
        try await storage.transaction("cannot queue the mail") { connection in
            for mail in mails { try await connection.enqueue(mail, now: now, seal: seal) }
        }
    }

    public func due(now: Int64, limit: Int) async throws -> [QueuedMail] {
        let rows = try await storage.read("cannot read the mail outbox") { connection in
            var rows: [(Int64, String, Data, Data, Int, Int64)] = []
            for try await row in try await connection.query("""
                SELECT id, kind, sealed_recipient, sealed_message, attempts, created_at FROM mail_outbox
                WHERE status = 'queued' AND next_attempt_at <= \(now) AND \(unescaped: Self.lapsed(now))
                ORDER BY next_attempt_at, id LIMIT \(limit)
                """, logger: PostgresConnection.quiet).decode((Int64, String, Data, Data, Int, Int64).self) { rows.append(row) }
            return rows
        }
        return try open(rows)
    }

    /// ``OutboxRules/claimLapsedSQL`` with `now` written in: an Int64, so nothing from outside reaches the text.
    static func lapsed(_ now: Int64) -> String { OutboxRules.claimLapsedSQL.replacingOccurrences(of: ":now", with: String(now)) }

    /// Takes due rows with `FOR UPDATE SKIP LOCKED`: an instance claiming
    /// at the same moment skips what this one locked and takes the next.

    public func claim(now: Int64, limit: Int, lease: Int64, claimer: String) async throws -> [QueuedMail] {
        let until = now.addingReportingOverflow(max(1, lease)).partialValue
        let rows = try await storage.transaction("cannot claim mail from the outbox") { connection in
            var rows: [(Int64, String, Data, Data, Int, Int64)] = []
            for try await row in try await connection.query("""
                UPDATE mail_outbox SET claimed_until = \(until), claimed_by = \(claimer) WHERE id IN (
                    SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= \(now)
                        AND \(unescaped: Self.lapsed(now))
                    ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, kind, sealed_recipient, sealed_message, attempts, created_at
                """, logger: PostgresConnection.quiet).decode((Int64, String, Data, Data, Int, Int64).self) { rows.append(row) }
            return rows.sorted { $0.0 < $1.0 }
        }
        return try open(rows)
    }

    public func releaseClaims(ids: [Int64]) async throws {
        try await storage.transaction("cannot give up mail claims") { connection in
            _ = try await connection.run("UPDATE mail_outbox SET claimed_until = NULL, claimed_by = NULL WHERE id = ANY(\(ids)) AND status = 'queued'")
        }
    }

    private func open(_ rows: [(Int64, String, Data, Data, Int, Int64)]) throws(IssuerStoreError) -> [QueuedMail] {
        try rows.map { row throws(IssuerStoreError) in
            let recipient = try seal.open(row.2, field: "mail", studentID: "recipient")
            let message = try seal.open(row.3, field: "mail", studentID: "message")
            return QueuedMail(id: row.0, kind: row.1, recipient: recipient, message: Array(message.utf8), attempts: row.4, createdAt: row.5)
        }
    }

    public func record(id: Int64, outcome: MailOutcome, detail: String, retryAt: Int64?, now: Int64) async throws {
        let detail = String(detail.prefix(OutboxRules.maximumDetail))
        try await storage.transaction("cannot record the mail attempt") { connection in
            try await connection.run("INSERT INTO mail_attempt (mail_id, at, outcome, detail) VALUES (\(id), \(now), \(outcome.rawValue), \(detail))")
            switch outcome {
            case .sent:
                try await connection.run("UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = \(now), last_error = NULL, claimed_until = NULL, claimed_by = NULL WHERE id = \(id)")
            case .retry:
                try await connection.run("UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = \(retryAt ?? now), last_error = \(detail), claimed_until = NULL, claimed_by = NULL WHERE id = \(id)")
            case .failed:
                try await connection.run("UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1, last_error = \(detail), claimed_until = NULL, claimed_by = NULL WHERE id = \(id)")
            }
        }
    }

    public func summary(status: String?, limit: Int) async throws -> MailSummary {
        try await storage.read("cannot read the mail outbox") { connection in
            var counts: [String: Int] = [:]
            for try await (state, count) in try await connection.query("SELECT status, count(*)::bigint FROM mail_outbox GROUP BY status",
                                                                       logger: PostgresConnection.quiet).decode((String, Int).self) {
                counts[state] = count
            }
            var entries: [MailSummary.Entry] = []
            for try await row in try await connection.query("""
                SELECT id, kind, status, created_at, attempts, next_attempt_at, last_error, sent_at FROM mail_outbox
                WHERE (\(status)::text IS NULL AND status IN ('queued', 'failed')) OR status = \(status)
                ORDER BY id DESC LIMIT \(limit)
                """, logger: PostgresConnection.quiet).decode((Int64, String, String, Int64, Int, Int64, String?, Int64?).self) {
                entries.append(MailSummary.Entry(id: row.0, kind: row.1, status: row.2, createdAt: row.3, attempts: row.4,
                                                 nextAttemptAt: row.2 == "queued" ? row.5 : nil, lastError: row.6, sentAt: row.7))
            }
            return MailSummary(queued: counts["queued"] ?? 0, sent: counts["sent"] ?? 0, failed: counts["failed"] ?? 0, entries: entries)
        }
    }

    public func pruneSent(olderThan age: Int64, now: Int64) async throws {
        _ = try await storage.transaction("cannot prune the sent mail") { connection in
            try await connection.run("""
                UPDATE mail_outbox SET sealed_message = ''::bytea, sealed_recipient = ''::bytea
                WHERE status = 'sent' AND sent_at < \(now - age) AND octet_length(sealed_message) > 0
                """)
        }
    }
}
