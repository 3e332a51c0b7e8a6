import AccountRules
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import Logging
import NIOCore

/// Staff review of account applications under `/v1/admin` (role
/// `reviewer` or higher), and the outbox's failed mail. Every read of
/// personal data and every decision is audited by the store.
struct ReviewController: Sendable {
    let applications: AccountApplicationService
    let mailDelivery: MailDeliveryService
    let authentication: SessionAuthentication
    let clock: IssuerClock
    let configuration: IssuerConfiguration

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        let reviewers = group.administrators(authentication, minimum: .reviewer)
        reviewers.get("account-applications", use: list)
        reviewers.post("account-applications/approve-matches", use: approveMatches)
        reviewers.get("account-applications/:id", use: show)
        reviewers.get("account-applications/:id/national-id", use: revealNationalID)
        reviewers.get("account-applications/:id/documents/:kind", use: document)
        reviewers.post("account-applications/:id/approve", use: approve)
        reviewers.post("account-applications/:id/reject", use: reject)
        reviewers.post("account-applications/:id/request-info", use: requestInfo)
        group.administrators(authentication, minimum: .operator).get("mail", use: mail)
    }

    struct Entry: Encodable {
        let applicationID: String
        let status: String
        let submittedAt: String
        let reviewDue: String?
        let chineseName: String
        let nationalIDMasked: String
        let records: [EducationRecord]
        let registrarMatch: String?
        let identityAlreadyKnown: Bool

        enum CodingKeys: String, CodingKey {
            case status, records
            case applicationID = "application_id"
            case submittedAt = "submitted_at"
            case reviewDue = "review_due"
            case chineseName = "chinese_name"
            case nationalIDMasked = "national_id_masked"
            case registrarMatch = "registrar_match"
            case identityAlreadyKnown = "identity_already_known"
        }
    }

    static func day(_ yyyymmdd: Int?) -> String? { yyyymmdd.flatMap { try? CalendarDay(yyyymmdd: $0) }?.description }

    @Sendable func list(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let text = request.uri.queryParameters["status"].map(String.init) ?? "pending"
        guard let status = ApplicationStatus(rawValue: text) else {
            throw APIError.badRequest("invalid_value", "status is pending, needs_info, approved or rejected")
        }
        var limit = 100
        if let text = request.uri.queryParameters["limit"] {
            guard let value = Int(text), (1...500).contains(value) else { throw APIError.badRequest("invalid_value", "limit is 1–500 (default 100)") }
            limit = value
        }
        let page = try await applications.queue(statuses: [status], after: request.uri.queryParameters["after"].map(String.init), limit: limit,
                                                         actor: staff.actor, now: clock.now())
        struct Body: Encodable {
            let applications: [Entry]
            let total: Int
            let next: String?
        }
        return try JSONBody.response(Body(applications: page.entries.map {
            Entry(applicationID: $0.id, status: $0.status.rawValue, submittedAt: AccountController.timestamp($0.submittedAt),
                  reviewDue: Self.day($0.reviewDue), chineseName: $0.chineseName, nationalIDMasked: $0.nationalIDMasked, records: $0.records,
                  registrarMatch: $0.registrarMatch, identityAlreadyKnown: $0.knownIdentity)
        }, total: page.total, next: page.next?.text), headers: [.cacheControl: "no-store"])
    }

    struct Detail: Encodable {
        let applicationID: String
        let status: String
        let submittedAt: String
        let reviewDue: String?
        let workingDaysLeft: Int?
        let chineseName: String
        let englishName: String?
        let sex: String
        let nationalIDMasked: String
        let birthDate: String
        let records: [EducationRecord]
        let permanentAddress: PostalAddress
        let mailingAddress: PostalAddress?
        let phone: String?
        let mobile: String
        let email: String
        let consentVersion: String
        let consentSHA256: String
        let consentedAt: String
        let registrarMatch: String?
        let identityAlreadyKnown: Bool
        let message: String?
        let reply: String?
        let decidedAt: String?
        let decidedBy: String?
        let decisionReason: String?
        let documents: [Document]
        let documentsDeletedAt: String?
        /// The registrar's records under the student IDs the application names.
        let registrarRecords: [Registrar]

        struct Registrar: Encodable {
            let studentID: String
            let name: String
            let email: String?
            let mobile: String?
            /// same, different (approval refused) or none.
            let nationalID: String
            let activated: Bool
            let diplomaDate: String?
            enum CodingKeys: String, CodingKey {
                case name, email, mobile, activated
                case studentID = "student_id"
                case nationalID = "national_id"
                case diplomaDate = "diploma_date"
            }
        }

        struct Document: Encodable {
            let kind: String
            let contentType: String
            let size: Int
            enum CodingKeys: String, CodingKey {
                case kind, size
                case contentType = "content_type"
            }
        }

        enum CodingKeys: String, CodingKey {
            case status, sex, records, phone, mobile, email, message, reply, documents
            case applicationID = "application_id"
            case submittedAt = "submitted_at"
            case reviewDue = "review_due"
            case workingDaysLeft = "working_days_left"
            case chineseName = "chinese_name"
            case englishName = "english_name"
            case nationalIDMasked = "national_id_masked"
            case birthDate = "birth_date"
            case permanentAddress = "permanent_address"
            case mailingAddress = "mailing_address"
            case consentVersion = "consent_version"
            case consentSHA256 = "consent_sha256"
            case consentedAt = "consented_at"
            case registrarMatch = "registrar_match"
            case identityAlreadyKnown = "identity_already_known"
            case decidedAt = "decided_at"
            case decidedBy = "decided_by"
            case decisionReason = "decision_reason"
            case documentsDeletedAt = "documents_deleted_at"
            case registrarRecords = "registrar_records"
        }

        init(_ a: AccountApplication) {
            let form = a.form
            applicationID = a.id
            status = a.status.rawValue
            submittedAt = AccountController.timestamp(a.submittedAt)
            reviewDue = ReviewController.day(a.reviewDue)
            workingDaysLeft = a.workingDaysLeft
            chineseName = form.chineseName
            englishName = form.englishName
            sex = form.sex
            nationalIDMasked = (try? IdentityNumber(form.nationalID).masked) ?? "**********"
            birthDate = form.birthDate
            records = form.records
            permanentAddress = form.permanentAddress
            mailingAddress = form.mailingAddress
            phone = form.phone
            mobile = form.mobile
            email = form.email
            consentVersion = a.consent.version
            consentSHA256 = a.consent.sha256
            consentedAt = AccountController.timestamp(a.consent.at)
            registrarMatch = a.registrarMatch
            identityAlreadyKnown = a.knownIdentity
            message = a.message
            reply = a.reply
            decidedAt = a.decidedAt.map(AccountController.timestamp)
            decidedBy = a.decidedBy
            decisionReason = a.decisionReason
            documents = a.documents.map { Document(kind: $0.kind.rawValue, contentType: $0.contentType, size: $0.size) }
            documentsDeletedAt = a.documentsDeletedAt.map(AccountController.timestamp)
            registrarRecords = a.registrarRecords.map {
                Registrar(studentID: $0.studentID, name: $0.name, email: $0.email, mobile: $0.mobile, nationalID: $0.nationalID.rawValue,
                          activated: $0.activated, diplomaDate: ReviewController.day($0.diplomaDate.map { Int($0) }))
            }
        }
    }

    func applicationID(_ context: IssuerRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard (1...40).contains(id.utf8.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw APIError.notFound("there is no application \(id.prefix(40))")
        }
        return id
    }

    @Sendable func show(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let application = try await applications.application(id: try applicationID(context), actor: staff.actor, now: clock.now())
        return try JSONBody.response(Detail(application), headers: [.cacheControl: "no-store"])
    }

    @Sendable func revealNationalID(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let id = try applicationID(context)
        let number = try await applications.revealNationalID(id: id, actor: staff.actor, now: clock.now())
        context.logger.notice("national ID revealed to staff", metadata: ["application": "\(id)", "staff": "\(staff.name)"])
        return try JSONBody.response(["national_id": number], headers: [.cacheControl: "no-store"])
    }

    @Sendable func document(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        guard let kind = DocumentKind(rawValue: try context.parameters.require("kind")) else {
            throw APIError.notFound("a document is id_document or photo")
        }
        let id = try applicationID(context)
        let file = try await applications.document(id: id, kind: kind, actor: staff.actor, now: clock.now())
        return DocumentResponse.response(file, application: id, kind: kind, inline: false)
    }

    struct Approval: Decodable {
        let studentID: String
        /// Contact fields to take from the application over the registrar's record.
        let takeFromApplication: [String]?
        enum CodingKeys: String, CodingKey {
            case studentID = "student_id"
            case takeFromApplication = "take_from_application"
        }
    }

    struct Decided: Encodable {
        let applicationID: String
        let status: String
        enum CodingKeys: String, CodingKey {
            case status
            case applicationID = "application_id"
        }
    }

    @Sendable func approve(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(Approval.self, from: body, allowedKeys: ["student_id", "take_from_application"])
        let id = try applicationID(context)
        let take = try Set((input.takeFromApplication ?? []).map { name in
            guard let field = ContactField(rawValue: name) else {
                throw APIError.invalid("invalid_field", field: "take_from_application", "take_from_application lists name, email or mobile")
            }
            return field
        })
        _ = try await applications.approve(id: id, studentID: input.studentID, take: take, actor: staff.actor, now: clock.now())
        return try JSONBody.response(Decided(applicationID: id, status: "approved"))
    }

    struct Rejection: Decodable { let reason: String }

    @Sendable func reject(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(Rejection.self, from: body, allowedKeys: ["reason"])
        let id = try applicationID(context)
        _ = try await applications.reject(id: id, reason: input.reason, actor: staff.actor, now: clock.now())
        return try JSONBody.response(Decided(applicationID: id, status: "rejected"))
    }

    struct InformationRequest: Decodable { let message: String }

    @Sendable func requestInfo(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(InformationRequest.self, from: body, allowedKeys: ["message"])
        let id = try applicationID(context)
        try await applications.requestInfo(id: id, message: input.message, actor: staff.actor, now: clock.now())
        return try JSONBody.response(Decided(applicationID: id, status: "needs_info"))
    }

    /// Approves, in one request, the pending applications that match the
    /// registrar's records (``AccountApplicationService/approveRegistrarMatches(actor:now:)``).
    @Sendable func approveMatches(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let (approved, problems) = try await applications.approveRegistrarMatches(actor: staff.actor, now: clock.now())
        struct Body: Encodable { let approved: [String]; let refused: [String: String] }
        return try JSONBody.response(Body(approved: approved, refused: problems))
    }

    @Sendable func mail(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let status = request.uri.queryParameters["status"].map(String.init) ?? "failed"
        guard ["queued", "sent", "failed"].contains(status) else { throw APIError.badRequest("invalid_value", "status is queued, sent or failed") }
        let summary = try await mailDelivery.summary(status: status, limit: 100)
        struct Body: Encodable {
            let queued: Int
            let sent: Int
            let failed: Int
            let mail: [MailSummary.Entry]
        }
        return try JSONBody.response(Body(queued: summary.queued, sent: summary.sent, failed: summary.failed, mail: summary.entries))
    }
}
