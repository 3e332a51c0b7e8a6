import CardToken
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import NIOCore

/// The alumnus's own account (alumni-api.md §10): details, contact
/// changes, the e-mail address and sessions. Signed in, with the password
/// change done. Thin: parse, call ``AccountService``, answer.
struct OwnAccountController: Sendable {
    let accounts: AccountService
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let configuration: IssuerConfiguration

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        let signedIn = group.signedInHolders(authentication, cardAccess: true)
        signedIn.get("account", use: details)
        signedIn.patch("account", use: update)
        signedIn.post("account/email", use: requestEmailChange)
        signedIn.post("account/email/confirm", use: confirmEmailChange)
        signedIn.get("account/sessions", use: sessions)
        signedIn.post("account/sessions/end-others", use: endOthers)
        signedIn.delete("account/sessions/:session_id", use: endSession)
    }

    // MARK: - Details

    struct CardBody: Encodable {
        let cardNumber: String
        let kind: String
        let status: String
        let validThrough: String

        enum CodingKeys: String, CodingKey {
            case kind, status
            case cardNumber = "card_number"
            case validThrough = "valid_through"
        }
    }

    /// `mailing_address` as §3 writes it: an address, or `{"same_as": "permanent"}`.
    enum MailingAddress: Encodable {
        case address(PostalAddress)
        case sameAsPermanent

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .address(let address): try address.encode(to: encoder)
            case .sameAsPermanent: try ["same_as": "permanent"].encode(to: encoder)
            }
        }
    }

    struct AccountBody: Encodable {
        let studentID: String
        let chineseName: String
        let englishName: String?
        let sex: String?
        let birthDate: String?
        let nationalIDMasked: String?
        let records: [EducationRecord]
        let permanentAddress: PostalAddress?
        let mailingAddress: MailingAddress?
        let phone: String?
        let mobile: String?
        let email: String?
        let reminders: Bool
        let cards: [CardBody]

        enum CodingKeys: String, CodingKey {
            case sex, records, phone, mobile, email, reminders, cards
            case studentID = "student_id"
            case chineseName = "chinese_name"
            case englishName = "english_name"
            case birthDate = "birth_date"
            case nationalIDMasked = "national_id_masked"
            case permanentAddress = "permanent_address"
            case mailingAddress = "mailing_address"
        }

        init(_ details: AccountDetails, cards: [Card]) {
            let profile = details.profile
            studentID = details.studentID
            chineseName = details.chineseName
            englishName = profile.englishName
            sex = profile.sex
            birthDate = profile.birthDate
            nationalIDMasked = details.nationalIDMasked
            records = profile.records
            permanentAddress = profile.permanentAddress
            mailingAddress = profile.permanentAddress == nil ? nil : profile.mailingAddress.map(MailingAddress.address) ?? .sameAsPermanent
            phone = profile.phone
            mobile = details.mobile
            email = details.email
            reminders = details.reminders
            self.cards = cards.map { CardBody(cardNumber: $0.number.rawValue, kind: $0.kind.rawValue, status: $0.status.rawValue,
                                              validThrough: $0.validThrough.description) }
        }
    }

    @Sendable func details(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        return try JSONBody.response(AccountBody(try await accounts.details(of: signedIn.holder), cards: signedIn.cards))
    }

    /// The PATCH body: a member absent is left alone, `phone: null` removes
    /// the phone; addresses are JSON objects, handed on as their text to the
    /// application form's address rule.
    struct ContactBody: Decodable {
        var fields = AccountService.ContactFields()

        /// Not in §10's list: checked when given (a client may confirm a mobile change with it, as the pages always do).
        var currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case phone, mobile, reminders
            case permanentAddress = "permanent_address"
            case mailingAddress = "mailing_address"
            case currentPassword = "current_password"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            currentPassword = try container.decodeIfPresent(String.self, forKey: .currentPassword)
            if container.contains(.phone) { fields.phone = .some(try container.decodeNil(forKey: .phone) ? nil : try container.decode(String.self, forKey: .phone)) }
            fields.mobile = try container.decodeIfPresent(String.self, forKey: .mobile)
            fields.reminders = try container.decodeIfPresent(Bool.self, forKey: .reminders)
        }
    }

    static let contactKeys: Set<String> = ["phone", "mobile", "permanent_address", "mailing_address", "reminders", "current_password"]

    @Sendable func update(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let decoded = try JSONBody.decode(ContactBody.self, from: body, allowedKeys: Self.contactKeys)
        var input = decoded.fields
        // The addresses as the text of their JSON objects (the decode above has checked the body is one object).
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        input.permanentAddress = try Self.objectText(object, "permanent_address")
        input.mailingAddress = try Self.objectText(object, "mailing_address")
        guard input.phone != nil || input.mobile != nil || input.permanentAddress != nil || input.mailingAddress != nil || input.reminders != nil else {
            throw APIError.badRequest("missing_field", "send at least one of: \(Self.contactKeys.subtracting(["current_password"]).sorted().joined(separator: ", "))")
        }
        let details = try await accounts.update(signedIn.holder, input, confirmation: .sessionOrPassword(decoded.currentPassword),
                                                client: clientAddresses.client(of: request, context: context), logger: context.logger)
        return try JSONBody.response(AccountBody(details, cards: signedIn.cards))
    }

    static func objectText(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key] else { return nil }
        guard value is [String: Any], let data = try? JSONSerialization.data(withJSONObject: value) else {
            throw APIError.badRequest("wrong_type", "the field \"\(key)\" must be an object")
        }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - E-mail address

    struct EmailChange: Decodable {
        let email: String
        let currentPassword: String

        enum CodingKeys: String, CodingKey {
            case email
            case currentPassword = "current_password"
        }
    }

    @Sendable func requestEmailChange(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(EmailChange.self, from: body, allowedKeys: ["email", "current_password"])
        try await accounts.requestEmailChange(signedIn.holder, email: input.email, currentPassword: input.currentPassword,
                                              client: clientAddresses.client(of: request, context: context), logger: context.logger)
        return try JSONBody.response(["status": "accepted"], status: .accepted)
    }

    struct EmailConfirmation: Decodable {
        let code: String
    }

    @Sendable func confirmEmailChange(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(EmailConfirmation.self, from: body, allowedKeys: ["code"])
        try await accounts.confirmEmailChange(signedIn.holder, code: input.code, logger: context.logger)
        let details = try await accounts.details(of: signedIn.holder)
        return try JSONBody.response(AccountBody(details, cards: signedIn.cards))
    }

    // MARK: - Sessions

    struct SessionBody: Encodable {
        let sessionID: String
        let createdAt: String
        let lastSeenAt: String
        let userAgent: String?
        let current: Bool

        enum CodingKeys: String, CodingKey {
            case current
            case sessionID = "session_id"
            case createdAt = "created_at"
            case lastSeenAt = "last_seen_at"
            case userAgent = "user_agent"
        }
    }

    @Sendable func sessions(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let list = try await accounts.sessions(of: signedIn.holder, current: signedIn.tokenHash).map {
            SessionBody(sessionID: $0.sessionID, createdAt: AccountController.timestamp($0.createdAt),
                        lastSeenAt: AccountController.timestamp($0.lastSeenAt ?? $0.createdAt), userAgent: $0.userAgent, current: $0.current)
        }
        return try JSONBody.response(["sessions": list])
    }

    @Sendable func endSession(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let id = context.parameters.get("session_id") ?? ""
        try await accounts.endSession(of: signedIn.holder, sessionID: id, logger: context.logger)
        return Response(status: .noContent)
    }

    @Sendable func endOthers(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        try await accounts.endOtherSessions(of: signedIn.holder, current: signedIn.tokenHash, logger: context.logger)
        return Response(status: .noContent)
    }
}
