import IssuerStore
import Foundation
import GRDB

extension AccountStore {
    /// How many earlier passwords `password_reused` compares with (the
    /// current one included).
    public static let passwordHistoryDepth = 3

    /// The account's last three password hashes, newest first.
    public func recentPasswordHashes(holderID: Int64) throws(IssuerStoreError) -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT password_hash FROM password_history WHERE holder_id = ? ORDER BY set_at DESC, rowid DESC LIMIT ?",
                                arguments: [holderID, Self.passwordHistoryDepth])
        }
    }

    /// Sets a new password chosen by the holder (a change, a reset, or the
    /// first login's): keeps it in the history (three deep), clears
    /// `password_change_required`, ends every other session (all of them
    /// when `keepSession` is nil) and writes the audit row. `consumeReset`
    /// marks a reset token used in the same transaction, and fails with
    /// ``IssuerStoreError/Code/tokenUnusable`` if it was used first.
    ///
    /// With `newSession`, every session of the holder ends, the one making
    /// the change included, and that new one replaces it in the same
    /// transaction: a copy of the old cookie is worth nothing afterwards.
    public func changePassword(holderID: Int64, hash: String, keepSession: [UInt8]?, consumeReset: [UInt8]? = nil,
                               newSession: (tokenHash: [UInt8], expiresAt: Int64)? = nil,
                               action: String, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            if let consumeReset {
                try db.execute(sql: "UPDATE password_reset SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND holder_id = ?",
                               arguments: [now, Data(consumeReset), now, holderID])
                guard db.changesCount == 1 else { throw IssuerStoreError(.tokenUnusable, "this reset link was used or expired just now; ask for a new one") }
            }
            guard var record = try HolderRow.fetchOne(db, key: holderID) else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            record.passwordHash = hash
            record.passwordChangeRequired = false
            record.updatedAt = now
            try record.update(db)
            try db.execute(sql: "INSERT INTO password_history (holder_id, password_hash, set_at) VALUES (?, ?, ?)", arguments: [holderID, hash, now])
            try db.execute(sql: """
                DELETE FROM password_history WHERE holder_id = ? AND rowid NOT IN
                    (SELECT rowid FROM password_history WHERE holder_id = ? ORDER BY set_at DESC, rowid DESC LIMIT ?)
                """, arguments: [holderID, holderID, Self.passwordHistoryDepth])
            // The replacement is the same browser: it keeps the old one's name in the sessions list.
            let browser = try keepSession.flatMap {
                try String.fetchOne(db, sql: "SELECT user_agent FROM session WHERE token_hash = ? AND holder_id = ?", arguments: [Data($0), holderID])
            }
            if let keepSession, newSession == nil {
                try db.execute(sql: "DELETE FROM session WHERE holder_id = ? AND token_hash != ?", arguments: [holderID, Data(keepSession)])
            } else {
                try SessionRecord.filter(Column("holder_id") == holderID).deleteAll(db)
            }
            if let newSession {
                try SessionRecord(tokenHash: Data(newSession.tokenHash), holderID: holderID, createdAt: now, expiresAt: newSession.expiresAt,
                                  userAgent: browser).insert(db)
            }
            // Other reset links die with the old password.
            try db.execute(sql: "UPDATE password_reset SET used_at = ? WHERE holder_id = ? AND used_at IS NULL", arguments: [now, holderID])
            try AuditEvent(at: now, actor: record.studentID, action: action, subject: record.studentID, detail: "other sessions ended").insert(db)
        }
    }

    /// Stores a reset token (its hash) for the holder and queues its mail.
    /// Stores a reset token (its hash) and queues its mail, unless the
    /// account already had `cap.limit` reset mails in the counter's
    /// window; then it writes as much and sends nothing. Returns whether
    /// the reset was made. One transaction: the count is read under the write lock.
    public func createPasswordReset(holderID: Int64, tokenHash: [UInt8], expiresAt: Int64, mail: OutgoingMail?, outbox: MailOutbox, now: Int64,
                                    cap: (counters: RateCounters, scope: RateCounters.Scope, limit: Int)) throws(IssuerStoreError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM password_reset WHERE expires_at <= ?", arguments: [now])
            guard try cap.counters.count(cap.scope, key: String(holderID), now: now, db: db) < cap.limit else {
                try AuditEvent(at: now, actor: "holder", action: "password_reset_requested", subject: String(holderID), detail: "daily number of reset mails reached: none sent").insert(db)
                return false
            }
            try cap.counters.add(cap.scope, key: String(holderID), now: now, db: db)
            try db.execute(sql: "INSERT INTO password_reset (token_hash, holder_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [Data(tokenHash), holderID, now, expiresAt])
            if let mail { try outbox.enqueue(mail, now: now, db: db) }
            try AuditEvent(at: now, actor: "holder", action: "password_reset_requested", subject: String(holderID), detail: "").insert(db)
            return true
        }
    }

    /// A reset asked for a name with no account (or none with an
    /// address): the same kind of write transaction as a real one, so the
    /// answer's time does not tell them apart (review 2, #12).
    public func recordResetForNoAccount(now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM password_reset WHERE expires_at <= ?", arguments: [now])
            try AuditEvent(at: now, actor: "anonymous", action: "password_reset_requested", subject: nil, detail: "no account with an address").insert(db)
        }
    }

    /// The holder a live, unused reset token belongs to.
    public func passwordReset(tokenHash: [UInt8], now: Int64) throws(IssuerStoreError) -> Holder? {
        let record = try database.read { db in
            try HolderRow.fetchOne(db, sql: """
                SELECT holder.* FROM password_reset JOIN holder ON holder.id = password_reset.holder_id
                WHERE password_reset.token_hash = ? AND password_reset.used_at IS NULL AND password_reset.expires_at > ?
                """, arguments: [Data(tokenHash), now])
        }
        return try record.map(holder)
    }

    /// Stores a first-login mail code (its hash) and queues its mail.
    public func createFirstLoginCode(holderID: Int64, codeHash: [UInt8], expiresAt: Int64, mail: OutgoingMail, outbox: MailOutbox, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO first_login_code (holder_id, code_hash, expires_at, attempts) VALUES (?, ?, ?, 0)
                ON CONFLICT (holder_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0
                """, arguments: [holderID, Data(codeHash), expiresAt])
            try outbox.enqueue(mail, now: now, db: db)
        }
    }

    /// Whether a first-login code is waiting (unexpired) for the holder.
    public func hasFirstLoginCode(holderID: Int64, now: Int64) throws(IssuerStoreError) -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM first_login_code WHERE holder_id = ? AND expires_at > ? AND attempts < 5)",
                              arguments: [holderID, now]) ?? false
        }
    }

    /// Spends the first-login code if `codeHash` is it (single use; five
    /// wrong tries end it).
    public func consumeFirstLoginCode(holderID: Int64, codeHash: [UInt8], now: Int64) throws(IssuerStoreError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM first_login_code WHERE holder_id = ? AND code_hash = ? AND expires_at > ? AND attempts < 5",
                           arguments: [holderID, Data(codeHash), now])
            if db.changesCount == 1 { return true }
            try db.execute(sql: "UPDATE first_login_code SET attempts = attempts + 1 WHERE holder_id = ?", arguments: [holderID])
            return false
        }
    }
}
