import AccountRules
import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``AccountApplicationRepository`` on PostgreSQL, with SQLite's rules:
/// the form and staff's words sealed, every staff read and decision
/// audited in its transaction, mails queued in it. A submission holds a
/// transaction lock on its national ID while it reads what is known of it,
/// so two racing submissions of one ID are told apart as on SQLite; a
/// decision locks its application's row, so of two racing decisions one wins.
public struct PostgresAccountApplicationRepository: AccountApplicationRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    static let columns = """
        id, status, submitted_at, review_due, working_days_left, sealed_form, consent_version, consent_sha256, consented_at, registrar_match,
        known_identity, message, sealed_reply, decided_at, decided_by, decision_reason, documents_deleted_at
        """

    static func rows(_ sequence: PostgresRowSequence) async throws -> [AccountApplicationRow] {
        var rows: [AccountApplicationRow] = []
        for try await row in sequence.decode((String, String, Int64, Int?, Int?, Data, String, String, Int64, String?, Bool, Data?, Data?, Int64?, String?,
                                              Data?, Int64?).self) {
            // Staff's words are always sealed here (PostgreSQL came after review 2).
            rows.append(AccountApplicationRow(
                id: row.0, status: row.1, submittedAt: row.2, reviewDue: row.3, workingDaysLeft: row.4, sealedForm: row.5, consentVersion: row.6,
                consentSHA256: row.7, consentedAt: row.8, registrarMatch: row.9, knownIdentity: row.10, message: row.11.map { .sealed($0) },
                sealedReply: row.12, decidedAt: row.13, decidedBy: row.14, decisionReason: row.15.map { .sealed($0) }, documentsDeletedAt: row.16))
        }
        return rows
    }

    static func row(id: String, locking: Bool, _ connection: PostgresConnection) async throws -> AccountApplicationRow? {
        try await rows(try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(columns) FROM account_application WHERE id = $1\(locking ? " FOR UPDATE" : "")", binds: try binds(id)),
            logger: PostgresConnection.quiet)).first
    }

    static func binds(_ values: String...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    static func documents(of id: String, _ connection: PostgresConnection) async throws -> [StoredDocument] {
        var documents: [StoredDocument] = []
        for try await (kind, contentType, fileName, size) in try await connection.query("""
            SELECT kind, content_type, file_name, size FROM application_document WHERE application_id = \(id) ORDER BY kind
            """, logger: PostgresConnection.quiet).decode((String, String, String, Int).self) {
            guard let kind = DocumentKind(rawValue: kind) else { continue }
            documents.append(StoredDocument(kind: kind, contentType: contentType, fileName: fileName, size: size))
        }
        return documents
    }

    public func nationalIDKey(_ number: IdentityNumber) -> String {
        "id:" + seal.nationalIDIndex(number).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func openApplications() async throws -> Int {
        try await storage.read("cannot count the applications") { connection in
            try await connection.value("SELECT count(*)::bigint FROM account_application WHERE status IN ('pending', 'needs_info')", as: Int.self) ?? 0
        }
    }

    public func submit(_ submission: ApplicationSubmission, mails: @escaping @Sendable (IdentityFacts) -> [OutgoingMail], now: Int64) async throws {
        let seal = seal
        let index = seal.nationalIDIndex(submission.nationalID)
        let form: Data
        do { form = try JSONEncoder().encode(submission.form) } catch { throw IssuerStoreError(.invalidChange, "the form cannot be encoded") }
        let sealedForm = seal.seal(String(decoding: form, as: UTF8.self), field: "application", studentID: submission.id)
        let studentIDs = submission.form.records.compactMap { $0.studentID?.uppercased() }
        let lockKey = index.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        try await storage.transaction("cannot store the application") { connection in
            // Racing submissions of one national ID wait here, so the second sees the first.
            try await connection.run("SELECT pg_advisory_xact_lock(\(lockKey))")
            let holder = try await PostgresHolderRows.holder(where: "national_id_index", index, connection)
            let open = try await connection.value("""
                SELECT EXISTS (SELECT 1 FROM account_application WHERE national_id_index = \(index) AND status IN ('pending', 'needs_info'))
                """, as: Bool.self) ?? false
            // A holder record with this national ID makes it known, activated
            // or not: its owner is told, and a match is a claim to check.
            let known = open || holder != nil
            let match = holder.flatMap { $0.passwordHash == nil && studentIDs.contains($0.studentID.uppercased()) ? $0.studentID : nil }
            let email = try holder?.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: holder!.studentID) }
            try await connection.run("""
                INSERT INTO account_application (id, status, submitted_at, review_due, national_id_index, sealed_form, consent_version, consent_sha256,
                    consented_at, status_token_hash, registrar_match, known_identity)
                VALUES (\(submission.id), 'pending', \(now), \(submission.reviewDue), \(index), \(sealedForm), \(submission.consent.version),
                        \(submission.consent.sha256), \(submission.consent.at), \(Data(submission.statusTokenHash)), \(match), \(known))
                """)
            for document in submission.documents { try await Self.insert(document, applicationID: submission.id, now: now, connection) }
            for mail in mails(IdentityFacts(known: known, holderEmail: email)) { try await connection.enqueue(mail, now: now, seal: seal) }
            try await connection.audit(at: now, actor: "applicant", action: "application_submitted", subject: submission.id,
                                       detail: "consent \(submission.consent.version)\(known ? ", identity already known" : "")\(match.map { ", matches imported \($0)" } ?? "")")
        }
    }

    static func insert(_ document: StoredDocument, applicationID: String, now: Int64, _ connection: PostgresConnection) async throws {
        try await connection.run("""
            INSERT INTO application_document (application_id, kind, content_type, file_name, size, stored_at)
            VALUES (\(applicationID), \(document.kind.rawValue), \(document.contentType), \(document.fileName), \(document.size), \(now))
            ON CONFLICT (application_id, kind) DO UPDATE SET content_type = excluded.content_type, file_name = excluded.file_name,
                size = excluded.size, stored_at = excluded.stored_at
            """)
    }

    public func status(tokenHash: [UInt8], decidedSince: Int64) async throws -> ApplicationPublicStatus? {
        let found = try await storage.transaction("cannot read the application", isolation: .repeatableRead) { connection -> (AccountApplicationRow, [StoredDocument])? in
            guard let row = try await Self.rows(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM account_application
                WHERE (status_token_hash = \(Data(tokenHash)) OR info_token_hash = \(Data(tokenHash))) AND (decided_at IS NULL OR decided_at >= \(decidedSince))
                """, logger: PostgresConnection.quiet)).first else { return nil }
            return (row, try await Self.documents(of: row.id, connection))
        }
        guard let (row, documents) = found else { return nil }
        return try row.publicStatus(documents: documents, seal: seal)
    }

    public func answer(tokenHash: [UInt8], reply: String, documents: [StoredDocument], reviewDue: Int, now: Int64) async throws -> [StoredDocument] {
        let seal = seal
        return try await storage.transaction("cannot store the answer") { connection in
            var found: (String, String)?
            for try await row in try await connection.query("""
                SELECT id, status FROM account_application WHERE status_token_hash = \(Data(tokenHash)) OR info_token_hash = \(Data(tokenHash)) FOR UPDATE
                """, logger: PostgresConnection.quiet).decode((String, String).self) { found = row }
            guard let (id, status) = found else {
                throw IssuerStoreError(.tokenUnusable, "this status link is not known; use the link from the acknowledgement mail")
            }
            guard status == ApplicationStatus.needsInfo.rawValue else {
                throw IssuerStoreError(.invalidChange, "this application is not waiting for an answer; see its status with the link from the mail")
            }
            let current = try await Self.documents(of: id, connection)
            let replaced = documents.compactMap { document in current.first { $0.kind == document.kind } }
            for document in documents { try await Self.insert(document, applicationID: id, now: now, connection) }
            try await connection.run("""
                UPDATE account_application SET status = 'pending', sealed_reply = \(seal.seal(reply, field: "reply", studentID: id)), replied_at = \(now),
                    review_due = \(reviewDue), working_days_left = NULL WHERE id = \(id)
                """)
            try await connection.audit(at: now, actor: "applicant", action: "application_answered", subject: id,
                                       detail: documents.map(\.kind.rawValue).joined(separator: ", "))
            return replaced
        }
    }

    public func queue(statuses: [ApplicationStatus], after: ApplicationQueueCursor?, limit: Int, actor: String, now: Int64) async throws
        -> ApplicationQueuePage {
        let limit = min(max(limit, 1), 500)
        let names = statuses.map(\.rawValue)
        let (rows, total) = try await storage.transaction("cannot list the applications", isolation: .repeatableRead) { connection -> ([AccountApplicationRow], Int) in
            let rows = try await Self.rows(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM account_application
                WHERE status = ANY(\(names))
                  AND (\(after == nil) OR ((review_due IS NULL)::int, coalesce(review_due, 0), submitted_at, id) >
                       (\(after?.paused ?? 0), \(after?.reviewDue ?? 0), \(after?.submittedAt ?? 0), \(after?.id ?? "")))
                ORDER BY review_due IS NULL, coalesce(review_due, 0), submitted_at, id LIMIT \(limit + 1)
                """, logger: PostgresConnection.quiet))
            let total = try await connection.value("SELECT count(*)::bigint FROM account_application WHERE status = ANY(\(names))", as: Int.self) ?? 0
            try await connection.audit(at: now, actor: actor, action: "applications_listed", subject: nil,
                                       detail: "status \(names.joined(separator: "+")), \(min(rows.count, limit)) of \(total) shown")
            return (rows, total)
        }
        let entries = try rows.prefix(limit).map { row throws(IssuerStoreError) in try row.queueEntry(seal: seal) }
        return ApplicationQueuePage(entries: entries, total: total, next: rows.count > limit ? entries.last.map(ApplicationQueueCursor.init) : nil)
    }

    public func application(id: String, actor: String, now: Int64) async throws -> AccountApplication {
        try await application(id: id, actor: actor, now: now, action: "application_read")
    }

    /// The whole application, read by `actor`, audited as `action` in the same transaction.
    func application(id: String, actor: String, now: Int64, action: String) async throws -> AccountApplication {
        let found = try await storage.transaction("cannot read the application", isolation: .repeatableRead) { connection -> (AccountApplicationRow, [StoredDocument], [HolderRow])? in
            guard let row = try await Self.row(id: id, locking: false, connection) else { return nil }
            let documents = try await Self.documents(of: id, connection)
            try await connection.audit(at: now, actor: actor, action: action, subject: id, detail: "")
            return (row, documents, try await namedHolders(row, connection))
        }
        guard let (row, documents, holders) = found else { throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))") }
        var application = try row.application(seal: seal, documents: documents)
        let index = (try? IdentityNumber(application.form.nationalID)).map(seal.nationalIDIndex)
        application.registrarRecords = try holders.map { holder throws(IssuerStoreError) in try registrarRecord(holder, nationalIDIndex: index) }
        return application
    }

    /// The holders an application names: its registrar match and the student IDs the applicant typed.
    private func namedHolders(_ row: AccountApplicationRow, _ connection: PostgresConnection) async throws -> [HolderRow] {
        guard let form = try? seal.openApplicationForm(row.sealedForm, id: row.id) else { return [] }
        var ids = form.records.compactMap { $0.studentID?.uppercased() }
        if let match = row.registrarMatch { ids.insert(match.uppercased(), at: 0) }
        var seen = Set<String>(), holders: [HolderRow] = []
        for id in ids where seen.insert(id).inserted {
            if let holder = try await Self.holder(studentIDInAnyCase: id, locking: false, connection) { holders.append(holder) }
        }
        return holders
    }

    static func holder(studentIDInAnyCase id: String, locking: Bool, _ connection: PostgresConnection) async throws -> HolderRow? {
        try await PostgresHolderRows.holders(try await connection.query(PostgresQuery(
            unsafeSQL: "SELECT \(PostgresHolderRows.holderColumns) FROM holder WHERE lower(student_id) = lower($1) ORDER BY id LIMIT 1\(locking ? " FOR UPDATE" : "")",
            binds: try binds(id)), logger: PostgresConnection.quiet)).first
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

    public func documentForReading(id: String, kind: DocumentKind, actor: String, now: Int64) async throws -> StoredDocument {
        let found = try await storage.transaction("cannot read the document") { connection -> StoredDocument? in
            guard let document = try await Self.documents(of: id, connection).first(where: { $0.kind == kind }) else { return nil }
            try await connection.audit(at: now, actor: actor, action: "application_document_read", subject: id, detail: kind.rawValue)
            return document
        }
        guard let found else {
            throw IssuerStoreError(.notFound, "application \(id.prefix(40)) has no \(kind.rawValue) (never uploaded, or deleted after the retention period)")
        }
        return found
    }

    public func revealNationalID(id: String, actor: String, now: Int64) async throws -> String {
        try await application(id: id, actor: actor, now: now, action: "national_id_revealed").form.nationalID
    }

    public func decide(id: String, decision: ApplicationDecision, mails: @escaping @Sendable (AccountApplication, OpenedAccount?) -> [OutgoingMail],
                       actor: String, now: Int64) async throws -> AccountApplication {
        let seal = seal
        return try await storage.transaction("cannot record the decision") { connection in
            guard let row = try await Self.row(id: id, locking: true, connection) else {
                throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))")
            }
            let application = try row.application(seal: seal, documents: try await Self.documents(of: id, connection))
            guard application.status == .pending || application.status == .needsInfo else {
                throw IssuerStoreError(.alreadyDecided, "application \(id) was already \(application.status.rawValue) by \(application.decidedBy ?? "?"); nothing was changed")
            }
            var opened: OpenedAccount?
            switch decision {
            case .approve(let studentID, let take, let onlyIfNothingReplaced):
                let (holderID, account, taken) = try await openAccount(for: application, studentID: studentID, take: take,
                                                                       onlyIfNothingReplaced: onlyIfNothingReplaced, now: now, connection)
                opened = account
                try await connection.run("""
                    UPDATE account_application SET status = 'approved', decided_at = \(now), decided_by = \(actor), holder_id = \(holderID),
                        review_due = NULL, working_days_left = NULL WHERE id = \(id)
                    """)
                let fields = taken.map(\.rawValue).sorted().joined(separator: ", ")
                try await connection.audit(at: now, actor: actor, action: "application_approved", subject: id,
                                           detail: "student \(account.studentID)\(fields.isEmpty ? "" : ", from the application: \(fields)")")
            case .reject(let reason):
                try await connection.run("""
                    UPDATE account_application SET status = 'rejected', decided_at = \(now), decided_by = \(actor),
                        decision_reason = \(seal.seal(reason, field: "decision_reason", studentID: id)), review_due = NULL, working_days_left = NULL
                    WHERE id = \(id)
                    """)
                // The reason is in the sealed row; the audit says who and when.
                try await connection.audit(at: now, actor: actor, action: "application_rejected", subject: id, detail: "")
            }
            for message in mails(application, opened) { try await connection.enqueue(message, now: now, seal: seal) }
            return application
        }
    }

    /// Opens the approved application's account by ``AccountOpeningPlan``,
    /// the existing holder locked for this transaction.
    private func openAccount(for application: AccountApplication, studentID: String, take: Set<ContactField>, onlyIfNothingReplaced: Bool,
                             now: Int64, _ connection: PostgresConnection) async throws -> (Int64, OpenedAccount, Set<ContactField>) {
        let plan = try AccountOpeningPlan(application, seal: seal)
        func owner(_ column: String, _ key: Data?) async throws -> String? {
            guard let key else { return nil }
            return try await PostgresHolderRows.holder(where: column, key, connection)?.studentID
        }
        let nationalIDOwner = try await owner("national_id_index", plan.nationalIDIndex)
        let existing = try await Self.holder(studentIDInAnyCase: studentID, locking: true, connection)
        let found = AccountOpeningPlan.Found(
            nationalIDOwner: nationalIDOwner, existing: existing,
            emailOwner: try await owner("email_index", plan.emailIndex), mobileOwner: try await owner("mobile_index", plan.mobileIndex))
        let outcome = try plan.decide(studentID: studentID, take: take, onlyIfNothingReplaced: onlyIfNothingReplaced, found: found, now: now)
        let holderID: Int64
        if let existingID = existing?.id {
            try await PostgresHolderRows.update(outcome.holder, id: existingID, connection)
            holderID = existingID
        } else {
            holderID = try await PostgresHolderRows.insert(outcome.holder, connection)
        }
        return (holderID, outcome.account, outcome.taken)
    }

    public func requestInfo(id: String, message: String, infoTokenHash: [UInt8], workingDaysLeft: @escaping @Sendable (Int?) -> Int,
                            mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?, actor: String, now: Int64) async throws {
        let seal = seal
        try await storage.transaction("cannot ask the applicant") { connection in
            guard let row = try await Self.row(id: id, locking: true, connection) else {
                throw IssuerStoreError(.notFound, "there is no application \(id.prefix(40))")
            }
            let application = try row.application(seal: seal, documents: [])
            guard application.status == .pending else {
                if application.status == .needsInfo {
                    throw IssuerStoreError(.invalidChange, "application \(id) is already waiting for the applicant's answer to an earlier request")
                }
                throw IssuerStoreError(.alreadyDecided, "application \(id) was already \(application.status.rawValue); nothing was changed")
            }
            try await connection.run("""
                UPDATE account_application SET status = 'needs_info', message = \(seal.seal(message, field: "message", studentID: id)),
                    working_days_left = \(workingDaysLeft(application.reviewDue)), review_due = NULL, info_token_hash = \(Data(infoTokenHash)),
                    info_requested_at = \(now) WHERE id = \(id)
                """)
            if let message = mail(application) { try await connection.enqueue(message, now: now, seal: seal) }
            try await connection.audit(at: now, actor: actor, action: "application_info_requested", subject: id, detail: "")
        }
    }

    public func closeUnanswered(requestedBefore: Int64, reason: String, mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?,
                                now: Int64) async throws -> Int {
        let seal = seal
        return try await storage.transaction("cannot close the unanswered applications") { connection in
            let rows = try await Self.rows(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM account_application WHERE status = 'needs_info' AND info_requested_at < \(requestedBefore)
                ORDER BY info_requested_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """, logger: PostgresConnection.quiet))
            for row in rows {
                let application = try row.application(seal: seal, documents: [])
                try await connection.run("""
                    UPDATE account_application SET status = 'rejected', decided_at = \(now), decided_by = 'daemon',
                        decision_reason = \(seal.seal(reason, field: "decision_reason", studentID: application.id)), working_days_left = NULL
                    WHERE id = \(application.id) AND status = 'needs_info'
                    """)
                if let message = mail(application) { try await connection.enqueue(message, now: now, seal: seal) }
                try await connection.audit(at: now, actor: "daemon", action: "application_lapsed", subject: application.id, detail: "no answer to the request for more")
            }
            return rows.count
        }
    }

    public func eraseRejected(decidedBefore: Int64, now: Int64) async throws -> Int {
        try await storage.transaction("cannot erase the rejected applications") { connection in
            var ids: [String] = []
            for try await id in try await connection.query("""
                DELETE FROM account_application WHERE id IN (
                    SELECT id FROM account_application WHERE status = 'rejected' AND decided_at < \(decidedBefore) AND documents_deleted_at IS NOT NULL
                    ORDER BY decided_at LIMIT 200 FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: PostgresConnection.quiet).decode(String.self) { ids.append(id) }
            for id in ids {
                try await connection.audit(at: now, actor: "daemon", action: "application_erased", subject: id, detail: "rejected; retention period over")
            }
            return ids.count
        }
    }

    /// Nothing to do here: staff's words are sealed from the first row (no
    /// version of this backend stored them in clear).
    public func sealClearStaffTexts() async throws -> Int { 0 }

    public func documentsPastRetention(decidedBefore: Int64) async throws -> [(id: String, documents: [StoredDocument])] {
        try await storage.transaction("cannot read the documents past retention", isolation: .repeatableRead) { connection in
            var ids: [String] = []
            for try await id in try await connection.query("""
                SELECT id FROM account_application WHERE decided_at IS NOT NULL AND decided_at < \(decidedBefore) AND documents_deleted_at IS NULL
                ORDER BY decided_at LIMIT 200
                """, logger: PostgresConnection.quiet).decode(String.self) { ids.append(id) }
            var found: [(id: String, documents: [StoredDocument])] = []
            for id in ids { found.append((id, try await Self.documents(of: id, connection))) }
            return found
        }
    }

    public func markDocumentsDeleted(id: String, now: Int64) async throws {
        try await storage.transaction("cannot record the deleted documents") { connection in
            try await connection.run("DELETE FROM application_document WHERE application_id = \(id)")
            try await connection.run("UPDATE account_application SET documents_deleted_at = \(now) WHERE id = \(id)")
            try await connection.audit(at: now, actor: "daemon", action: "application_documents_deleted", subject: id, detail: "retention period over")
        }
    }

    public func knownDocumentFiles() async throws -> Set<String> {
        try await storage.read("cannot read the document names") { connection in
            var names = Set<String>()
            for try await name in try await connection.query("SELECT file_name FROM application_document", logger: PostgresConnection.quiet)
                .decode(String.self) { names.insert(name) }
            return names
        }
    }

    public func count() async throws -> Int {
        try await storage.read("cannot count the applications") { connection in
            try await connection.value("SELECT count(*)::bigint FROM account_application", as: Int.self) ?? 0
        }
    }
}
