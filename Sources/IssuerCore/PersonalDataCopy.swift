import AccountRules
import CardToken
import Foundation
import IssuerStore

/// `account.json` in a copy of personal data (alumni-api.md §10):
/// everything held about the person, in the API's member names, times as
/// ISO 8601. Built from a ``PersonalDataRecord``; no other person's data
/// reaches it (the record is read by the holder's id alone).
struct PersonalDataCopy: Encodable {
    struct Account: Encodable {
        let student_id: String
        let chinese_name: String
        let english_name: String?
        let sex: String?
        let birth_date: String?
        let national_id: String?
        let records: [EducationRecord]
        let permanent_address: PostalAddress?
        let mailing_address: PostalAddress?
        let mailing_address_same_as_permanent: Bool
        let phone: String?
        let mobile: String?
        let email: String?
        let reminders: Bool
    }

    struct CardEntry: Encodable {
        let card_number: String
        let kind: String
        let status: String
        let valid_through: String
        let status_reason: String?
    }

    struct CardApplicationEntry: Encodable {
        let id: String
        let kind: String
        let status: String
        let fee_amount: Int
        let currency: String
        let card_number: String?
        let submitted_at: String
        let issued_at: String?
        let paid_at: String?
    }

    struct ConsentEntry: Encodable {
        let version: String
        let sha256: String
        let consented_at: String
    }

    struct AccountApplicationEntry: Encodable {
        let id: String
        let status: String
        let submitted_at: String
        let decided_at: String?
        let form: AccountApplicationForm
        let consent: ConsentEntry
        let message_from_staff: String?
        let reply: String?
        let decision_reason: String?
        /// The files of this copy that hold its documents (absent once deleted by the retention).
        let documents: [String]
    }

    struct SessionEntry: Encodable {
        let created_at: String
        let last_seen_at: String?
        let user_agent: String?
        let expires_at: String
    }

    struct DataRequestEntry: Encodable {
        let request_id: String
        let kind: String
        let status: String
        let received_at: String
        let due: String
        let details: String?
        let extension_reason: String?
        let outcome: String?
    }

    struct AuditEntry: Encodable {
        let at: String
        let actor: String
        let action: String
        let subject: String?
        let detail: String
    }

    let generated_at: String
    let controller: String
    let account: Account
    let cards: [CardEntry]
    let card_applications: [CardApplicationEntry]
    let account_applications: [AccountApplicationEntry]
    let sessions: [SessionEntry]
    let data_requests: [DataRequestEntry]
    let audit_events: [AuditEntry]

    /// The path of a document inside the ZIP.
    static func documentPath(_ application: AccountApplication, _ document: StoredDocument) -> String {
        let ext = switch document.contentType {
        case "image/jpeg": "jpg"
        case "image/png": "png"
        default: "pdf"
        }
        return "documents/\(application.id)-\(document.kind.rawValue).\(ext)"
    }

    init(_ record: PersonalDataRecord, now: Int64, controller: String, documentsKept: (AccountApplication) -> [StoredDocument]) {
        func time(_ epoch: Int64) -> String { Self.timestamp(epoch) }
        let details = record.details, profile = details.profile
        generated_at = time(now)
        self.controller = controller
        account = Account(student_id: details.studentID, chinese_name: details.chineseName, english_name: profile.englishName, sex: profile.sex,
                          birth_date: profile.birthDate, national_id: record.nationalID, records: profile.records,
                          permanent_address: profile.permanentAddress, mailing_address: profile.mailingAddress,
                          mailing_address_same_as_permanent: profile.permanentAddress != nil && profile.mailingAddress == nil,
                          phone: profile.phone, mobile: details.mobile, email: details.email, reminders: details.reminders)
        cards = record.cards.map {
            CardEntry(card_number: $0.number.rawValue, kind: $0.kind.rawValue, status: $0.status.rawValue, valid_through: $0.validThrough.description,
                      status_reason: $0.statusReason)
        }
        card_applications = record.cardApplications.map {
            CardApplicationEntry(id: $0.id, kind: $0.kind.rawValue, status: $0.status.rawValue, fee_amount: $0.feeAmount, currency: $0.currency,
                                 card_number: $0.cardNumber, submitted_at: time($0.submittedAt), issued_at: $0.issuedAt.map(time), paid_at: $0.paidAt.map(time))
        }
        account_applications = record.accountApplications.map { application in
            AccountApplicationEntry(
                id: application.id, status: application.status.rawValue, submitted_at: time(application.submittedAt),
                decided_at: application.decidedAt.map(time), form: application.form,
                consent: ConsentEntry(version: application.consent.version, sha256: application.consent.sha256, consented_at: time(application.consent.at)),
                message_from_staff: application.message, reply: application.reply, decision_reason: application.decisionReason,
                documents: documentsKept(application).map { Self.documentPath(application, $0) })
        }
        sessions = record.sessions.map {
            SessionEntry(created_at: time($0.createdAt), last_seen_at: $0.lastSeenAt.map(time), user_agent: $0.userAgent, expires_at: time($0.expiresAt))
        }
        data_requests = record.dataRequests.map {
            DataRequestEntry(request_id: $0.id, kind: $0.kind.rawValue, status: $0.status.rawValue, received_at: time($0.receivedAt),
                             due: (try? CardDate(yyyymmdd: $0.due))?.description ?? String($0.due), details: $0.details,
                             extension_reason: $0.extensionReason, outcome: $0.outcome)
        }
        audit_events = record.auditEvents.map {
            AuditEntry(at: time($0.at), actor: $0.actor, action: $0.action, subject: $0.subject, detail: $0.detail)
        }
    }

    static func timestamp(_ epoch: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}
