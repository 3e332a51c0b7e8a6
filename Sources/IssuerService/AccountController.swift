import AccountRules
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore

/// The alumni centre's public account flows (alumni-api.md §2–§4): the
/// human check, the consent notice, applying for an account and following
/// it, changing and resetting a password. Thin: parse, call a service, answer.
struct AccountController: Sendable {
    let applications: AccountApplicationService
    let passwords: PasswordService
    let humanCheck: HumanCheckService
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let clock: IssuerClock
    let configuration: IssuerConfiguration

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("challenge", use: challenge)
        group.get("consent", use: consent)
        group.post("account-applications", use: apply)
        group.get("account-applications/status", use: applicationStatus)
        group.post("account-applications/status", use: answer)
        group.signedInHolders(authentication, cardAccess: false).post("account/password", use: changePassword)
        group.post("password-reset", use: requestReset)
        group.post("password-reset/confirm", use: confirmReset)
    }

    @Sendable func challenge(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try JSONBody.response(humanCheck.challenge(now: clock.now()), headers: [.cacheControl: "no-store"])
    }

    @Sendable func consent(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try JSONBody.response(applications.consent)
    }

    struct SubmittedBody: Encodable {
        let applicationID: String
        let status = "pending"
        let reviewDue: String

        enum CodingKeys: String, CodingKey {
            case status
            case applicationID = "application_id"
            case reviewDue = "review_due"
        }
    }

    @Sendable func apply(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let submitted = try await applications.submit(request, client: clientAddresses.client(of: request, context: context), now: clock.now(), logger: context.logger)
        return try JSONBody.response(SubmittedBody(applicationID: submitted.id, reviewDue: submitted.reviewDue.description), status: .accepted)
    }

    struct StatusBody: Encodable {
        let status: String
        let submittedAt: String
        let reviewDue: String?
        let message: String?

        enum CodingKeys: String, CodingKey {
            case status, message
            case submittedAt = "submitted_at"
            case reviewDue = "review_due"
        }
    }

    func statusBody(_ status: ApplicationPublicStatus) -> StatusBody {
        StatusBody(status: status.status.rawValue, submittedAt: Self.timestamp(status.submittedAt),
                   reviewDue: status.reviewDue.flatMap { try? CalendarDay(yyyymmdd: $0) }?.description,
                   message: status.status == .needsInfo || status.status == .rejected ? status.message : nil)
    }

    @Sendable func applicationStatus(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters["token"].map(String.init), !token.isEmpty else {
            throw APIError.badRequest("missing_field", "the status link carries ?token=…")
        }
        return try JSONBody.response(statusBody(try await applications.status(token: token, now: clock.now())), headers: [.cacheControl: "no-store"])
    }

    @Sendable func answer(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let status = try await applications.answer(request, client: clientAddresses.client(of: request, context: context), now: clock.now(), logger: context.logger)
        return try JSONBody.response(statusBody(status))
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String

        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
            case newPassword = "new_password"
        }
    }

    @Sendable func changePassword(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let (holder, sessionHash) = (signedIn.holder, signedIn.tokenHash)
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(PasswordChange.self, from: body, allowedKeys: ["current_password", "new_password"])
        try await passwords.change(holder: holder, sessionHash: sessionHash, current: input.currentPassword,
                                                             new: input.newPassword, client: clientAddresses.client(of: request, context: context),
                                                             logger: context.logger)
        return Response(status: .noContent)
    }

    struct ResetRequest: Decodable {
        let login: String
        let altcha: String?
    }

    @Sendable func requestReset(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(ResetRequest.self, from: body, allowedKeys: ["login", "altcha"])
        try await passwords.requestReset(login: input.login, altcha: input.altcha, logger: context.logger)
        return try JSONBody.response(["status": "accepted"], status: .accepted)
    }

    struct ResetConfirmation: Decodable {
        let token: String
        let newPassword: String

        enum CodingKeys: String, CodingKey {
            case token
            case newPassword = "new_password"
        }
    }

    @Sendable func confirmReset(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(ResetConfirmation.self, from: body, allowedKeys: ["token", "new_password"])
        try await passwords.confirmReset(token: input.token, new: input.newPassword, logger: context.logger)
        return Response(status: .noContent)
    }

    static func timestamp(_ epoch: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}
