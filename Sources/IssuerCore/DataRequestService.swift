import AccountRules
import CardToken
import Clocks
import Foundation
import IssuerStore
import Logging
import NIOPosix
import ZipArchive

/// Requests under Taiwan's Personal Data Protection Act (alumni-api.md
/// §10): filed by the holder after the current password, with the
/// statutory due date (Art. 13: 15 calendar days for a copy, 30 for the
/// rest, in the issuer's time zone); a copy prepared at once and
/// downloaded as a ZIP streamed from the database and the document store;
/// the others decided by staff, extended once with a reason, completed or
/// refused with a mail; a completed deletion closes the account.
package struct DataRequestService: Sendable {
    package let requests: any DataRequestRepository
    package let passwords: PasswordService
    package let documents: any DocumentStore
    package let administration: AccountAdministrationService
    package let metrics: any FlowMetrics

    /// A copy can be downloaded this long (§10: 7 days).
    package static let copyLifetime: Int64 = 7 * 86_400
    /// The longest free text a person or staff member writes here.
    package static let maximumText = 2_000

    package init(requests: any DataRequestRepository, passwords: PasswordService, documents: any DocumentStore,
                 administration: AccountAdministrationService, metrics: any FlowMetrics) {
        self.requests = requests
        self.passwords = passwords
        self.documents = documents
        self.administration = administration
        self.metrics = metrics
    }

    package var signIn: SignInService { passwords.signIn }

    /// A free text: trimmed, 1–2,000 characters, no control characters but line breaks and tabs.
    static func text(_ value: String?, field: String, required: Bool) throws -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { throw IssuerError.invalid("missing_field", field: field, "\(field) is required") }
            return nil
        }
        guard trimmed.count <= maximumText,
              !trimmed.unicodeScalars.contains(where: { ($0.properties.generalCategory == .control && !"\n\t".unicodeScalars.contains($0))
                  || $0.properties.generalCategory == .format }) else {
            throw IssuerError.invalid("invalid_field", field: field, "\(field) is at most \(maximumText) characters, without control or invisible formatting characters")
        }
        return trimmed
    }

    /// The date `days` calendar days after `epoch`'s day in the issuer's time zone, as `YYYYMMDD`.
    func due(after epoch: Int64, days: Int) throws -> Int {
        try signIn.calendar.day(of: epoch).adding(days: days).yyyymmdd
    }

    package var today: Int { signIn.calendar.day(of: signIn.clock.now()).yyyymmdd }

    func mailName(_ kind: DataRequestKind, _ catalogue: MailCatalogue) -> String { catalogue.dataRequestKind(kind.rawValue) }

    package static func date(_ yyyymmdd: Int) -> String { (try? CardDate(yyyymmdd: yyyymmdd))?.description ?? String(yyyymmdd) }

    /// `POST /v1/account/data-requests`.
    package func file(_ holder: Holder, kind text: String, details: String?, currentPassword: String, client: String, logger: Logger) async throws -> DataRequest {
        guard let kind = DataRequestKind(rawValue: text) else {
            throw IssuerError.invalid("invalid_field", field: "kind", "kind is copy, correction, stop_processing or deletion")
        }
        let details = try Self.text(details, field: "details", required: false)
        try await passwords.verifyCurrentPassword(holder: holder, currentPassword, client: client, doing: "data request", logger: logger)
        let now = signIn.clock.now()
        let due = try due(after: now, days: kind.statutoryDays)
        let until = kind == .copy ? now + Self.copyLifetime : nil
        let composer = signIn.composer, url = composer.pageURL("/account/data")
        let request = try await requests.file(holderID: holder.id, kind: kind, details: details, due: due, exportUntil: until, now: now) { request, recipient in
            guard let recipient else { return [] }
            return [composer.compose(kind: "data_request_received", to: recipient.email, now: now) { catalogue in
                catalogue.dataRequestReceived(recipient.name, catalogue.dataRequestKind(kind.rawValue), request.id, Self.date(due), until.map(composer.localTime), url)
            }].compactMap { $0 }
        }
        signIn.mailDelivery.wake()
        logger.info("data request filed", metadata: ["student_id": "\(holder.studentID)", "kind": "\(kind.rawValue)", "request": "\(request.id)"])
        return request
    }

    /// `GET /v1/account/data-requests`.
    package func requests(of holder: Holder) async throws -> [DataRequest] {
        try await requests.requests(holderID: holder.id)
    }

    static let notFound = IssuerError(.notFound, code: "not_found", "this account has no data request with that id")

    /// A copy checked and read, ready to stream.
    package struct PreparedCopy: Sendable {
        let record: PersonalDataRecord
        let now: Int64
    }

    /// `GET …/{id}/export`, first half: the holder's own completed copy,
    /// within its 7 days; the download is audited. Checked before the
    /// answer starts, so a refusal is an ordinary error.
    package func prepareCopy(_ holder: Holder, requestID: String) async throws -> PreparedCopy {
        guard requestID.utf8.count <= 40, let request = try await requests.request(id: requestID), request.holderID == holder.id else { throw Self.notFound }
        let now = signIn.clock.now()
        guard request.kind == .copy, request.status == .completed, let until = request.exportUntil else {
            throw IssuerError(.notFound, code: "not_found", "only a copy request has a download")
        }
        guard now < until else {
            throw IssuerError(.notFound, code: "export_expired", "this copy could be downloaded for 7 days and that time is over; ask for a new one")
        }
        guard let record = try await requests.personalData(holderID: holder.id) else { throw SessionAuthentication.sessionEnded }
        try await requests.noteExport(id: requestID, studentID: holder.studentID, now: now)
        return PreparedCopy(record: record, now: now)
    }

    /// Second half: writes the ZIP through `write`, a piece at a time:
    /// `account.json`, then each document still kept, read chunk by chunk,
    /// so no document and no archive is held whole.
    package func writeCopy(_ prepared: PreparedCopy, logger: Logger, to write: ([UInt8]) async throws -> Void) async throws {
        let record = prepared.record, now = prepared.now
        let kept: (AccountApplication) -> [StoredDocument] = { $0.documentsDeletedAt == nil ? $0.documents : [] }
        let copy = PersonalDataCopy(record, now: now, controller: signIn.composer.fromName ?? signIn.composer.from, documentsKept: kept)
        let day = signIn.calendar.day(of: now)
        let stamp = ZipWriter.Timestamp(year: day.year, month: day.month, day: day.day, hour: 0, minute: 0, second: 0)
        var zip = ZipWriter()
        try await write(try zip.begin(name: "account.json", timestamp: stamp))
        try await write(try zip.append(try copy.json()))
        try await write(try zip.end())
        let store = documents
        for application in record.accountApplications {
            for document in kept(application) {
                try await write(try zip.begin(name: PersonalDataCopy.documentPath(application, document), timestamp: stamp))
                let reader = try await NIOThreadPool.singleton.runIfActive { try store.openReader(fileName: document.fileName) }
                while let chunk = try await NIOThreadPool.singleton.runIfActive({ try reader.next() }) {
                    try await write(try zip.append(chunk))
                }
                try await write(try zip.end())
            }
        }
        try await write(try zip.finish())
        logger.info("data copy downloaded", metadata: ["student_id": "\(record.details.studentID)", "bytes": "\(zip.size)"])
    }

    // MARK: - Staff

    /// `GET /v1/admin/data-requests`: overdue first, then by due date.
    package func queue(status text: String?, limit: Int) async throws -> (requests: [DataRequest], today: Int) {
        let status: DataRequestStatus
        if let text {
            guard let parsed = DataRequestStatus(rawValue: text) else {
                throw IssuerError.malformed("invalid_value", "status is open, completed or refused")
            }
            status = parsed
        } else {
            status = .open
        }
        let today = today
        return (try await requests.queue(status: status, today: today, limit: limit), today)
    }

    static func decisionError(_ error: IssuerStoreError) -> IssuerError {
        switch error.code {
        case .notFound: IssuerError(.notFound, code: "not_found", "there is no data request with that id")
        case .alreadyDecided: IssuerError(.conflict, code: "already_decided", "this request was already completed or refused")
        case .invalidChange: IssuerError(.conflict, code: "already_extended", error.message)
        default: IssuerError(.unavailable, code: "storage_unavailable", error.message)
        }
    }

    /// `POST /v1/admin/data-requests/{id}/extend`: once, by the statutory
    /// period again from the current due date, the reason mailed.
    package func extend(id: String, reason text: String, actor: String, logger: Logger) async throws -> DataRequest {
        let reason = try Self.text(text, field: "reason", required: true)!
        guard let current = try await requests.request(id: id) else { throw Self.decisionError(IssuerStoreError(.notFound, "")) }
        let newDue = try (try CardDate(yyyymmdd: current.due)).adding(days: current.kind.statutoryDays).yyyymmdd
        let composer = signIn.composer, now = signIn.clock.now()
        do {
            let request = try await requests.extend(id: id, reason: reason, newDue: newDue, actor: actor, now: now) { request, recipient in
                guard let recipient else { return [] }
                return [composer.compose(kind: "data_request_extended", to: recipient.email, now: now) { catalogue in
                    catalogue.dataRequestExtended(recipient.name, catalogue.dataRequestKind(request.kind.rawValue), request.id, Self.date(newDue), reason)
                }].compactMap { $0 }
            }
            signIn.mailDelivery.wake()
            await refreshOverdue(logger: logger)
            logger.info("data request extended", metadata: ["request": "\(id)", "actor": "\(actor)"])
            return request
        } catch let error as IssuerStoreError {
            throw Self.decisionError(error)
        }
    }

    /// `POST …/complete` and `…/refuse`, mailed to the person. Completing a
    /// deletion closes the account; then its documents are removed, the key
    /// set is re-signed with the revoked cards, and every cache forgets it.
    package func decide(id: String, decision: DataRequestDecision, actor: String, logger: Logger) async throws -> DataRequest {
        let text: String
        switch decision {
        case .complete(let note): text = try Self.text(note, field: "note", required: true)!
        case .refuse(let reason): text = try Self.text(reason, field: "reason", required: true)!
        }
        let checked: DataRequestDecision = if case .complete = decision { .complete(note: text) } else { .refuse(reason: text) }
        let composer = signIn.composer, now = signIn.clock.now()
        let outcome: (request: DataRequest, closure: AccountClosure?)
        do {
            outcome = try await requests.decide(id: id, decision: checked, actor: actor, now: now) { request, recipient in
                guard let recipient else { return [] }
                return [composer.compose(kind: "data_request_decided", to: recipient.email, now: now) { catalogue in
                    catalogue.dataRequestDecided(recipient.name, catalogue.dataRequestKind(request.kind.rawValue), request.id,
                                                 request.status == .completed, text)
                }].compactMap { $0 }
            }
        } catch let error as IssuerStoreError {
            throw Self.decisionError(error)
        }
        if let closure = outcome.closure {
            let store = documents
            for file in closure.documentFiles {
                do { try await NIOThreadPool.singleton.runIfActive { try store.delete(fileName: file) } } catch {
                    // The maintenance loop removes files no row names; say so and go on.
                    logger.error("a closed account's document was not removed yet", metadata: ["error": "\(error)"])
                }
            }
            signIn.caches.sessions.forgetAll()
            await administration.cardStatusesChanged(actor: actor)
            logger.notice("account closed on a deletion request", metadata: ["request": "\(id)", "student_id": "\(outcome.request.studentID)",
                                                                              "cards_revoked": "\(closure.revokedCards.count)",
                                                                              "documents": "\(closure.documentFiles.count)"])
        }
        signIn.mailDelivery.wake()
        await refreshOverdue(logger: logger)
        logger.info("data request decided", metadata: ["request": "\(id)", "status": "\(outcome.request.status.rawValue)", "actor": "\(actor)"])
        return outcome.request
    }

    /// Counts the overdue requests into the metrics (after a change, and in the maintenance loop).
    package func refreshOverdue(logger: Logger) async {
        do { metrics.dataRequestsOverdue(try await requests.overdueCount(today: today)) } catch {
            logger.warning("cannot count overdue data requests", metadata: ["error": "\(error)"])
        }
    }
}
