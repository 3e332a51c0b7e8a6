import CardToken
import Foundation
import GRDB
import IssuerStore

/// ``DataRequestRepository`` on the SQLite database: each change one write
/// transaction on the file's only writer.
public struct SQLiteDataRequestRepository: DataRequestRepository {
    let database: AppDatabase
    let seal: PersonalDataSeal
    let outbox: MailOutbox
    let applications: ApplicationStore
    let accounts: AccountStore
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
        applications = ApplicationStore(database: database, kek: kek)
        accounts = AccountStore(database: database, kek: kek)
        self.threads = threads
    }

    static func row(_ row: Row) -> DataRequestRow {
        DataRequestRow(id: row["id"], holderID: row["holder_id"], studentID: row["student_id"], kind: row["kind"], status: row["status"],
                       sealedDetails: row["sealed_details"], receivedAt: row["received_at"], due: row["due"], extendedAt: row["extended_at"],
                       sealedExtensionReason: row["sealed_extension_reason"], decidedAt: row["decided_at"], decidedBy: row["decided_by"],
                       sealedOutcome: row["sealed_outcome"], exportUntil: row["export_until"])
    }

    static func fetch(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [DataRequestRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM data_request " + sql, arguments: arguments).map(row)
    }

    func requests(_ rows: [DataRequestRow]) throws(IssuerStoreError) -> [DataRequest] {
        try rows.map { row throws(IssuerStoreError) in try row.request(seal: seal) }
    }

    static func recipient(holderID: Int64?, _ db: Database, seal: PersonalDataSeal) throws -> MailRecipient? {
        guard let holderID, let record = try HolderRow.fetchOne(db, key: holderID), let sealed = record.sealedEmail else { return nil }
        return MailRecipient(email: try seal.open(sealed, field: "email", studentID: record.studentID),
                             name: try seal.open(record.sealedName, field: "name", studentID: record.studentID))
    }

    public func file(holderID: Int64, kind: DataRequestKind, details: String?, due: Int, exportUntil: Int64?, now: Int64,
                     mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest {
        let database = database, seal = seal, outbox = outbox
        let row = try await threads.write {
            try database.write { db -> DataRequestRow in
                guard let holder = try HolderRow.fetchOne(db, key: holderID) else { throw IssuerStoreError(.notFound, "no such holder") }
                let id = DataRequestRow.newID()
                let row = DataRequestRow(id: id, holderID: holderID, studentID: holder.studentID, kind: kind.rawValue,
                                         status: kind == .copy ? DataRequestStatus.completed.rawValue : DataRequestStatus.open.rawValue,
                                         sealedDetails: DataRequestRow.seal(details, "details", id: id, seal: seal), receivedAt: now, due: Int64(due),
                                         extendedAt: nil, sealedExtensionReason: nil, decidedAt: kind == .copy ? now : nil,
                                         decidedBy: kind == .copy ? "prepared at once" : nil, sealedOutcome: nil, exportUntil: exportUntil)
                try db.execute(sql: """
                    INSERT INTO data_request (id, holder_id, student_id, kind, status, sealed_details, received_at, due, decided_at, decided_by, export_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [row.id, holderID, row.studentID, row.kind, row.status, row.sealedDetails, now, due, row.decidedAt, row.decidedBy,
                                     exportUntil])
                try AuditEvent(at: now, actor: "holder:\(holder.studentID)", action: "data_request_filed", subject: id, detail: kind.rawValue).insert(db)
                let email = try Self.recipient(holderID: holderID, db, seal: seal)
                for mail in mails(try row.request(seal: seal), email) { try outbox.enqueue(mail, now: now, db: db) }
                return row
            }
        }
        return try row.request(seal: seal)
    }

    public func requests(holderID: Int64) async throws -> [DataRequest] {
        let database = database
        return try requests(try await threads.read {
            try database.read { db in try Self.fetch(db, "WHERE holder_id = ? ORDER BY received_at DESC, id", [holderID]) }
        })
    }

    public func request(id: String) async throws -> DataRequest? {
        let database = database
        return try requests(try await threads.read { try database.read { db in try Self.fetch(db, "WHERE id = ?", [id]) } }).first
    }

    public func queue(status: DataRequestStatus, today: Int, limit: Int) async throws -> [DataRequest] {
        let database = database
        return try requests(try await threads.read {
            try database.read { db in
                try Self.fetch(db, "WHERE status = ? ORDER BY (status = 'open' AND due < ?) DESC, due, received_at, id LIMIT ?",
                               [status.rawValue, today, max(1, min(limit, 1_000))])
            }
        })
    }

    public func overdueCount(today: Int) async throws -> Int {
        let database = database
        return try await threads.read {
            try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM data_request WHERE status = 'open' AND due < ?", arguments: [today]) ?? 0 }
        }
    }

    static func openRequest(id: String, _ db: Database) throws -> DataRequestRow {
        guard let row = try fetch(db, "WHERE id = ?", [id]).first else { throw IssuerStoreError(.notFound, "there is no data request \(id.prefix(40))") }
        guard row.status == DataRequestStatus.open.rawValue else { throw IssuerStoreError(.alreadyDecided, "data request \(id) was already decided") }
        return row
    }

    public func extend(id: String, reason: String, newDue: Int, actor: String, now: Int64,
                       mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest {
        let database = database, seal = seal, outbox = outbox
        let row = try await threads.write {
            try database.write { db -> DataRequestRow in
                var row = try Self.openRequest(id: id, db)
                let event = try row.extend(reason: reason, newDue: newDue, actor: actor, now: now, seal: seal)
                try db.execute(sql: "UPDATE data_request SET due = ?, extended_at = ?, sealed_extension_reason = ? WHERE id = ?",
                               arguments: [row.due, now, row.sealedExtensionReason, id])
                try event.insert(db)
                let email = try Self.recipient(holderID: row.holderID, db, seal: seal)
                for mail in mails(try row.request(seal: seal), email) { try outbox.enqueue(mail, now: now, db: db) }
                return row
            }
        }
        return try row.request(seal: seal)
    }

    public func decide(id: String, decision: DataRequestDecision, actor: String, now: Int64,
                       mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> (request: DataRequest, closure: AccountClosure?) {
        let database = database, seal = seal, outbox = outbox
        let (row, closure) = try await threads.write {
            try database.write { db -> (DataRequestRow, AccountClosure?) in
                var row = try Self.openRequest(id: id, db)
                let event = row.decide(decision, actor: actor, now: now, seal: seal)
                try db.execute(sql: "UPDATE data_request SET status = ?, decided_at = ?, decided_by = ?, sealed_outcome = ? WHERE id = ?",
                               arguments: [row.status, now, actor, row.sealedOutcome, id])
                try event.insert(db)
                // The mail goes to the address on file before a closure erases it.
                let email = try Self.recipient(holderID: row.holderID, db, seal: seal)
                for mail in mails(try row.request(seal: seal), email) { try outbox.enqueue(mail, now: now, db: db) }
                var closure: AccountClosure?
                if row.kind == DataRequestKind.deletion.rawValue, row.status == DataRequestStatus.completed.rawValue, let holderID = row.holderID {
                    closure = try Self.closeAccount(holderID: holderID, requestID: id, actor: actor, now: now, seal: seal, db)
                }
                return (row, closure)
            }
        }
        if closure != nil {
            // The erased rows' old images can wait in the write-ahead log until the next checkpoint: move them out now.
            try? await threads.write { try database.checkpointTruncating() }
        }
        return (try row.request(seal: seal), closure)
    }

    /// Closes the account in the caller's transaction (``DataRequestRepository/decide(id:decision:actor:now:mails:)``).
    static func closeAccount(holderID: Int64, requestID: String, actor: String, now: Int64, seal: PersonalDataSeal, _ db: Database) throws -> AccountClosure {
        guard let holder = try HolderRow.fetchOne(db, key: holderID) else { throw IssuerStoreError(.notFound, "no such holder") }
        let studentID = holder.studentID
        let cards = try String.fetchAll(db, sql: "SELECT number FROM card WHERE holder_id = ? AND status <> 'revoked' ORDER BY number", arguments: [holderID])
        try db.execute(sql: "UPDATE card SET status = 'revoked', status_reason = ?, updated_at = ? WHERE holder_id = ? AND status <> 'revoked'",
                       arguments: [DataRequestRow.closureReason, now, holderID])
        for card in cards {
            try AuditEvent(at: now, actor: actor, action: "card_revoked", subject: card, detail: DataRequestRow.closureReason).insert(db)
        }
        // Applications naming the person: linked to the account, or filed under its national ID.
        let applicationIDs = try String.fetchAll(db, sql: """
            SELECT id FROM account_application WHERE holder_id = ? OR (? IS NOT NULL AND national_id_index = ?)
            """, arguments: [holderID, holder.nationalIDIndex, holder.nationalIDIndex])
        var files: [String] = []
        for id in applicationIDs {
            files += try String.fetchAll(db, sql: "SELECT file_name FROM application_document WHERE application_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM account_application WHERE id = ?", arguments: [id])
        }
        for table in ["session", "password_history", "password_reset", "first_login_code", "email_change"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE holder_id = ?", arguments: [holderID])
        }
        try db.execute(sql: """
            UPDATE holder SET sealed_name = ?, sealed_email = NULL, email_index = NULL, password_hash = NULL, sealed_national_id = NULL,
                national_id_index = NULL, sealed_mobile = NULL, mobile_index = NULL, diploma_date = NULL, password_change_required = 0,
                sealed_profile = NULL, reminders = 0, status = 'suspended', closed_at = ?, updated_at = ?
            WHERE id = ?
            """, arguments: [seal.seal(DataRequestRow.closedAccountName, field: "name", studentID: studentID), now, now, holderID])
        try db.execute(sql: "UPDATE data_request SET sealed_details = NULL WHERE holder_id = ?", arguments: [holderID])
        try AuditEvent(at: now, actor: actor, action: "account_closed", subject: studentID,
                       detail: "data request \(requestID): \(cards.count) card(s) revoked, \(applicationIDs.count) application(s) and \(files.count) document(s) erased").insert(db)
        return AccountClosure(documentFiles: files, revokedCards: cards)
    }

    public func personalData(holderID: Int64) async throws -> PersonalDataRecord? {
        let database = database, seal = seal, applications = applications, accounts = accounts
        return try await threads.read {
            try database.read { db -> PersonalDataRecord? in
                guard let stored = try SQLiteAccountRepository.stored(holderID: holderID, db) else { return nil }
                let studentID = stored.holder.studentID
                let nationalID = try stored.holder.sealedNationalID.map { sealed throws(IssuerStoreError) in
                    try seal.open(sealed, field: "national_id", studentID: studentID)
                }
                let cards = try CardRow.filter(Column("holder_id") == holderID).order(Column("number")).fetchAll(db).map { try $0.card() }
                let applicationRows = try Row.fetchAll(db, sql: """
                    SELECT * FROM account_application WHERE holder_id = ? OR (? IS NOT NULL AND national_id_index = ?) ORDER BY submitted_at, id
                    """, arguments: [holderID, stored.holder.nationalIDIndex, stored.holder.nationalIDIndex])
                let accountApplications = try applicationRows.map { row in
                    try applications.application(row, documents: try Row.fetchAll(db, sql: "SELECT * FROM application_document WHERE application_id = ? ORDER BY kind",
                                                                                 arguments: [row["id"] as String]))
                }
                let sessions = try SessionRecord.fetchAll(db, sql: "SELECT * FROM session WHERE holder_id = ? ORDER BY created_at", arguments: [holderID])
                    .map { HolderSessionRecord(tokenHash: [], createdAt: $0.createdAt, lastSeenAt: $0.lastSeenAt, userAgent: $0.userAgent, expiresAt: $0.expiresAt) }
                let requests = try Self.fetch(db, "WHERE holder_id = ? ORDER BY received_at, id", [holderID]).map { try $0.request(seal: seal) }
                let subjects = [studentID] + cards.map(\.number.rawValue) + accountApplications.map(\.id) + requests.map(\.id)
                let marks = Array(repeating: "?", count: subjects.count).joined(separator: ", ")
                let audit = try AuditEvent.fetchAll(db, sql: """
                    SELECT * FROM audit_event WHERE subject IN (\(marks)) OR actor = ? ORDER BY at, id LIMIT 10000
                    """, arguments: StatementArguments(subjects + ["holder:\(studentID)"]))
                return PersonalDataRecord(details: try stored.details(seal: seal), nationalID: nationalID, cards: cards,
                                          cardApplications: try accounts.cardApplications(holderID: holderID, db), accountApplications: accountApplications,
                                          sessions: sessions, dataRequests: requests, auditEvents: audit)
            }
        }
    }

    public func noteExport(id: String, studentID: String, now: Int64) async throws {
        let database = database
        try await threads.write {
            try database.write { db in
                try AuditEvent(at: now, actor: "holder:\(studentID)", action: "data_copy_downloaded", subject: id, detail: "").insert(db)
            }
        }
    }
}
