import AccountRules
import Foundation
import IssuerStore
import Logging
import NIOPosix

/// Account applications (alumni-api.md §3): submission from an uploaded
/// form (``FormUpload``: the transport streams it, files sealed as they
/// come), the status link, the applicant's answer, and the staff
/// review. The JSON API and the pages call these same methods.
package struct AccountApplicationService: Sendable {
    package let store: any AccountApplicationRepository
    package let documents: any DocumentStore
    package let calendar: ReviewCalendar
    package let consent: ConsentNotice
    package let composer: MailComposer
    package let humanCheck: HumanCheckService
    package let settings: FlowSettings
    package let uploads: UploadSlots
    package let loginGuard: any LoginGuardRepository
    /// Woken by every action here that queues mail, whoever calls it.
    package let mailDelivery: MailDeliveryService
    /// Forgotten after an approval, which opens or changes an account.
    package let caches: IssuerCaches
    package let refusedClients = RefusedClients()

    package init(store: any AccountApplicationRepository, documents: any DocumentStore, calendar: ReviewCalendar, consent: ConsentNotice,
                 composer: MailComposer, humanCheck: HumanCheckService, settings: FlowSettings, uploads: UploadSlots,
                 loginGuard: any LoginGuardRepository, mailDelivery: MailDeliveryService, caches: IssuerCaches) {
        self.caches = caches
        self.store = store
        self.documents = documents
        self.calendar = calendar
        self.consent = consent
        self.composer = composer
        self.humanCheck = humanCheck
        self.settings = settings
        self.uploads = uploads
        self.loginGuard = loginGuard
        self.mailDelivery = mailDelivery
    }

    package struct Submitted: Sendable {
        package let id: String
        package let reviewDue: CalendarDay
    }

    package var fileRules: [String: UploadRule] {
        [
            "id_document": .init(kind: .idDocument, maximumBytes: settings.maxDocumentBytes, allowed: [.jpeg, .png, .pdf]),
            "photo": .init(kind: .photo, maximumBytes: settings.maxPhotoBytes, allowed: [.jpeg, .png]),
        ]
    }

    /// A page's own check of the form's fields before anything is stored
    /// (its CSRF token, sent as the field `csrf`).
    package typealias PageCheck = @Sendable (_ fields: [String: String]) throws -> Void

    package static let clientApplications = RateCounterScope("application_client", window: 3_600)
    package static let nationalIDApplications = RateCounterScope("application_national_id", window: 86_400)

    /// Reads, checks and stores an application. Whether the national ID is
    /// already known changes only the mails, never the answer.
    ///
    /// The cheap refusals come first, before a byte of a document is read
    /// (review 2, #3, #4, #8): the client's hourly count and the queue's
    /// size before the body; its share of the upload slots; then, at the
    /// first file part, the page's CSRF token, the human check, the whole
    /// form's checks and the national ID's daily count.
    package func submit(_ upload: some FormUpload, client: String, now: Int64, logger: Logger, pageCheck: PageCheck? = nil) async throws -> Submitted {
        let submitted = try await admitAndStore(upload, client: client, now: now, logger: logger, pageCheck: pageCheck)
        mailDelivery.wake()
        return submitted
    }

    private func admitAndStore(_ upload: some FormUpload, client: String, now: Int64, logger: Logger, pageCheck: PageCheck?) async throws -> Submitted {
        try await admitClient(client, now: now)
        let open = try await store.openApplications()
        guard open < settings.maxOpenApplications else {
            logger.warning("account applications refused: the review queue is full", metadata: ["open": "\(open)"])
            throw IssuerError(.unavailable, code: "applications_paused",
                           "the centre cannot take more applications just now; try again tomorrow", retryAfter: 3600)
        }
        return try await uploads.withSlot(client: client) {
            let fields = ApplicationFormParser.textFields.union(pageCheck == nil ? [] : ["csrf"])
            let checked = Checked()
            let form = try await upload.read(textFields: fields, files: fileRules, maximumFieldBytes: 16 * 1024,
                                             deadline: .seconds(settings.uploadDeadline)) { fields in
                try pageCheck?(fields)
                try await humanCheck.check(fields["altcha"], now: now)
                checked.value = try await check(fields, now: now)
            }
            do {
                guard let checkedForm = checked.value else { throw IssuerError.malformed("invalid_multipart", "the form was not checked") }
                return try await store(checkedForm, files: form.files, now: now, logger: logger)
            } catch {
                await deleteQuietly(form.files.values.map(\.fileName))
                throw error
            }
        }
    }

    /// The form's text, checked: what `store` needs besides the files.
    package struct CheckedForm: Sendable {
        package let form: AccountApplicationForm
        package let nationalID: IdentityNumber
    }

    /// Holds what the gate checked for the code after the body (the gate
    /// runs once, before either reads it).
    private final class Checked: @unchecked Sendable {
        var value: CheckedForm?
    }

    /// Counts the request against its client's hour; 429 past the limit.
    private func admitClient(_ client: String, now: Int64) async throws {
        func refusal(_ wait: Int64) -> IssuerError {
            IssuerError(.tooManyAttempts, code: "too_many_attempts", "too many applications from this address; try again in \(wait) s",
                     retryAfter: Int64(wait))
        }
        if let end = refusedClients.refusedUntil(client, now: now) { throw refusal(end - now) }
        let scope = Self.clientApplications
        let count = try await loginGuard.add(scope, key: "client:" + client, now: now)
        guard count <= settings.applicationsPerClientHourly else {
            let wait = scope.remaining(now)
            refusedClients.refuse(client, until: now + wait, now: now)
            throw refusal(wait)
        }
    }

    private func check(_ fields: [String: String], now: Int64) async throws -> CheckedForm {
        let (form, nationalID) = try ApplicationFormParser(today: calendar.day(of: now)).parse(fields)
        guard let version = fields["consent_version"]?.trimmingCharacters(in: .whitespaces), !version.isEmpty else {
            throw IssuerError.invalid("missing_field", field: "consent_version", "consent_version is required: the version GET /v1/consent returns")
        }
        guard version == consent.version else {
            throw IssuerError.invalid("consent_outdated", field: "consent_version",
                                   "the personal-data notice is now version \(consent.version); read it again (GET /v1/consent) and agree to that version")
        }
        let scope = Self.nationalIDApplications
        let count = try await loginGuard.add(scope, key: store.nationalIDKey(nationalID), now: now)
        guard count <= settings.applicationsPerNationalIDDaily else {
            let wait = scope.remaining(now)
            throw IssuerError(.tooManyAttempts, code: "too_many_attempts",
                           "this national ID has been named in \(settings.applicationsPerNationalIDDaily) applications today; try again tomorrow",
                           retryAfter: Int64(wait))
        }
        return CheckedForm(form: form, nationalID: nationalID)
    }

    private func store(_ checked: CheckedForm, files: [String: UploadedFile], now: Int64, logger: Logger) async throws -> Submitted {
        let form = checked.form
        for (field, kind) in [("id_document", DocumentKind.idDocument), ("photo", .photo)] where files[field] == nil {
            throw IssuerError.invalid("missing_field", field: field, "\(field) is required: a \(kind == .photo ? "JPEG or PNG" : "JPEG, PNG or PDF") file")
        }
        let id = Self.newApplicationID()
        let statusToken = BearerToken.generate(prefix: Self.statusTokenPrefix)
        let due = calendar.reviewDue(submittedAt: now)
        let submission = ApplicationSubmission(
            id: id, form: form, nationalID: checked.nationalID, consent: ConsentRecord(version: consent.version, sha256: consent.sha256, at: now),
            statusTokenHash: BearerToken.digest(statusToken), reviewDue: due.yyyymmdd,
            documents: files.values.map(\.stored))
        let composer = composer, consent = consent
        try await store.submit(submission, mails: { facts in
            var mails: [OutgoingMail] = []
            let link = composer.link("/applications/status", token: statusToken)
            // The receipt carries none of the applicant's own text, so the
            // centre's mail cannot be made to carry an attacker's words to
            // an address they chose (review 2, #4).
            if let receipt = composer.compose(kind: "application_received", to: form.email, now: now, {
                $0.applicationReceived(id, due.description, link, consent.version, consent.sha256, composer.localTime(now))
            }) { mails.append(receipt) }
            // The applicant's answer is the same either way; the person the
            // ID belongs to is told at the address already on file.
            if facts.known, let onFile = facts.holderEmail, onFile.lowercased() != form.email.lowercased(),
               let notice = composer.compose(kind: "application_identity_known", to: onFile, now: now, { $0.identityAlreadyKnown() }) {
                mails.append(notice)
            }
            return mails
        }, now: now)
        logger.info("account application received", metadata: ["application": "\(id)"])
        return Submitted(id: id, reviewDue: due)
    }

    /// Status-link tokens have a prefix of their own, so secret scanners
    /// and log redaction tell them from session tokens (`acs_`; review 2, §C).
    package static let statusTokenPrefix = "ast_"

    /// 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
    package static func newApplicationID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        return "AP" + String((0..<14).map { _ in alphabet.randomElement()! })
    }

    // MARK: - The applicant's status link

    package func status(token: String, now: Int64) async throws -> ApplicationPublicStatus {
        guard (1...128).contains(token.utf8.count) else { throw Self.unknownToken }
        // The link works until `applications.status_link_grace` after the decision (review 2, #16).
        let since = now &- settings.statusLinkGrace
        guard let status = try await store.status(tokenHash: BearerToken.digest(token), decidedSince: since) else { throw Self.unknownToken }
        return status
    }

    package static let unknownToken = IssuerError(.notFound, code: "status_token_invalid",
                                       "this status link is not known, or its application was decided long enough ago that it no longer works; use the link from the acknowledgement mail")

    /// The applicant's answer to `needs_info`, with optional replacement
    /// documents. The token must name an application waiting for an answer
    /// before a file is read.
    package func answer(_ upload: some FormUpload, client: String, now: Int64, logger: Logger, pageCheck: PageCheck? = nil) async throws -> ApplicationPublicStatus {
        try await admitClient(client, now: now)
        return try await uploads.withSlot(client: client) {
            let checked = CheckedAnswer()
            let form = try await upload.read(textFields: pageCheck == nil ? ["token", "reply"] : ["token", "reply", "csrf"], files: fileRules,
                                             maximumFieldBytes: 16 * 1024, deadline: .seconds(settings.uploadDeadline)) { fields in
                try pageCheck?(fields)
                guard let token = fields["token"], !token.isEmpty else { throw IssuerError.invalid("missing_field", field: "token", "token is required") }
                let current = try await status(token: token, now: now)
                guard current.status == .needsInfo else {
                    throw IssuerError(.conflict, code: "not_waiting", "this application is \(current.status.rawValue), not waiting for an answer")
                }
                guard let reply = fields["reply"]?.trimmingCharacters(in: .whitespacesAndNewlines), (1...4_000).contains(reply.count) else {
                    throw IssuerError.invalid("missing_field", field: "reply", "reply is 1–4000 characters")
                }
                checked.value = (token, reply, current)
            }
            do {
                guard let (token, reply, current) = checked.value else { throw IssuerError.malformed("invalid_multipart", "the answer was not checked") }
                let due = calendar.resumed(left: current.workingDaysLeft ?? settings.reviewWorkingDays, now: now)
                let replaced = try await store.answer(tokenHash: BearerToken.digest(token), reply: reply, documents: form.files.values.map(\.stored),
                                                      reviewDue: due.yyyymmdd, now: now)
                await deleteQuietly(replaced.map(\.fileName))
                logger.info("account application answered", metadata: ["application": "\(current.id)"])
                return try await status(token: token, now: now)
            } catch {
                await deleteQuietly(form.files.values.map(\.fileName))
                throw error
            }
        }
    }

    private final class CheckedAnswer: @unchecked Sendable {
        var value: (token: String, reply: String, status: ApplicationPublicStatus)?
    }

    // MARK: - Review

    /// One page of the queue; `after` is the `next` of the page before, as text.
    package func queue(statuses: [ApplicationStatus], after: String? = nil, limit: Int = 100, actor: String, now: Int64) async throws -> ApplicationQueuePage {
        var cursor: ApplicationQueueCursor?
        if let after, !after.isEmpty {
            guard let parsed = ApplicationQueueCursor(after) else {
                throw IssuerError.malformed("invalid_value", "after is the `next` value of the page before; start again without it")
            }
            cursor = parsed
        }
        return try await store.queue(statuses: statuses, after: cursor, limit: limit, actor: actor, now: now)
    }

    package func application(id: String, actor: String, now: Int64) async throws -> AccountApplication {
        try await store.application(id: id, actor: actor, now: now)
    }

    package func document(id: String, kind: DocumentKind, actor: String, now: Int64) async throws -> (contentType: String, data: Data) {
        let documents = documents, limit = max(settings.maxDocumentBytes, settings.maxPhotoBytes)
        let document = try await store.documentForReading(id: id, kind: kind, actor: actor, now: now)
        let data = try await NIOThreadPool.singleton.runIfActive { try documents.read(fileName: document.fileName, limit: limit) }
        return (document.contentType, data)
    }

    package func revealNationalID(id: String, actor: String, now: Int64) async throws -> String {
        try await store.revealNationalID(id: id, actor: actor, now: now)
    }

    /// Approves with `studentID`, taking from the application only the
    /// contact fields in `take` where the registrar has a record (see
    /// ``ApplicationStore/Decision``). Mails: how to sign in to the
    /// account's address; the applicant, when that is another address;
    /// and the address replaced, if staff replaced it.
    package func approve(id: String, studentID: String, take: Set<ContactField> = [], onlyIfNothingReplaced: Bool = false,
                 actor: String, now: Int64) async throws -> AccountApplication {
        let trimmed = studentID.trimmingCharacters(in: .whitespaces).uppercased()
        guard (1...32).contains(trimmed.utf8.count), trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw IssuerError.invalid("invalid_field", field: "student_id", "student_id is 1–32 letters, digits or '-'")
        }
        let composer = composer
        defer { caches.accountsChanged() }
        return try await decide(id: id, decision: .approve(studentID: trimmed, take: take, onlyIfNothingReplaced: onlyIfNothingReplaced), mails: { application, account in
                guard let account else { return [] }
                var mails: [OutgoingMail] = []
                if let address = account.email, let mail = composer.compose(kind: "application_approved", to: address, now: now, {
                    $0.applicationApproved(account.name, account.studentID, composer.loginURL)
                }) { mails.append(mail) }
                if account.email?.lowercased() != application.form.email.lowercased(),
                   let mail = composer.compose(kind: "application_approved", to: application.form.email, now: now, { $0.approvedDetailsOnFile(application.form.chineseName) }) {
                    mails.append(mail)
                }
                if let old = account.replacedEmail, let mail = composer.compose(kind: "contact_replaced", to: old, now: now, {
                    $0.contactReplaced(account.name, account.studentID)
                }) { mails.append(mail) }
                return mails
            }, actor: actor, now: now)
    }

    /// Approves the pending applications whose national ID and student ID
    /// match a holder the registrar imported and whose e-mail is the
    /// registrar's: those an approval cannot take anything over with. The
    /// others are returned as refused, with why, for a reviewer. Walks the
    /// whole queue, a page at a time; a busy database stops it (the
    /// caller tries again: what was approved stays approved).
    package func approveRegistrarMatches(actor: String, now: Int64) async throws -> (approved: [String], refused: [String: String]) {
        var approved: [String] = []
        var refused: [String: String] = [:]
        var after: String?
        repeat {
            let page = try await queue(statuses: [.pending], after: after, limit: 500, actor: actor, now: now)
            for entry in page.entries {
                guard let studentID = entry.registrarMatch else { continue }
                do {
                    _ = try await approve(id: entry.id, studentID: studentID, onlyIfNothingReplaced: true, actor: actor, now: now)
                    approved.append(entry.id)
                } catch let error as IssuerError {
                    refused[entry.id] = error.message
                } catch let error as IssuerStoreError where error.code != .databaseBusy {
                    refused[entry.id] = error.message
                }
            }
            after = page.next?.text
        } while after != nil
        return (approved, refused)
    }

    package func reject(id: String, reason: String, actor: String, now: Int64) async throws -> AccountApplication {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2_000).contains(reason.count) else { throw IssuerError.invalid("missing_field", field: "reason", "reason is 1–2000 characters; the applicant reads it") }
        let composer = composer
        return try await decide(id: id, decision: .reject(reason: reason), mails: { application, _ in
            composer.compose(kind: "application_rejected", to: application.form.email, now: now) {
                $0.applicationRejected(application.form.chineseName, reason)
            }.map { [$0] } ?? []
        }, actor: actor, now: now)
    }

    package func requestInfo(id: String, message: String, actor: String, now: Int64) async throws {
        let message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2_000).contains(message.count) else { throw IssuerError.invalid("missing_field", field: "message", "message is 1–2000 characters; the applicant reads it") }
        let composer = composer, calendar = calendar, days = settings.reviewWorkingDays
        let lapseDays = Int(settings.unansweredLapse / 86_400)
        // The first link is known only as its hash, so this mail carries a second one.
        let token = BearerToken.generate(prefix: Self.statusTokenPrefix)
        let hash = BearerToken.digest(token)
        do {
            try await store.requestInfo(id: id, message: message, infoTokenHash: hash, workingDaysLeft: { due in
                guard let due, let day = try? CalendarDay(yyyymmdd: due) else { return days }
                return calendar.workingDaysLeft(until: day, now: now)
            }, mail: { application in
                composer.compose(kind: "application_needs_info", to: application.form.email, now: now) {
                    $0.informationRequested(application.form.chineseName, message, composer.link("/applications/status", token: token), lapseDays)
                }
            }, actor: actor, now: now)
            mailDelivery.wake()
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            // The one change refused here besides a decision (already_decided, mapped as any store error).
            throw IssuerError(.conflict, code: "already_asked", error.message)
        }
    }

    /// A decision and the mail it queued; the store's refusals map to HTTP in IssuerStoreError+HTTP.
    private func decide(id: String, decision: ApplicationDecision,
                        mails: @escaping @Sendable (AccountApplication, OpenedAccount?) -> [OutgoingMail],
                        actor: String, now: Int64) async throws -> AccountApplication {
        let decided = try await store.decide(id: id, decision: decision, mails: mails, actor: actor, now: now)
        mailDelivery.wake()
        return decided
    }

    // MARK: - Retention

    /// Deletes the documents of applications decided longer than the
    /// retention period ago; returns how many applications it cleared.
    @discardableResult
    package func deleteExpiredDocuments(now: Int64, logger: Logger) async -> Int {
        let documentStore = documents, before = now - settings.documentRetention
        var cleared = 0
        do {
            let due = try await store.documentsPastRetention(decidedBefore: before)
            for (id, documents) in due {
                try await NIOThreadPool.singleton.runIfActive { for document in documents { try documentStore.delete(fileName: document.fileName) } }
                try await store.markDocumentsDeleted(id: id, now: now)
                cleared += 1
            }
            if cleared > 0 { logger.notice("deleted application documents past their retention period", metadata: ["applications": "\(cleared)"]) }
        } catch {
            // A shutdown cancels the pass; that is no failure.
            if Task.isCancelled { return cleared }
            logger.error("cannot delete expired application documents", metadata: ["error": "\(IssuerStoreError.wrapping(error, "retention").message)"])
        }
        return cleared
    }

    /// Closes applications whose request for more went unanswered for
    /// `applications.unanswered_lapse`, erases rejected ones past
    /// `applications.rejected_retention` (after their documents), and seals
    /// staff texts that older rows hold in clear. Returns what it did.
    @discardableResult
    package func closeAndErase(now: Int64, logger: Logger) async -> (closed: Int, erased: Int) {
        let composer = composer, days = Int(settings.unansweredLapse / 86_400)
        let requestedBefore = now - settings.unansweredLapse, decidedBefore = now - settings.rejectedRetention
        let reason = "\(MailCatalogue.traditionalChinese.lapsedReason(days))\n\(MailCatalogue.english.lapsedReason(days))"
        do {
            let sealed = try await store.sealClearStaffTexts()
            let closed = try await store.closeUnanswered(requestedBefore: requestedBefore, reason: reason, mail: { application in
                composer.compose(kind: "application_lapsed", to: application.form.email, now: now) {
                    $0.applicationRejected(application.form.chineseName, $0.lapsedReason(days))
                }
            }, now: now)
            let erased = try await store.eraseRejected(decidedBefore: decidedBefore, now: now)
            if closed > 0 {
                mailDelivery.wake()
                logger.notice("closed applications whose request for more went unanswered", metadata: ["applications": "\(closed)"])
            }
            if erased > 0 { logger.notice("erased rejected applications past their retention period", metadata: ["applications": "\(erased)"]) }
            if sealed > 0 { logger.notice("sealed staff texts stored in clear by an earlier version", metadata: ["applications": "\(sealed)"]) }
            return (closed, erased)
        } catch {
            // A shutdown cancels the pass; that is no failure.
            if Task.isCancelled { return (0, 0) }
            logger.error("cannot close or erase applications", metadata: ["error": "\(IssuerStoreError.wrapping(error, "retention").message)"])
            return (0, 0)
        }
    }

    /// Deletes sealed files no application refers to and older than an
    /// hour: what an upload cut off by a crash leaves behind. A file's age
    /// is read against the system clock (`fileTimeNow`), which stamped it,
    /// not against the domain clock: with a clock set ahead (a test, a
    /// replay) every upload in flight would look an hour old.
    package func deleteOrphanedFiles(fileTimeNow: Int64 = Int64(Date().timeIntervalSince1970), logger: Logger) async {
        let documents = documents
        do {
            let known = try await store.knownDocumentFiles()
            let removed = try await NIOThreadPool.singleton.runIfActive { () -> Int in
                let orphans = try documents.unreferenced(known: known, modifiedBefore: fileTimeNow - 3_600)
                for name in orphans { try documents.delete(fileName: name) }
                return orphans.count
            }
            if removed > 0 { logger.notice("deleted upload files no application refers to", metadata: ["files": "\(removed)"]) }
        } catch {
            // A shutdown cancels the pass; that is no failure.
            if Task.isCancelled { return }
            logger.error("cannot clear orphaned upload files", metadata: ["error": "\(IssuerStoreError.wrapping(error, "orphans").message)"])
        }
    }

    /// Deletes documents no record names any more (a refused upload, replaced
    /// files); a failure leaves them to ``deleteOrphanedFiles(fileTimeNow:logger:)``.
    private func deleteQuietly(_ fileNames: [String]) async {
        guard !fileNames.isEmpty else { return }
        let documents = documents
        _ = try? await NIOThreadPool.singleton.runIfActive { for name in fileNames { try? documents.delete(fileName: name) } }
    }
}
