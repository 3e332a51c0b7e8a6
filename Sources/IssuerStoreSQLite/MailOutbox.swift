import IssuerStore
import Foundation
import GRDB

/// Mail waits here until the relay accepts it. Messages are written in
/// the transaction of the change that causes them (``enqueue(_:now:db:)``),
/// so a crash loses none; recipients and texts are sealed like all
/// personal data.
public struct MailOutbox: Sendable {
    public typealias Outcome = MailOutcome

    public let database: AppDatabase
    let seal: PersonalDataSeal

    public init(database: AppDatabase, kek: KeyEncryptionKey) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
    }

    /// Queues `mail` inside the caller's transaction, to be sent from
    /// `notBefore` (default: at once). Its give-up clock starts then too.
    ///
    /// One address receives at most ``dailyLimitPerRecipient`` mails a day,
    /// and the kinds in ``oncePerDay`` at most once: past that the mail is
    /// not queued and `false` is returned, so that nobody can use the
    /// centre's forms to flood an address (review 2, #4). Addresses are
    /// counted by a keyed hash.
    @discardableResult
    func enqueue(_ mail: OutgoingMail, now: Int64, notBefore: Int64? = nil, db: Database) throws -> Bool {
        let key = OutboxRules.recipientKey(mail.recipient, seal: seal)
        let counters = RateCounters(database: database)
        let recipientCount = try counters.add(OutboxRules.perRecipient, key: key, now: now, db: db)
        let kindCount = try OutboxRules.oncePerDayScope(mail.kind).map { try counters.add($0, key: key, now: now, db: db) }
        guard OutboxRules.mayQueue(recipientCount: recipientCount, kindCount: kindCount) else { return false }
        let due = max(now, notBefore ?? now)
        try db.execute(sql: """
            INSERT INTO mail_outbox (kind, created_at, sealed_recipient, sealed_message, next_attempt_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [mail.kind, due, seal.seal(mail.recipient, field: "mail", studentID: "recipient"),
                             seal.seal(String(decoding: mail.message, as: UTF8.self), field: "mail", studentID: "message"), due])
        return true
    }

    /// Mails one address may be sent in a day (``OutboxRules``).
    public static let dailyLimitPerRecipient = OutboxRules.dailyLimitPerRecipient

    /// Queues messages on their own (tests, resends).
    public func enqueue(_ mails: [OutgoingMail], now: Int64) throws(IssuerStoreError) {
        try database.write { db in for mail in mails { try enqueue(mail, now: now, db: db) } }
    }

    /// Queued messages whose next attempt is due, oldest first.
    public func due(now: Int64, limit: Int) throws(IssuerStoreError) -> [QueuedMail] {
        try open(try database.read { db in try Self.dueRows(db, now: now, limit: limit) })
    }

    /// Takes the due messages for `lease` seconds (``OutboxRepository/claim(now:limit:lease:)``);
    /// the write transaction is the file's only writer, so two claimers never take one message.
    public func claim(now: Int64, limit: Int, lease: Int64, claimer: String) throws(IssuerStoreError) -> [QueuedMail] {
        let until = now.addingReportingOverflow(max(1, lease)).partialValue
        return try open(try database.write { db in
            let rows = try Self.dueRows(db, now: now, limit: limit)
            for row in rows {
                try db.execute(sql: "UPDATE mail_outbox SET claimed_until = ?, claimed_by = ? WHERE id = ?", arguments: [until, claimer, row["id"] as Int64])
            }
            return rows
        })
    }

    /// Gives claims up without an attempt: the messages are due again at once.
    public func releaseClaims(ids: [Int64]) throws(IssuerStoreError) {
        try database.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE mail_outbox SET claimed_until = NULL, claimed_by = NULL WHERE id = ? AND status = 'queued'", arguments: [id])
            }
        }
    }

    /// Queued, due, and not held by a live claim.
    private static func dueRows(_ db: Database, now: Int64, limit: Int) throws -> [Row] {
        try Row.fetchAll(db, sql: """
            SELECT id, kind, sealed_recipient, sealed_message, attempts, created_at FROM mail_outbox
            WHERE status = 'queued' AND next_attempt_at <= :now AND \(OutboxRules.claimLapsedSQL)
            ORDER BY next_attempt_at, id LIMIT :limit
            """, arguments: ["now": now, "limit": limit])
    }

    private func open(_ rows: [Row]) throws(IssuerStoreError) -> [QueuedMail] {
        try rows.map { row throws(IssuerStoreError) in
            let id: Int64 = row["id"]
            let recipient = try seal.open(row["sealed_recipient"], field: "mail", studentID: "recipient")
            let message = try seal.open(row["sealed_message"], field: "mail", studentID: "message")
            return QueuedMail(id: id, kind: row["kind"], recipient: recipient, message: Array(message.utf8), attempts: row["attempts"], createdAt: row["created_at"])
        }
    }

    /// Records one delivery attempt and its outcome.
    public func record(id: Int64, outcome: Outcome, detail: String, retryAt: Int64?, now: Int64) throws(IssuerStoreError) {
        let detail = String(detail.prefix(OutboxRules.maximumDetail))
        try database.write { db in
            try db.execute(sql: "INSERT INTO mail_attempt (mail_id, at, outcome, detail) VALUES (?, ?, ?, ?)",
                           arguments: [id, now, outcome.rawValue, detail])
            switch outcome {
            case .sent:
                try db.execute(sql: "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, claimed_until = NULL, claimed_by = NULL WHERE id = ?",
                               arguments: [now, id])
            case .retry:
                try db.execute(sql: "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_until = NULL, claimed_by = NULL WHERE id = ?",
                               arguments: [retryAt ?? now, detail, id])
            case .failed:
                try db.execute(sql: "UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, claimed_until = NULL, claimed_by = NULL WHERE id = ?",
                               arguments: [detail, id])
            }
        }
    }

    /// Counts, and the entries of `status` (nil: queued and failed), newest first.
    public func summary(status: String? = nil, limit: Int = 100) throws(IssuerStoreError) -> MailSummary {
        try database.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM mail_outbox GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            let filter = status.map { _ in "status = ?" } ?? "status IN ('queued', 'failed')"
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, kind, status, created_at, attempts, next_attempt_at, last_error, sent_at FROM mail_outbox
                WHERE \(filter) ORDER BY id DESC LIMIT ?
                """, arguments: status.map { [$0, limit] } ?? [limit])
            return MailSummary(queued: counts["queued"] ?? 0, sent: counts["sent"] ?? 0, failed: counts["failed"] ?? 0, entries: rows.map { row in
                let state: String = row["status"]
                return MailSummary.Entry(id: row["id"], kind: row["kind"], status: state, createdAt: row["created_at"], attempts: row["attempts"],
                                         nextAttemptAt: state == "queued" ? row["next_attempt_at"] : nil, lastError: row["last_error"], sentAt: row["sent_at"])
            })
        }
    }

    /// Forgets the texts of messages sent more than `age` seconds ago (the
    /// row and its attempts stay as a record).
    public func pruneSent(olderThan age: Int64, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "UPDATE mail_outbox SET sealed_message = x'', sealed_recipient = x'' WHERE status = 'sent' AND sent_at < ? AND length(sealed_message) > 0",
                           arguments: [now - age])
        }
    }
}
