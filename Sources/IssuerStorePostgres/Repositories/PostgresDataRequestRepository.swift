import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``DataRequestRepository`` on PostgreSQL: a decision locks its request's
/// row (`FOR UPDATE`), so of two racing decisions one wins, and a closure
/// locks the holder's row before it erases it.
public struct PostgresDataRequestRepository: DataRequestRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal
    let cards: PostgresCardRepository

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
        cards = PostgresCardRepository(storage: storage, kek: kek)
    }

    static let columns = """
        id, holder_id, student_id, kind, status, sealed_details, received_at, due, extended_at, sealed_extension_reason, decided_at, decided_by,
        sealed_outcome, export_until
        """

    static func rows(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> [DataRequestRow] {
        var rows: [DataRequestRow] = []
        for try await row in try await connection.query(query, logger: PostgresConnection.quiet)
            .decode((String, Int64?, String, String, String, Data?, Int64, Int64, Int64?, Data?, Int64?, String?, Data?, Int64?).self) {
            rows.append(DataRequestRow(id: row.0, holderID: row.1, studentID: row.2, kind: row.3, status: row.4, sealedDetails: row.5, receivedAt: row.6,
                                       due: row.7, extendedAt: row.8, sealedExtensionReason: row.9, decidedAt: row.10, decidedBy: row.11,
                                       sealedOutcome: row.12, exportUntil: row.13))
        }
        return rows
    }

    func requests(_ rows: [DataRequestRow]) throws(IssuerStoreError) -> [DataRequest] {
        try rows.map { row throws(IssuerStoreError) in try row.request(seal: seal) }
    }

    static func recipient(holderID: Int64?, _ connection: PostgresConnection, seal: PersonalDataSeal) async throws -> MailRecipient? {
        guard let holderID, let holder = try await PostgresHolderRows.holder(where: "id", holderID, connection), let sealed = holder.sealedEmail else { return nil }
        return MailRecipient(email: try seal.open(sealed, field: "email", studentID: holder.studentID),
                             name: try seal.open(holder.sealedName, field: "name", studentID: holder.studentID))
    }

    public func file(holderID: Int64, kind: DataRequestKind, details: String?, due: Int, exportUntil: Int64?, now: Int64,
                     mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest {
        let seal = seal
        let row = try await storage.transaction("cannot file the data request") { connection -> DataRequestRow in
            guard let holder = try await PostgresHolderRows.holder(where: "id", holderID, connection) else { throw IssuerStoreError(.notFound, "no such holder") }
            let id = DataRequestRow.newID()
            let row = DataRequestRow(id: id, holderID: holderID, studentID: holder.studentID, kind: kind.rawValue,
                                     status: kind == .copy ? DataRequestStatus.completed.rawValue : DataRequestStatus.open.rawValue,
                                     sealedDetails: DataRequestRow.seal(details, "details", id: id, seal: seal), receivedAt: now, due: Int64(due),
                                     extendedAt: nil, sealedExtensionReason: nil, decidedAt: kind == .copy ? now : nil,
                                     decidedBy: kind == .copy ? "prepared at once" : nil, sealedOutcome: nil, exportUntil: exportUntil)
            try await connection.run("""
                INSERT INTO data_request (id, holder_id, student_id, kind, status, sealed_details, received_at, due, decided_at, decided_by, export_until)
                VALUES (\(row.id), \(holderID), \(row.studentID), \(row.kind), \(row.status), \(row.sealedDetails), \(now), \(Int64(due)), \(row.decidedAt),
                        \(row.decidedBy), \(exportUntil))
                """)
            try await connection.audit(at: now, actor: "holder:\(holder.studentID)", action: "data_request_filed", subject: id, detail: kind.rawValue)
            let email = try await Self.recipient(holderID: holderID, connection, seal: seal)
            for mail in mails(try row.request(seal: seal), email) { try await connection.enqueue(mail, now: now, seal: seal) }
            return row
        }
        return try row.request(seal: seal)
    }

    public func requests(holderID: Int64) async throws -> [DataRequest] {
        try requests(try await storage.read("cannot read the data requests") { connection in
            try await Self.rows("SELECT \(unescaped: Self.columns) FROM data_request WHERE holder_id = \(holderID) ORDER BY received_at DESC, id", connection)
        })
    }

    public func request(id: String) async throws -> DataRequest? {
        try requests(try await storage.read("cannot read the data request") { connection in
            try await Self.rows("SELECT \(unescaped: Self.columns) FROM data_request WHERE id = \(id)", connection)
        }).first
    }

    public func queue(status: DataRequestStatus, today: Int, limit: Int) async throws -> [DataRequest] {
        let bounded = max(1, min(limit, 1_000))
        return try requests(try await storage.read("cannot read the data request queue") { connection in
            try await Self.rows("""
                SELECT \(unescaped: Self.columns) FROM data_request WHERE status = \(status.rawValue)
                ORDER BY (status = 'open' AND due < \(Int64(today))) DESC, due, received_at, id LIMIT \(bounded)
                """, connection)
        })
    }

    public func overdueCount(today: Int) async throws -> Int {
        try await storage.read("cannot count the overdue data requests") { connection in
            try await connection.value("SELECT count(*)::bigint FROM data_request WHERE status = 'open' AND due < \(Int64(today))", as: Int.self) ?? 0
        }
    }

    static func openRequest(id: String, _ connection: PostgresConnection) async throws -> DataRequestRow {
        guard let row = try await rows("SELECT \(unescaped: columns) FROM data_request WHERE id = \(id) FOR UPDATE", connection).first else {
            throw IssuerStoreError(.notFound, "there is no data request \(id.prefix(40))")
        }
        guard row.status == DataRequestStatus.open.rawValue else { throw IssuerStoreError(.alreadyDecided, "data request \(id) was already decided") }
        return row
    }

    public func extend(id: String, reason: String, newDue: Int, actor: String, now: Int64,
                       mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest {
        let seal = seal
        let row = try await storage.transaction("cannot extend the data request") { connection -> DataRequestRow in
            var row = try await Self.openRequest(id: id, connection)
            let event = try row.extend(reason: reason, newDue: newDue, actor: actor, now: now, seal: seal)
            try await connection.run("""
                UPDATE data_request SET due = \(row.due), extended_at = \(now), sealed_extension_reason = \(row.sealedExtensionReason) WHERE id = \(id)
                """)
            try await connection.audit(event)
            let email = try await Self.recipient(holderID: row.holderID, connection, seal: seal)
            for mail in mails(try row.request(seal: seal), email) { try await connection.enqueue(mail, now: now, seal: seal) }
            return row
        }
        return try row.request(seal: seal)
    }

    public func decide(id: String, decision: DataRequestDecision, actor: String, now: Int64,
                       mails: @escaping @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail]) async throws -> (request: DataRequest, closure: AccountClosure?) {
        let seal = seal
        let (row, closure) = try await storage.transaction("cannot decide the data request") { connection -> (DataRequestRow, AccountClosure?) in
            var row = try await Self.openRequest(id: id, connection)
            let event = row.decide(decision, actor: actor, now: now, seal: seal)
            try await connection.run("""
                UPDATE data_request SET status = \(row.status), decided_at = \(now), decided_by = \(actor), sealed_outcome = \(row.sealedOutcome) WHERE id = \(id)
                """)
            try await connection.audit(event)
            let email = try await Self.recipient(holderID: row.holderID, connection, seal: seal)
            for mail in mails(try row.request(seal: seal), email) { try await connection.enqueue(mail, now: now, seal: seal) }
            var closure: AccountClosure?
            if row.kind == DataRequestKind.deletion.rawValue, row.status == DataRequestStatus.completed.rawValue, let holderID = row.holderID {
                closure = try await Self.closeAccount(holderID: holderID, requestID: id, actor: actor, now: now, seal: seal, connection)
            }
            return (row, closure)
        }
        return (try row.request(seal: seal), closure)
    }

    static func closeAccount(holderID: Int64, requestID: String, actor: String, now: Int64, seal: PersonalDataSeal,
                             _ connection: PostgresConnection) async throws -> AccountClosure {
        var query = PostgresQuery(unsafeSQL: "SELECT \(PostgresHolderRows.holderColumns) FROM holder WHERE id = $1 FOR UPDATE")
        query.binds.append(holderID)
        guard let holder = try await PostgresHolderRows.holders(try await connection.query(query, logger: PostgresConnection.quiet)).first else {
            throw IssuerStoreError(.notFound, "no such holder")
        }
        let studentID = holder.studentID
        var cards: [String] = []
        for try await number in try await connection.query("""
            SELECT number FROM card WHERE holder_id = \(holderID) AND status <> 'revoked' ORDER BY number
            """, logger: PostgresConnection.quiet).decode(String.self) { cards.append(number) }
        try await connection.run("""
            UPDATE card SET status = 'revoked', status_reason = \(DataRequestRow.closureReason), updated_at = \(now)
            WHERE holder_id = \(holderID) AND status <> 'revoked'
            """)
        for card in cards { try await connection.audit(at: now, actor: actor, action: "card_revoked", subject: card, detail: DataRequestRow.closureReason) }
        var applicationIDs: [String] = []
        for try await id in try await connection.query("""
            SELECT id FROM account_application WHERE holder_id = \(holderID) OR national_id_index = \(holder.nationalIDIndex) ORDER BY id
            """, logger: PostgresConnection.quiet).decode(String.self) { applicationIDs.append(id) }
        var files: [String] = []
        for id in applicationIDs {
            for try await file in try await connection.query("SELECT file_name FROM application_document WHERE application_id = \(id)",
                                                            logger: PostgresConnection.quiet).decode(String.self) { files.append(file) }
            try await connection.run("DELETE FROM account_application WHERE id = \(id)")
        }
        for table in ["session", "password_history", "password_reset", "first_login_code", "email_change"] {
            var statement = PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE holder_id = $1")
            statement.binds.append(holderID)
            try await connection.run(statement)
        }
        let name = seal.seal(DataRequestRow.closedAccountName, field: "name", studentID: studentID)
        try await connection.run("""
            UPDATE holder SET sealed_name = \(name), sealed_email = NULL, email_index = NULL, password_hash = NULL, sealed_national_id = NULL,
                national_id_index = NULL, sealed_mobile = NULL, mobile_index = NULL, diploma_date = NULL, password_change_required = false,
                sealed_profile = NULL, reminders = false, status = 'suspended', closed_at = \(now), updated_at = \(now)
            WHERE id = \(holderID)
            """)
        try await connection.run("UPDATE data_request SET sealed_details = NULL WHERE holder_id = \(holderID)")
        try await connection.audit(at: now, actor: actor, action: "account_closed", subject: studentID,
                                   detail: "data request \(requestID): \(cards.count) card(s) revoked, \(applicationIDs.count) application(s) and \(files.count) document(s) erased")
        return AccountClosure(documentFiles: files, revokedCards: cards)
    }

    public func personalData(holderID: Int64) async throws -> PersonalDataRecord? {
        let seal = seal
        let cardApplications = try await cards.cardApplications(holderID: holderID)
        return try await storage.transaction("cannot read the personal data", isolation: .repeatableRead) { connection -> PersonalDataRecord? in
            guard let stored = try await PostgresAccountRepository.stored(holderID: holderID, lock: false, connection) else { return nil }
            let studentID = stored.holder.studentID
            let nationalID = try stored.holder.sealedNationalID.map { sealed throws(IssuerStoreError) in
                try seal.open(sealed, field: "national_id", studentID: studentID)
            }
            let cards = try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE holder_id = \(holderID) ORDER BY number
                """, logger: PostgresConnection.quiet)).map { row throws(IssuerStoreError) in try row.card() }
            var accountApplications: [AccountApplication] = []
            for row in try await PostgresAccountApplicationRepository.rows(try await connection.query("""
                SELECT \(unescaped: PostgresAccountApplicationRepository.columns) FROM account_application
                WHERE holder_id = \(holderID) OR national_id_index = \(stored.holder.nationalIDIndex) ORDER BY submitted_at, id
                """, logger: PostgresConnection.quiet)) {
                accountApplications.append(try row.application(seal: seal, documents: try await PostgresAccountApplicationRepository.documents(of: row.id, connection)))
            }
            var sessions: [HolderSessionRecord] = []
            for try await row in try await connection.query("""
                SELECT created_at, last_seen_at, user_agent, expires_at FROM session WHERE holder_id = \(holderID) ORDER BY created_at
                """, logger: PostgresConnection.quiet).decode((Int64, Int64?, String?, Int64).self) {
                sessions.append(HolderSessionRecord(tokenHash: [], createdAt: row.0, lastSeenAt: row.1, userAgent: row.2, expiresAt: row.3))
            }
            let requests = try await Self.rows("""
                SELECT \(unescaped: Self.columns) FROM data_request WHERE holder_id = \(holderID) ORDER BY received_at, id
                """, connection).map { row throws(IssuerStoreError) in try row.request(seal: seal) }
            let subjects = [studentID] + cards.map(\.number.rawValue) + accountApplications.map(\.id) + requests.map(\.id)
            var events: [AuditEvent] = []
            for try await (id, at, actor, action, subject, detail) in try await connection.query("""
                SELECT id, at, actor, action, subject, detail FROM audit_event WHERE subject = ANY(\(subjects)) OR actor = \("holder:\(studentID)")
                ORDER BY at, id LIMIT 10000
                """, logger: PostgresConnection.quiet).decode((Int64, Int64, String, String, String?, String).self) {
                var event = AuditEvent(at: at, actor: actor, action: action, subject: subject, detail: detail)
                event.id = id
                events.append(event)
            }
            return PersonalDataRecord(details: try stored.details(seal: seal), nationalID: nationalID, cards: cards, cardApplications: cardApplications,
                                      accountApplications: accountApplications, sessions: sessions, dataRequests: requests, auditEvents: events)
        }
    }

    public func noteExport(id: String, studentID: String, now: Int64) async throws {
        try await storage.transaction("cannot record the download") { connection in
            try await connection.audit(at: now, actor: "holder:\(studentID)", action: "data_copy_downloaded", subject: id, detail: "")
        }
    }
}
