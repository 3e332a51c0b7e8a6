import AccountRules
import Foundation

/// An account application's stored columns that make an
/// ``AccountApplication``, as every backend reads them, and the one way
/// they are opened.
package struct AccountApplicationRow: Sendable {
    /// Staff's words to an applicant (a request's message, a rejection's
    /// reason): sealed since review 2 (§C). SQLite rows written before
    /// that hold clear text until `sealClearStaffTexts` seals them.
    package enum StaffText: Sendable {
        case sealed(Data)
        case clear(String)

        /// The words, unsealed under the application's id and the column's name.
        package func open(_ field: String, id: String, seal: PersonalDataSeal) throws(IssuerStoreError) -> String {
            switch self {
            case .sealed(let sealed): try seal.open(sealed, field: field, studentID: id)
            case .clear(let clear): clear
            }
        }
    }

    package var id: String
    package var status: String
    package var submittedAt: Int64
    package var reviewDue: Int?
    package var workingDaysLeft: Int?
    package var sealedForm: Data
    package var consentVersion: String
    package var consentSHA256: String
    package var consentedAt: Int64
    package var registrarMatch: String?
    package var knownIdentity: Bool
    package var message: StaffText?
    package var sealedReply: Data?
    package var decidedAt: Int64?
    package var decidedBy: String?
    package var decisionReason: StaffText?
    package var documentsDeletedAt: Int64?

    package init(id: String, status: String, submittedAt: Int64, reviewDue: Int?, workingDaysLeft: Int?, sealedForm: Data, consentVersion: String,
                 consentSHA256: String, consentedAt: Int64, registrarMatch: String?, knownIdentity: Bool, message: StaffText?, sealedReply: Data?,
                 decidedAt: Int64?, decidedBy: String?, decisionReason: StaffText?, documentsDeletedAt: Int64?) {
        self.id = id
        self.status = status
        self.submittedAt = submittedAt
        self.reviewDue = reviewDue
        self.workingDaysLeft = workingDaysLeft
        self.sealedForm = sealedForm
        self.consentVersion = consentVersion
        self.consentSHA256 = consentSHA256
        self.consentedAt = consentedAt
        self.registrarMatch = registrarMatch
        self.knownIdentity = knownIdentity
        self.message = message
        self.sealedReply = sealedReply
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.decisionReason = decisionReason
        self.documentsDeletedAt = documentsDeletedAt
    }

    /// The application with its form and staff's words unsealed.
    package func application(seal: PersonalDataSeal, documents: [StoredDocument]) throws(IssuerStoreError) -> AccountApplication {
        let id = id
        func open(_ text: StaffText?, _ field: String) throws(IssuerStoreError) -> String? {
            try text.map { text throws(IssuerStoreError) in try text.open(field, id: id, seal: seal) }
        }
        return AccountApplication(
            id: id, status: ApplicationStatus(rawValue: status) ?? .pending, submittedAt: submittedAt, reviewDue: reviewDue,
            workingDaysLeft: workingDaysLeft, form: try seal.openApplicationForm(sealedForm, id: id),
            consent: ConsentRecord(version: consentVersion, sha256: consentSHA256, at: consentedAt),
            registrarMatch: registrarMatch, knownIdentity: knownIdentity, message: try open(message, "message"),
            reply: try open(sealedReply.map(StaffText.sealed), "reply"), decidedAt: decidedAt, decidedBy: decidedBy,
            decisionReason: try open(decisionReason, "decision_reason"), documents: documents, documentsDeletedAt: documentsDeletedAt)
    }
}

extension AccountApplicationRow {
    /// The line in staff's queue: the name and the national ID masked, never the form.
    package func queueEntry(seal: PersonalDataSeal) throws(IssuerStoreError) -> ApplicationQueueEntry {
        let form = try seal.openApplicationForm(sealedForm, id: id)
        return ApplicationQueueEntry(id: id, status: ApplicationStatus(rawValue: status) ?? .pending, submittedAt: submittedAt, reviewDue: reviewDue,
                                     chineseName: form.chineseName, nationalIDMasked: (try? IdentityNumber(form.nationalID).masked) ?? "**********",
                                     records: form.records, registrarMatch: registrarMatch, knownIdentity: knownIdentity)
    }

    /// What the applicant's status link shows: staff's words to them (the
    /// reason of a rejection, else the request's message), never the form.
    package func publicStatus(documents: [StoredDocument], seal: PersonalDataSeal) throws(IssuerStoreError) -> ApplicationPublicStatus {
        let status = ApplicationStatus(rawValue: status) ?? .pending
        let (text, field) = status == .rejected ? (decisionReason, "decision_reason") : (message, "message")
        let id = id
        return ApplicationPublicStatus(id: id, status: status, submittedAt: submittedAt, reviewDue: reviewDue, workingDaysLeft: workingDaysLeft,
                                       message: try text.map { text throws(IssuerStoreError) in try text.open(field, id: id, seal: seal) },
                                       documents: documents)
    }
}

extension PersonalDataSeal {
    /// An application's form, sealed under its id.
    package func openApplicationForm(_ sealed: Data, id: String) throws(IssuerStoreError) -> AccountApplicationForm {
        let text = try open(sealed, field: "application", studentID: id)
        guard let form = try? JSONDecoder().decode(AccountApplicationForm.self, from: Data(text.utf8)) else {
            throw IssuerStoreError(.corruptRecord, "application \(id) holds an unreadable form")
        }
        return form
    }
}
