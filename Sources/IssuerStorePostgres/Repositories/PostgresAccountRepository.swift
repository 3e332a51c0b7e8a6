import Foundation
import IssuerStore
import PostgresNIO

/// ``AccountRepository`` on PostgreSQL. Every change reads the holder
/// `FOR UPDATE` first, so two instances changing one account take turns;
/// a mobile number or address taken meanwhile is caught by the unique
/// indexes, which turn the race into the same refusal.
public struct PostgresAccountRepository: AccountRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    static func stored(holderID: Int64, lock: Bool, _ connection: PostgresConnection) async throws -> StoredAccount? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(PostgresHolderRows.holderColumns) FROM holder WHERE id = $1\(lock ? " FOR UPDATE" : "")")
        query.binds.append(holderID)
        guard let holder = try await PostgresHolderRows.holders(try await connection.query(query, logger: PostgresConnection.quiet)).first else { return nil }
        var extra: (Data?, Bool)?
        for try await row in try await connection.query("SELECT sealed_profile, reminders FROM holder WHERE id = \(holderID)",
                                                       logger: PostgresConnection.quiet).decode((Data?, Bool).self) { extra = row }
        guard let (sealedProfile, reminders) = extra else { return nil }
        var application: (String, Data)?
        if sealedProfile == nil {
            for try await row in try await connection.query("""
                SELECT id, sealed_form FROM account_application WHERE holder_id = \(holderID) AND status = 'approved'
                ORDER BY decided_at DESC, id LIMIT 1
                """, logger: PostgresConnection.quiet).decode((String, Data).self) { application = row }
        }
        return StoredAccount(holder: holder, sealedProfile: sealedProfile, reminders: reminders, approvedApplication: application)
    }

    public func details(holderID: Int64) async throws -> AccountDetails? {
        let seal = seal
        return try await storage.transaction("cannot read the account", isolation: .repeatableRead) { connection in
            try await Self.stored(holderID: holderID, lock: false, connection)
        }.map { stored throws(IssuerStoreError) in try stored.details(seal: seal) }
    }

    public func updateContact(holderID: Int64, _ update: ContactUpdate, now: Int64,
                              notice: @escaping @Sendable (AccountDetails, Set<ContactUpdate.Field>) -> [OutgoingMail]) async throws -> ContactChangeOutcome {
        let seal = seal
        do {
            return try await storage.transaction("cannot change the account") { connection in
                guard let stored = try await Self.stored(holderID: holderID, lock: true, connection) else {
                    throw IssuerStoreError(.notFound, "no such holder")
                }
                let before = try stored.details(seal: seal)
                let write = try stored.applying(update, seal: seal)
                if write.changed.contains(.mobile), let index = write.mobileIndex,
                   try await connection.value("SELECT EXISTS (SELECT 1 FROM holder WHERE mobile_index = \(index) AND id <> \(holderID))", as: Bool.self) == true {
                    throw StoredAccount.mobileUnavailable
                }
                guard !write.changed.isEmpty else { return ContactChangeOutcome(details: before, changed: []) }
                try await connection.run("""
                    UPDATE holder SET sealed_profile = \(write.sealedProfile), reminders = \(write.reminders), sealed_mobile = \(write.sealedMobile),
                        mobile_index = \(write.mobileIndex), updated_at = \(now)
                    WHERE id = \(holderID)
                    """)
                try await connection.audit(at: now, actor: "holder:\(before.studentID)", action: "account_changed", subject: before.studentID,
                                           detail: write.changed.sorted().map(\.rawValue).joined(separator: ","))
                if write.changed.contains(where: \.isContactData) {
                    for mail in notice(before, write.changed) { try await connection.enqueue(mail, now: now, seal: seal) }
                }
                guard let after = try await Self.stored(holderID: holderID, lock: false, connection) else { throw IssuerStoreError(.notFound, "no such holder") }
                return ContactChangeOutcome(details: try after.details(seal: seal), changed: write.changed)
            }
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            // The one unique value this writes: another instance gave the number to its holder between the check and the write.
            throw StoredAccount.mobileUnavailable
        }
    }

    public func startEmailChange(holderID: Int64, email: String, codeHash: [UInt8], expiresAt: Int64, now: Int64,
                                 mails: @escaping @Sendable (_ addressTaken: Bool) -> [OutgoingMail]) async throws {
        let seal = seal
        try await storage.transaction("cannot start the change of address") { connection in
            guard let holder = try await PostgresHolderRows.holder(where: "id", holderID, connection) else {
                throw IssuerStoreError(.notFound, "no such holder")
            }
            let index = seal.emailIndex(email)
            let taken = try await connection.value("SELECT EXISTS (SELECT 1 FROM holder WHERE email_index = \(index) AND id <> \(holderID))",
                                                   as: Bool.self) ?? false
            let sealed = seal.seal(email, field: "email_change", studentID: holder.studentID)
            try await connection.run("""
                INSERT INTO email_change (holder_id, sealed_email, code_hash, address_taken, attempts, created_at, expires_at)
                VALUES (\(holderID), \(sealed), \(Data(codeHash)), \(taken), 0, \(now), \(expiresAt))
                ON CONFLICT (holder_id) DO UPDATE SET sealed_email = excluded.sealed_email, code_hash = excluded.code_hash,
                    address_taken = excluded.address_taken, attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at
                """)
            try await connection.audit(at: now, actor: "holder:\(holder.studentID)", action: "email_change_requested", subject: holder.studentID, detail: "")
            for mail in mails(taken) { try await connection.enqueue(mail, now: now, seal: seal) }
        }
    }

    public func confirmEmailChange(holderID: Int64, codeHash: [UInt8], now: Int64, maximumAttempts: Int,
                                   notice: @escaping @Sendable (_ old: String?, _ new: String) -> [OutgoingMail]) async throws -> EmailChangeOutcome {
        let seal = seal
        do {
            return try await storage.transaction("cannot confirm the change of address") { connection -> EmailChangeOutcome in
                var query = PostgresQuery(unsafeSQL: "SELECT \(PostgresHolderRows.holderColumns) FROM holder WHERE id = $1 FOR UPDATE")
                query.binds.append(holderID)
                guard let holder = try await PostgresHolderRows.holders(try await connection.query(query, logger: PostgresConnection.quiet)).first else {
                    return .invalid
                }
                var pending: (Data, Data, Bool, Int)?
                for try await row in try await connection.query("""
                    SELECT sealed_email, code_hash, address_taken, attempts FROM email_change WHERE holder_id = \(holderID) AND expires_at > \(now)
                    """, logger: PostgresConnection.quiet).decode((Data, Data, Bool, Int).self) { pending = row }
                guard let (sealedEmail, stored, taken, attempts) = pending else { return .invalid }
                let actor = "holder:\(holder.studentID)"
                guard !taken, stored == Data(codeHash), attempts < maximumAttempts else {
                    if attempts + 1 >= maximumAttempts {
                        try await connection.run("DELETE FROM email_change WHERE holder_id = \(holderID)")
                        try await connection.audit(at: now, actor: actor, action: "email_change_void", subject: holder.studentID,
                                                   detail: "\(maximumAttempts) wrong codes")
                        return .void
                    }
                    try await connection.run("UPDATE email_change SET attempts = attempts + 1 WHERE holder_id = \(holderID)")
                    return .invalid
                }
                let new = try seal.open(sealedEmail, field: "email_change", studentID: holder.studentID)
                let index = seal.emailIndex(new)
                try await connection.run("DELETE FROM email_change WHERE holder_id = \(holderID)")
                if try await connection.value("SELECT EXISTS (SELECT 1 FROM holder WHERE email_index = \(index) AND id <> \(holderID))", as: Bool.self) == true {
                    return .invalid
                }
                let old = try holder.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: holder.studentID) }
                let sealedNew = seal.seal(new, field: "email", studentID: holder.studentID)
                try await connection.run("UPDATE holder SET sealed_email = \(sealedNew), email_index = \(index), updated_at = \(now) WHERE id = \(holderID)")
                try await connection.audit(at: now, actor: actor, action: "email_changed", subject: holder.studentID, detail: "")
                for mail in notice(old, new) { try await connection.enqueue(mail, now: now, seal: seal) }
                return .changed(old: old, new: new)
            }
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            // The address was given to another holder between the check and the write (its unique index).
            return .invalid
        }
    }
}
