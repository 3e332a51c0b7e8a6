import AccountRules
import CardToken
import Clocks
import DaemonSupport
import Foundation
import Hummingbird
import IssuerCore
import IssuerStore

/// Digital card applications (alumni-api.md §7): the alumnus's own under
/// `/v1/card-applications`, the staff's under `/v1/admin/card-applications`.
struct CardApplicationController: Sendable {
    let cardApplications: CardApplicationService
    let authentication: SessionAuthentication
    let configuration: IssuerConfiguration

    func addRoutes(to v1: RouterGroup<IssuerRequestContext>, admin: RouterGroup<IssuerRequestContext>) {
        let holders = v1.signedInHolders(authentication, cardAccess: true)
        holders.post("card-applications", use: submit)
        holders.get("card-applications", use: mine)
        admin.administrators(authentication, minimum: .reviewer).get("card-applications", use: list)
        admin.administrators(authentication, minimum: .operator).post("card-applications/:id/payment", use: recordPayment)
    }

    struct Fee: Encodable {
        let amount: Int
        let currency: String
    }

    struct Body: Encodable {
        let applicationID: String
        let kind: String
        let status: String
        let fee: Fee
        let cardNumber: String?
        let validThrough: String?
        let submittedAt: String
        let issuedAt: String?
        let paid: Bool
        let paidAt: String?
        /// Staff only: who applied and the payment's record.
        let studentID: String?
        let paymentReference: String?
        let paymentRecordedBy: String?

        enum CodingKeys: String, CodingKey {
            case kind, status, fee, paid
            case applicationID = "application_id"
            case cardNumber = "card_number"
            case validThrough = "valid_through"
            case submittedAt = "submitted_at"
            case issuedAt = "issued_at"
            case paidAt = "paid_at"
            case studentID = "student_id"
            case paymentReference = "payment_reference"
            case paymentRecordedBy = "payment_recorded_by"
        }

        init(_ application: CardApplication, forStaff: Bool) {
            applicationID = application.id
            kind = application.kind.rawValue
            status = application.status.rawValue
            fee = Fee(amount: application.feeAmount, currency: application.currency)
            // Before issue a renewal's number is the card it will extend; shown only once issued.
            cardNumber = application.status == .issued || forStaff ? application.cardNumber : nil
            validThrough = application.status == .issued ? application.validThrough?.description : nil
            submittedAt = AccountController.timestamp(application.submittedAt)
            issuedAt = application.issuedAt.map(AccountController.timestamp)
            paid = application.paidAt != nil
            paidAt = application.paidAt.map(AccountController.timestamp)
            studentID = forStaff ? application.studentID : nil
            paymentReference = forStaff ? application.paymentReference : nil
            paymentRecordedBy = forStaff ? application.paymentRecordedBy : nil
        }
    }

    struct SubmitRequest: Decodable {
        let kind: String
        let altcha: String?
    }

    @Sendable func submit(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let holder = try context.holder().holder
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(SubmitRequest.self, from: body, allowedKeys: ["kind", "altcha"])
        guard let kind = CardApplicationRules.Kind(rawValue: input.kind) else {
            throw APIError.invalid("invalid_value", field: "kind", "kind is \"first\" (a first digital card) or \"renewal\"")
        }
        let application = try await cardApplications.submit(holder: holder, kind: kind, altcha: input.altcha, logger: context.logger)
        return try JSONBody.response(Body(application, forStaff: false), status: .created)
    }

    @Sendable func mine(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let holder = try context.holder().holder
        let applications = try await cardApplications.history(holderID: holder.id)
        // The fees and when a card is issued, so the page can show them before the alumnus applies.
        struct Fees: Encodable { let first: Fee; let renewal: Fee }
        struct List: Encodable {
            let applications: [Body]
            let fees: Fees
            let issueOn: String
            enum CodingKeys: String, CodingKey { case applications, fees; case issueOn = "issue_on" }
        }
        let configuration = self.configuration
        return try JSONBody.response(List(applications: applications.map { Body($0, forStaff: false) },
                                          fees: Fees(first: Fee(amount: configuration.firstCardFee, currency: "TWD"),
                                                     renewal: Fee(amount: configuration.renewalFee, currency: "TWD")),
                                          issueOn: configuration.issueOn.rawValue))
    }

    @Sendable func list(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let query = request.uri.queryParameters
        for name in query.map({ String($0.key) }) where !["status", "paid", "limit"].contains(name) {
            throw APIError.badRequest("unknown_field", "unknown query parameter \"\(name.prefix(64))\"; allowed: status, paid, limit")
        }
        var status: CardApplicationStatus?
        if let text = query["status"] {
            guard let value = CardApplicationStatus(rawValue: String(text)) else {
                throw APIError.badRequest("invalid_value", "status is awaiting_payment or issued")
            }
            status = value
        }
        var paid: Bool?
        if let text = query["paid"] {
            guard text == "true" || text == "false" else { throw APIError.badRequest("invalid_value", "paid is true or false") }
            paid = text == "true"
        }
        var limit = 200
        if let text = query["limit"] {
            guard let value = Int(text), (1...1_000).contains(value) else {
                throw APIError.badRequest("invalid_value", "limit must be a whole number from 1 to 1000")
            }
            limit = value
        }
        let applications = try await cardApplications.queue(status: status, paid: paid, limit: limit, actor: staff.actor)
        struct List: Encodable { let applications: [Body] }
        return try JSONBody.response(List(applications: applications.map { Body($0, forStaff: true) }))
    }

    struct PaymentRequest: Decodable {
        let amount: Int
        let reference: String
    }

    @Sendable func recordPayment(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let id = try context.parameters.require("id")
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(PaymentRequest.self, from: body, allowedKeys: ["amount", "reference"])
        let reference = input.reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...64).contains(reference.utf8.count), !reference.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid("invalid_value", field: "reference", "reference is the receipt or transfer number: 1–64 bytes, no control characters")
        }
        guard (0...100_000).contains(input.amount) else {
            throw APIError.invalid("invalid_value", field: "amount", "amount is the fee paid in TWD, a whole number from 0 to 100000")
        }
        let application = try await cardApplications
            .recordPayment(applicationID: id, amount: input.amount, reference: reference, actor: staff.actor)
        return try JSONBody.response(Body(application, forStaff: true))
    }
}
