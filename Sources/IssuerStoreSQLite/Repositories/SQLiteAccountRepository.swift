import Foundation
import GRDB
import IssuerStore

/// ``AccountRepository`` on the SQLite database. Each change is one write
/// transaction, the file's only writer, so what it reads stays as read.
public struct SQLiteAccountRepository: AccountRepository {
    let database: AppDatabase
    let seal: PersonalDataSeal
    let outbox: MailOutbox
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
        self.threads = threads
    }

    static func stored(holderID: Int64, _ db: Database) throws -> StoredAccount? {
        guard let record = try HolderRow.fetchOne(db, key: holderID),
              let extra = try Row.fetchOne(db, sql: "SELECT sealed_profile, reminders FROM holder WHERE id = ?", arguments: [holderID]) else { return nil }
        let sealedProfile: Data? = extra["sealed_profile"]
        var application: (String, Data)?
        if sealedProfile == nil, let row = try Row.fetchOne(db, sql: """
            SELECT id, sealed_form FROM account_application WHERE holder_id = ? AND status = 'approved' ORDER BY decided_at DESC, id LIMIT 1
            """, arguments: [holderID]) {
            application = (row["id"], row["sealed_form"])
        }
        return StoredAccount(holder: record, sealedProfile: sealedProfile, reminders: extra["reminders"], approvedApplication: application)
    }

    public func details(holderID: Int64) async throws -> AccountDetails? {
        let database = database, seal = seal
        return try await threads.read {
            try database.read { db in try Self.stored(holderID: holderID, db) }.map { stored throws(IssuerStoreError) in try stored.details(seal: seal) }
        }
    }

    public func updateContact(holderID: Int64, _ update: ContactUpdate, now: Int64,
                              notice: @escaping @Sendable (AccountDetails, Set<ContactUpdate.Field>) -> [OutgoingMail]) async throws -> ContactChangeOutcome {
        let database = database, seal = seal, outbox = outbox
        return try await threads.write {
            try database.write { db in
                guard let stored = try Self.stored(holderID: holderID, db) else { throw IssuerStoreError(.notFound, "no such holder") }
                let before = try stored.details(seal: seal)
                let write = try stored.applying(update, seal: seal)
                if write.changed.contains(.mobile), let index = write.mobileIndex,
                   try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM holder WHERE mobile_index = ? AND id <> ?)", arguments: [index, holderID]) == true {
                    throw StoredAccount.mobileUnavailable
                }
                guard !write.changed.isEmpty else { return ContactChangeOutcome(details: before, changed: []) }
                try db.execute(sql: """
                    UPDATE holder SET sealed_profile = ?, reminders = ?, sealed_mobile = ?, mobile_index = ?, updated_at = ? WHERE id = ?
                    """, arguments: [write.sealedProfile, write.reminders, write.sealedMobile, write.mobileIndex, now, holderID])
                try AuditEvent(at: now, actor: "holder:\(before.studentID)", action: "account_changed", subject: before.studentID,
                               detail: write.changed.sorted().map(\.rawValue).joined(separator: ",")).insert(db)
                if write.changed.contains(where: \.isContactData) {
                    for mail in notice(before, write.changed) { try outbox.enqueue(mail, now: now, db: db) }
                }
                guard let after = try Self.stored(holderID: holderID, db) else { throw IssuerStoreError(.notFound, "no such holder") }
                return ContactChangeOutcome(details: try after.details(seal: seal), changed: write.changed)
            }
        }
    }

    public func startEmailChange(holderID: Int64, email: String, codeHash: [UInt8], expiresAt: Int64, now: Int64,
                                 mails: @escaping @Sendable (_ addressTaken: Bool) -> [OutgoingMail]) async throws {
        let database = database, seal = seal, outbox = outbox
        try await threads.write {
            try database.write { db in
                guard let record = try HolderRow.fetchOne(db, key: holderID) else { throw IssuerStoreError(.notFound, "no such holder") }
                let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM holder WHERE email_index = ? AND id <> ?)",
                                              arguments: [seal.emailIndex(email), holderID]) ?? false
                try db.execute(sql: """
                    INSERT INTO email_change (holder_id, sealed_email, code_hash, address_taken, attempts, created_at, expires_at)
                    VALUES (?, ?, ?, ?, 0, ?, ?)
                    ON CONFLICT (holder_id) DO UPDATE SET sealed_email = excluded.sealed_email, code_hash = excluded.code_hash,
                        address_taken = excluded.address_taken, attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at
                    """, arguments: [holderID, seal.seal(email, field: "email_change", studentID: record.studentID), Data(codeHash), taken, now, expiresAt])
                // The audit does not say whether the address was taken: staff reading it need not learn another account's address.
                try AuditEvent(at: now, actor: "holder:\(record.studentID)", action: "email_change_requested", subject: record.studentID, detail: "").insert(db)
                for mail in mails(taken) { try outbox.enqueue(mail, now: now, db: db) }
            }
        }
    }

    public func confirmEmailChange(holderID: Int64, codeHash: [UInt8], now: Int64, maximumAttempts: Int,
                                   notice: @escaping @Sendable (_ old: String?, _ new: String) -> [OutgoingMail]) async throws -> EmailChangeOutcome {
        let database = database, seal = seal, outbox = outbox
        return try await threads.write {
            try database.write { db -> EmailChangeOutcome in
                guard let record = try HolderRow.fetchOne(db, key: holderID),
                      let pending = try Row.fetchOne(db, sql: "SELECT * FROM email_change WHERE holder_id = ? AND expires_at > ?", arguments: [holderID, now])
                else { return .invalid }
                let stored: Data = pending["code_hash"], taken: Bool = pending["address_taken"], attempts: Int = pending["attempts"]
                guard !taken, stored == Data(codeHash), attempts < maximumAttempts else {
                    if attempts + 1 >= maximumAttempts {
                        try db.execute(sql: "DELETE FROM email_change WHERE holder_id = ?", arguments: [holderID])
                        try AuditEvent(at: now, actor: "holder:\(record.studentID)", action: "email_change_void", subject: record.studentID,
                                       detail: "\(maximumAttempts) wrong codes").insert(db)
                        return .void
                    }
                    try db.execute(sql: "UPDATE email_change SET attempts = attempts + 1 WHERE holder_id = ?", arguments: [holderID])
                    return .invalid
                }
                let new = try seal.open(pending["sealed_email"], field: "email_change", studentID: record.studentID)
                let index = seal.emailIndex(new)
                try db.execute(sql: "DELETE FROM email_change WHERE holder_id = ?", arguments: [holderID])
                // Taken since the code went out: the unique index would refuse it; say invalid, as for a taken address.
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM holder WHERE email_index = ? AND id <> ?)", arguments: [index, holderID]) == true {
                    return .invalid
                }
                let old = try record.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: record.studentID) }
                try db.execute(sql: "UPDATE holder SET sealed_email = ?, email_index = ?, updated_at = ? WHERE id = ?",
                               arguments: [seal.seal(new, field: "email", studentID: record.studentID), index, now, holderID])
                try AuditEvent(at: now, actor: "holder:\(record.studentID)", action: "email_changed", subject: record.studentID, detail: "").insert(db)
                for mail in notice(old, new) { try outbox.enqueue(mail, now: now, db: db) }
                return .changed(old: old, new: new)
            }
        }
    }
}
