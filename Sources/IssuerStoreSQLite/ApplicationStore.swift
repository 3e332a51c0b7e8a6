import IssuerStore
import AccountRules
import Foundation
import GRDB

/// Account applications and their review. Personal data is sealed; every
/// staff read of it and every decision writes an audit row in the same
/// transaction; mail a change causes is queued in that transaction too.
public struct ApplicationStore: Sendable {
    public let database: AppDatabase
    let seal: PersonalDataSeal
    let outbox: MailOutbox

    public init(database: AppDatabase, kek: KeyEncryptionKey) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
    }

    /// The rate-counter key for a national ID: a keyed hash, never the number.
    public func nationalIDKey(_ number: IdentityNumber) -> String {
        "id:" + seal.nationalIDIndex(number).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Applications waiting for staff or for the applicant (pending, needs_info).
    public func openApplications() throws(IssuerStoreError) -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM account_application WHERE status IN ('pending', 'needs_info')") ?? 0
        }
    }

    public func identityFacts(_ number: IdentityNumber) throws(IssuerStoreError) -> IdentityFacts {
        let index = seal.nationalIDIndex(number)
        let found = try database.read { db -> (HolderRow?, Bool) in
            let holder = try HolderRow.filter(Column("national_id_index") == index).fetchOne(db)
            let open = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account_application WHERE national_id_index = ? AND status IN ('pending', 'needs_info'))",
                                         arguments: [index]) ?? false
            return (holder, open)
        }
        let email = try found.0?.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: found.0!.studentID) }
        return IdentityFacts(known: found.1 || found.0 != nil, holderEmail: email)
    }

    /// Stores a new application with its documents' records and its mails.
    public func submit(_ submission: ApplicationSubmission, mails: [OutgoingMail], now: Int64) throws(IssuerStoreError) {
        let index = seal.nationalIDIndex(submission.nationalID)
        let form: Data
        do { form = try JSONEncoder().encode(submission.form) } catch { throw IssuerStoreError(.invalidChange, "the form cannot be encoded") }
        let sealedForm = seal.seal(String(decoding: form, as: UTF8.self), field: "application", studentID: submission.id)
        let studentIDs = submission.form.records.compactMap { $0.studentID?.uppercased() }
        try database.write { db in
            let holder = try HolderRow.filter(Column("national_id_index") == index).fetchOne(db)
            let open = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account_application WHERE national_id_index = ? AND status IN ('pending', 'needs_info'))",
                                         arguments: [index]) ?? false
            // A holder record with this national ID makes it known, activated
            // or not: its owner is told, and a match is a claim to check.
            let known = open || holder != nil
            let match = holder.flatMap { $0.passwordHash == nil && studentIDs.contains($0.studentID.uppercased()) ? $0.studentID : nil }
            try db.execute(sql: """
                INSERT INTO account_application (id, status, submitted_at, review_due, national_id_index, sealed_form, consent_version, consent_sha256,
                    consented_at, status_token_hash, registrar_match, known_identity)
                VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [submission.id, now, submission.reviewDue, index, sealedForm, submission.consent.version, submission.consent.sha256,
                                 submission.consent.at, Data(submission.statusTokenHash), match, known])
            for document in submission.documents {
                try insert(document, applicationID: submission.id, now: now, db: db)
            }
            for mail in mails { try outbox.enqueue(mail, now: now, db: db) }
            try AuditEvent(at: now, actor: "applicant", action: "application_submitted", subject: submission.id,
                           detail: "consent \(submission.consent.version)\(known ? ", identity already known" : "")\(match.map { ", matches imported \($0)" } ?? "")").insert(db)
        }
    }

    private func insert(_ document: StoredDocument, applicationID: String, now: Int64, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO application_document (application_id, kind, content_type, file_name, size, stored_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (application_id, kind) DO UPDATE SET content_type = excluded.content_type, file_name = excluded.file_name,
                size = excluded.size, stored_at = excluded.stored_at
            """, arguments: [applicationID, document.kind.rawValue, document.contentType, document.fileName, document.size, now])
    }

    /// The applications in `statuses`, oldest `review_due` first (paused
    /// ones last, by submission), `limit` at a time after `after`.
    /// Listing is a read of personal data: audited.
    public func queue(statuses: [ApplicationStatus], after: ApplicationQueueCursor? = nil, limit: Int = 100, actor: String, now: Int64) throws(IssuerStoreError) -> ApplicationQueuePage {
        let limit = min(max(limit, 1), 500)
        let marks = statuses.map { _ in "?" }.joined(separator: ", ")
        let names = statuses.map(\.rawValue)
        let (rows, total) = try database.write { db -> ([Row], Int) in
            var arguments = StatementArguments(names)
            var keyset = ""
            if let after {
                keyset = "AND (review_due IS NULL, COALESCE(review_due, 0), submitted_at, id) > (?, ?, ?, ?)"
                arguments += [after.paused, after.reviewDue, after.submittedAt, after.id]
            }
            arguments += [limit + 1]
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.applicationColumns) FROM account_application
                WHERE status IN (\(marks)) \(keyset) ORDER BY review_due IS NULL, COALESCE(review_due, 0), submitted_at, id LIMIT ?
                """, arguments: arguments)
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM account_application WHERE status IN (\(marks))", arguments: StatementArguments(names)) ?? 0
            try AuditEvent(at: now, actor: actor, action: "applications_listed", subject: nil,
                           detail: "status \(names.joined(separator: "+")), \(min(rows.count, limit)) of \(total) shown").insert(db)
            return (rows, total)
        }
        let entries = try rows.prefix(limit).map { row throws(IssuerStoreError) in try Self.applicationRow(row).queueEntry(seal: seal) }
        return ApplicationQueuePage(entries: entries, total: total, next: rows.count > limit ? entries.last.map(ApplicationQueueCursor.init) : nil)
    }

    /// The whole application, read by `actor`, audited as `action` in the same transaction.
    public func application(id: String, actor: String, now: Int64, action: String = "application_read") throws(IssuerStoreError) -> AccountApplication {
        let found = try database.write { db -> (Row, [Row], [HolderRow])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account_application WHERE id = ?", arguments: [id]) else { return nil }
            let documents = try Row.fetchAll(db, sql: "SELECT * FROM application_document WHERE application_id = ? ORDER BY kind", arguments: [id])
            try AuditEvent(at: now, actor: actor, action: action, subject: id, detail: "").insert(db)
            return (row, documents, try namedHolders(row, db: db))
        }
        guard let (row, documents, holders) = found else { throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))") }
        var application = try application(row, documents: documents)
        let index = (try? IdentityNumber(application.form.nationalID)).map(seal.nationalIDIndex)
        application.registrarRecords = try holders.map { holder throws(IssuerStoreError) in try registrarRecord(holder, nationalIDIndex: index) }
        return application
    }

    /// The holders named by an application: its registrar match and the
    /// student IDs the applicant typed.
    private func namedHolders(_ row: Row, db: Database) throws -> [HolderRow] {
        guard let form = try? seal.openApplicationForm(row["sealed_form"], id: row["id"]) else { return [] }
        var ids = form.records.compactMap { $0.studentID?.uppercased() }
        if let match: String = row["registrar_match"] { ids.insert(match.uppercased(), at: 0) }
        var seen = Set<String>(), holders: [HolderRow] = []
        for id in ids where seen.insert(id).inserted {
            if let holder = try HolderRow.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = ? COLLATE NOCASE", arguments: [id]) { holders.append(holder) }
        }
        return holders
    }

    private func registrarRecord(_ holder: HolderRow, nationalIDIndex: Data?) throws(IssuerStoreError) -> RegistrarRecord {
        let id = holder.studentID
        let comparison: RegistrarRecord.NationalIDComparison = holder.nationalIDIndex.map { $0 == nationalIDIndex ? .same : .different } ?? .none
        return RegistrarRecord(
            studentID: id, name: try seal.open(holder.sealedName, field: "name", studentID: id),
            email: try holder.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: id) },
            mobile: try holder.sealedMobile.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "mobile", studentID: id) },
            nationalID: comparison, activated: holder.passwordHash != nil, diplomaDate: holder.diplomaDate)
    }

    /// Staff's words as stored: sealed, or clear text in a row from before review 2.
    static func staffText(_ value: DatabaseValue) -> AccountApplicationRow.StaffText? {
        switch value.storage {
        case .blob(let sealed): .sealed(sealed)
        case .string(let text): .clear(text)
        default: nil
        }
    }

    /// What ``applicationRow(_:)`` reads (`SELECT *` holds them too).
    static let applicationColumns = """
        id, status, submitted_at, review_due, working_days_left, sealed_form, consent_version, consent_sha256, consented_at, registrar_match,
        known_identity, message, sealed_reply, decided_at, decided_by, decision_reason, documents_deleted_at
        """

    /// An `account_application` row as the backends share it.
    static func applicationRow(_ row: Row) -> AccountApplicationRow {
        AccountApplicationRow(
            id: row["id"], status: row["status"], submittedAt: row["submitted_at"], reviewDue: row["review_due"],
            workingDaysLeft: row["working_days_left"], sealedForm: row["sealed_form"], consentVersion: row["consent_version"],
            consentSHA256: row["consent_sha256"], consentedAt: row["consented_at"], registrarMatch: row["registrar_match"],
            knownIdentity: row["known_identity"], message: staffText(row["message"]), sealedReply: row["sealed_reply"],
            decidedAt: row["decided_at"], decidedBy: row["decided_by"], decisionReason: staffText(row["decision_reason"]),
            documentsDeletedAt: row["documents_deleted_at"])
    }

    func application(_ row: Row, documents: [Row]) throws(IssuerStoreError) -> AccountApplication {
        try Self.applicationRow(row).application(seal: seal, documents: Self.documents(documents))
    }

    /// Records that `actor` read one document (the caller then reads the file).
    public func documentForReading(id: String, kind: DocumentKind, actor: String, now: Int64) throws(IssuerStoreError) -> StoredDocument {
        let row = try database.write { db -> Row? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM application_document WHERE application_id = ? AND kind = ?",
                                             arguments: [id, kind.rawValue]) else { return nil }
            try AuditEvent(at: now, actor: actor, action: "application_document_read", subject: id, detail: kind.rawValue).insert(db)
            return row
        }
        guard let row else { throw IssuerStoreError(.notFound, "application \(id.prefix(40)) has no \(kind.rawValue) (never uploaded, or deleted after the retention period)") }
        return StoredDocument(kind: kind, contentType: row["content_type"], fileName: row["file_name"], size: row["size"])
    }

    /// Records that `actor` revealed the national ID of an application (audited).
    public func revealNationalID(id: String, actor: String, now: Int64) throws(IssuerStoreError) -> String {
        try application(id: id, actor: actor, now: now, action: "national_id_revealed").form.nationalID
    }

    /// Approves or rejects a pending (or needs-info) application, with its
    /// mail, in one transaction. Returns the application as it was.
    /// Throws ``IssuerStoreError/Code/alreadyDecided`` when another decision came first.
    @discardableResult
    public func decide(id: String, decision: ApplicationDecision, mails: (AccountApplication, OpenedAccount?) -> [OutgoingMail], actor: String, now: Int64) throws(IssuerStoreError) -> AccountApplication {
        try database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account_application WHERE id = ?", arguments: [id]) else {
                throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))")
            }
            let documents = try Row.fetchAll(db, sql: "SELECT * FROM application_document WHERE application_id = ?", arguments: [id])
            let application = try application(row, documents: documents)
            guard application.status == .pending || application.status == .needsInfo else {
                throw IssuerStoreError(.alreadyDecided, "application \(id) was already \(application.status.rawValue) by \(application.decidedBy ?? "?"); nothing was changed")
            }
            var opened: OpenedAccount?
            switch decision {
            case .approve(let studentID, let take, let onlyIfNothingReplaced):
                let (holderID, account, taken) = try openAccount(for: application, studentID: studentID, take: take,
                                                                 onlyIfNothingReplaced: onlyIfNothingReplaced, now: now, db: db)
                opened = account
                try db.execute(sql: """
                    UPDATE account_application SET status = 'approved', decided_at = ?, decided_by = ?, holder_id = ?, review_due = NULL, working_days_left = NULL
                    WHERE id = ?
                    """, arguments: [now, actor, holderID, id])
                let fields = taken.map(\.rawValue).sorted().joined(separator: ", ")
                try AuditEvent(at: now, actor: actor, action: "application_approved", subject: id,
                               detail: "student \(account.studentID)\(fields.isEmpty ? "" : ", from the application: \(fields)")").insert(db)
            case .reject(let reason):
                try db.execute(sql: """
                    UPDATE account_application SET status = 'rejected', decided_at = ?, decided_by = ?, decision_reason = ?, review_due = NULL, working_days_left = NULL
                    WHERE id = ?
                    """, arguments: [now, actor, seal.seal(reason, field: "decision_reason", studentID: id), id])
                // The reason is in the sealed row; the audit says who and when.
                try AuditEvent(at: now, actor: actor, action: "application_rejected", subject: id, detail: "").insert(db)
            }
            for message in mails(application, opened) { try outbox.enqueue(message, now: now, db: db) }
            return application
        }
    }

    /// Opens the approved application's account by ``AccountOpeningPlan``,
    /// the existing holder read in this write transaction. Returns the
    /// holder's row id, the account as the mails need it, and the fields
    /// taken over.
    private func openAccount(for application: AccountApplication, studentID: String, take: Set<ContactField>, onlyIfNothingReplaced: Bool,
                             now: Int64, db: Database) throws -> (Int64, OpenedAccount, Set<ContactField>) {
        let plan = try AccountOpeningPlan(application, seal: seal)
        func owner(_ column: String, _ key: Data?) throws -> String? {
            guard let key else { return nil }
            return try String.fetchOne(db, sql: "SELECT student_id FROM holder WHERE \(column) = ? LIMIT 1", arguments: [key])
        }
        let existing = try HolderRow.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = ? COLLATE NOCASE", arguments: [studentID])
        let found = AccountOpeningPlan.Found(
            nationalIDOwner: try owner("national_id_index", plan.nationalIDIndex), existing: existing,
            emailOwner: try owner("email_index", plan.emailIndex), mobileOwner: try owner("mobile_index", plan.mobileIndex))
        let outcome = try plan.decide(studentID: studentID, take: take, onlyIfNothingReplaced: onlyIfNothingReplaced, found: found, now: now)
        var holder = outcome.holder
        if existing == nil { try holder.insert(db) } else { try holder.update(db) }
        guard let holderID = holder.id else {
            throw IssuerStoreError(.corruptRecord, "the new holder has no id")
        }
        return (holderID, outcome.account, outcome.taken)
    }

    /// Asks the applicant for more: status `needs_info`, the clock stopped
    /// with `workingDaysLeft` kept, and the mail queued.
    public func requestInfo(id: String, message: String, infoTokenHash: [UInt8], workingDaysLeft: (Int?) -> Int, mail: (AccountApplication) -> OutgoingMail?,
                            actor: String, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account_application WHERE id = ?", arguments: [id]) else {
                throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))")
            }
            let application = try application(row, documents: [])
            guard application.status == .pending else {
                if application.status == .needsInfo {
                    throw IssuerStoreError(.invalidChange, "application \(id) is already waiting for the applicant's answer to an earlier request")
                }
                throw IssuerStoreError(.alreadyDecided, "application \(id) was already \(application.status.rawValue); nothing was changed")
            }
            try db.execute(sql: """
                UPDATE account_application SET status = 'needs_info', message = ?, working_days_left = ?, review_due = NULL, info_token_hash = ?,
                    info_requested_at = ? WHERE id = ?
                """, arguments: [seal.seal(message, field: "message", studentID: id), workingDaysLeft(application.reviewDue), Data(infoTokenHash), now, id])
            if let message = mail(application) { try outbox.enqueue(message, now: now, db: db) }
            try AuditEvent(at: now, actor: actor, action: "application_info_requested", subject: id, detail: "").insert(db)
        }
    }

    /// The status behind a link, or nil for an unknown one or one whose
    /// application was decided before `decidedSince` (the link's grace is over).
    public func status(tokenHash: [UInt8], decidedSince: Int64 = .min) throws(IssuerStoreError) -> ApplicationPublicStatus? {
        try database.read { db -> ApplicationPublicStatus? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM account_application WHERE (status_token_hash = ? OR info_token_hash = ?) AND (decided_at IS NULL OR decided_at >= ?)
                """, arguments: [Data(tokenHash), Data(tokenHash), decidedSince]) else { return nil }
            let documents = Self.documents(try Row.fetchAll(db, sql: "SELECT * FROM application_document WHERE application_id = ?",
                                                            arguments: [row["id"] as String]))
            return try Self.applicationRow(row).publicStatus(documents: documents, seal: seal)
        }
    }

    /// The applicant's answer to a request for information: the reply,
    /// replacement documents, and the clock restarted with `reviewDue`.
    /// Returns the documents replaced (their files are then deleted).
    public func answer(tokenHash: [UInt8], reply: String, documents: [StoredDocument], reviewDue: Int, now: Int64) throws(IssuerStoreError) -> [StoredDocument] {
        try database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, status FROM account_application WHERE status_token_hash = ? OR info_token_hash = ?", arguments: [Data(tokenHash), Data(tokenHash)]) else {
                throw IssuerStoreError(.tokenUnusable, "this status link is not known; use the link from the acknowledgement mail")
            }
            let id: String = row["id"]
            guard (row["status"] as String) == ApplicationStatus.needsInfo.rawValue else {
                throw IssuerStoreError(.invalidChange, "this application is not waiting for an answer; see its status with the link from the mail")
            }
            var replaced: [StoredDocument] = []
            for document in documents {
                if let old = try Row.fetchOne(db, sql: "SELECT * FROM application_document WHERE application_id = ? AND kind = ?", arguments: [id, document.kind.rawValue]) {
                    replaced.append(StoredDocument(kind: document.kind, contentType: old["content_type"], fileName: old["file_name"], size: old["size"]))
                }
                try insert(document, applicationID: id, now: now, db: db)
            }
            try db.execute(sql: """
                UPDATE account_application SET status = 'pending', sealed_reply = ?, replied_at = ?, review_due = ?, working_days_left = NULL WHERE id = ?
                """, arguments: [seal.seal(reply, field: "reply", studentID: id), now, reviewDue, id])
            try AuditEvent(at: now, actor: "applicant", action: "application_answered", subject: id,
                           detail: documents.map(\.kind.rawValue).joined(separator: ", ")).insert(db)
            return replaced
        }
    }

    /// Closes, as rejected with `reason`, applications whose request for
    /// more was made before `requestedBefore` and never answered; each is
    /// audited and its applicant mailed in the same transaction. Returns
    /// how many it closed (at most `limit`; the loop comes back for more).
    public func closeUnanswered(requestedBefore: Int64, reason: String, mail: (AccountApplication) -> OutgoingMail?, now: Int64,
                                limit: Int = 100) throws(IssuerStoreError) -> Int {
        try database.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM account_application WHERE status = 'needs_info' AND info_requested_at < ? ORDER BY info_requested_at LIMIT ?
                """, arguments: [requestedBefore, limit])
            for row in rows {
                let application = try application(row, documents: [])
                try db.execute(sql: """
                    UPDATE account_application SET status = 'rejected', decided_at = ?, decided_by = 'daemon', decision_reason = ?, working_days_left = NULL
                    WHERE id = ? AND status = 'needs_info'
                    """, arguments: [now, seal.seal(reason, field: "decision_reason", studentID: application.id), application.id])
                if let message = mail(application) { try outbox.enqueue(message, now: now, db: db) }
                try AuditEvent(at: now, actor: "daemon", action: "application_lapsed", subject: application.id, detail: "no answer to the request for more").insert(db)
            }
            return rows.count
        }
    }

    /// Deletes rejected applications decided before `decidedBefore` whose
    /// documents are already gone: the form, the reply and the reasons go
    /// with the row, since the purpose they were collected for has ended
    /// (PDPA Art. 11). The audit keeps the application's ID and dates.
    public func eraseRejected(decidedBefore: Int64, now: Int64, limit: Int = 200) throws(IssuerStoreError) -> Int {
        try database.write { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM account_application WHERE status = 'rejected' AND decided_at < ? AND documents_deleted_at IS NOT NULL ORDER BY decided_at LIMIT ?
                """, arguments: [decidedBefore, limit])
            for id in ids {
                try db.execute(sql: "DELETE FROM account_application WHERE id = ?", arguments: [id])
                try AuditEvent(at: now, actor: "daemon", action: "application_erased", subject: id, detail: "rejected; retention period over").insert(db)
            }
            return ids.count
        }
    }

    /// Seals staff texts that rows from before sealing hold in clear, and
    /// empties the rejection reasons older audit rows repeated. Idempotent;
    /// returns how many applications it sealed.
    public func sealClearStaffTexts(limit: Int = 500) throws(IssuerStoreError) -> Int {
        try database.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, message, decision_reason FROM account_application WHERE typeof(message) = 'text' OR typeof(decision_reason) = 'text' LIMIT ?
                """, arguments: [limit])
            for row in rows {
                let id: String = row["id"]
                for column in ["message", "decision_reason"] {
                    let value: DatabaseValue = row[column]
                    guard case .string(let text) = value.storage else { continue }
                    try db.execute(sql: "UPDATE account_application SET \(column) = ? WHERE id = ?",
                                   arguments: [seal.seal(text, field: column, studentID: id), id])
                }
            }
            // Only rejections from before sealing repeated their reason; they come with clear rows.
            if !rows.isEmpty {
                try db.execute(sql: "UPDATE audit_event SET detail = '' WHERE action = 'application_rejected' AND detail <> ''")
            }
            return rows.count
        }
    }

    /// Documents of applications decided before `before` that are still on disk.
    public func documentsPastRetention(decidedBefore before: Int64, limit: Int = 200) throws(IssuerStoreError) -> [(id: String, documents: [StoredDocument])] {
        try database.read { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM account_application WHERE decided_at IS NOT NULL AND decided_at < ? AND documents_deleted_at IS NULL ORDER BY decided_at LIMIT ?
                """, arguments: [before, limit])
            return try ids.map { id in
                (id, Self.documents(try Row.fetchAll(db, sql: "SELECT * FROM application_document WHERE application_id = ?", arguments: [id])))
            }
        }
    }

    /// Records that an application's document files were deleted.
    public func markDocumentsDeleted(id: String, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM application_document WHERE application_id = ?", arguments: [id])
            try db.execute(sql: "UPDATE account_application SET documents_deleted_at = ? WHERE id = ?", arguments: [now, id])
            try AuditEvent(at: now, actor: "daemon", action: "application_documents_deleted", subject: id, detail: "retention period over").insert(db)
        }
    }

    /// How many applications there are (any status).
    public func count() throws(IssuerStoreError) -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM account_application") ?? 0 }
    }

    /// Every document file name the database knows (to find orphans on disk).
    public func knownDocumentFiles() throws(IssuerStoreError) -> Set<String> {
        try database.read { db in Set(try String.fetchAll(db, sql: "SELECT file_name FROM application_document")) }
    }

    /// `application_document` rows as documents.
    static func documents(_ rows: [Row]) -> [StoredDocument] {
        rows.compactMap { row in
            guard let kind = DocumentKind(rawValue: row["kind"]) else { return nil }
            return StoredDocument(kind: kind, contentType: row["content_type"], fileName: row["file_name"], size: row["size"])
        }
    }
}
