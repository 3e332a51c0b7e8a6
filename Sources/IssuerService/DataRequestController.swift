import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import NIOCore

/// Personal-data requests (alumni-api.md §10): the holder's own under
/// `/v1/account/data-requests`, staff's queue under `/v1/admin/data-requests`
/// (`reviewer` or higher). Thin: parse, call ``DataRequestService``, answer.
struct DataRequestController: Sendable {
    let service: DataRequestService
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let configuration: IssuerConfiguration

    func addRoutes(to v1: RouterGroup<IssuerRequestContext>, admin: RouterGroup<IssuerRequestContext>) {
        let holders = v1.signedInHolders(authentication, cardAccess: true)
        holders.post("account/data-requests", use: file)
        holders.get("account/data-requests", use: mine)
        holders.get("account/data-requests/:request_id/export", use: export)
        let reviewers = admin.administrators(authentication, minimum: .reviewer)
        reviewers.get("data-requests", use: queue)
        reviewers.post("data-requests/:id/extend", use: extend)
        reviewers.post("data-requests/:id/complete", use: complete)
        reviewers.post("data-requests/:id/refuse", use: refuse)
    }

    struct RequestBody: Encodable {
        let requestID: String
        let kind: String
        let status: String
        let receivedAt: String
        let due: String
        let overdue: Bool
        let extended: Bool
        let decidedAt: String?
        let exportUntil: String?

        enum CodingKeys: String, CodingKey {
            case kind, status, due, overdue, extended
            case requestID = "request_id"
            case receivedAt = "received_at"
            case decidedAt = "decided_at"
            case exportUntil = "export_until"
        }

        init(_ request: DataRequest, today: Int) {
            requestID = request.id
            kind = request.kind.rawValue
            status = request.status.rawValue
            receivedAt = AccountController.timestamp(request.receivedAt)
            due = DataRequestService.date(request.due)
            overdue = request.isOverdue(today: today)
            extended = request.extendedAt != nil
            decidedAt = request.decidedAt.map(AccountController.timestamp)
            exportUntil = request.exportUntil.map(AccountController.timestamp)
        }
    }

    struct Filing: Decodable {
        let kind: String
        let details: String?
        let currentPassword: String

        enum CodingKeys: String, CodingKey {
            case kind, details
            case currentPassword = "current_password"
        }
    }

    @Sendable func file(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(Filing.self, from: body, allowedKeys: ["kind", "details", "current_password"])
        let filed = try await service.file(signedIn.holder, kind: input.kind, details: input.details, currentPassword: input.currentPassword,
                                           client: clientAddresses.client(of: request, context: context), logger: context.logger)
        return try JSONBody.response(RequestBody(filed, today: service.today), status: .created)
    }

    @Sendable func mine(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let today = service.today
        return try JSONBody.response(["requests": try await service.requests(of: signedIn.holder).map { RequestBody($0, today: today) }])
    }

    @Sendable func export(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let id = context.parameters.get("request_id") ?? ""
        let service = service, logger = context.logger
        // Checked before the answer starts, so a refusal is an ordinary JSON error; then streamed.
        let first = try await service.prepareCopy(signedIn.holder, requestID: id)
        let headers: HTTPFields = [
            .contentType: "application/zip",
            .contentDisposition: "attachment; filename=\"alumni-data-\(id).zip\"",
            .cacheControl: "no-store",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await service.writeCopy(first, logger: logger) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
            try await writer.finish(nil)
        })
    }

    // MARK: - Staff

    struct QueueBody: Encodable {
        let requests: [StaffEntry]
        let overdue: Int
    }

    struct StaffEntry: Encodable {
        let request: RequestBody
        let studentID: String
        let details: String?
        let extensionReason: String?
        let outcome: String?
        let decidedBy: String?

        enum CodingKeys: String, CodingKey {
            case details, outcome
            case studentID = "student_id"
            case extensionReason = "extension_reason"
            case decidedBy = "decided_by"
        }

        func encode(to encoder: any Encoder) throws {
            try request.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(studentID, forKey: .studentID)
            try container.encodeIfPresent(details, forKey: .details)
            try container.encodeIfPresent(extensionReason, forKey: .extensionReason)
            try container.encodeIfPresent(outcome, forKey: .outcome)
            try container.encodeIfPresent(decidedBy, forKey: .decidedBy)
        }

        init(_ request: DataRequest, today: Int) {
            self.request = RequestBody(request, today: today)
            studentID = request.studentID
            details = request.details
            extensionReason = request.extensionReason
            outcome = request.outcome
            decidedBy = request.decidedBy
        }
    }

    @Sendable func queue(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        _ = try context.admin()
        let status = request.uri.queryParameters["status"].map(String.init)
        let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? 100
        let (requests, today) = try await service.queue(status: status, limit: limit)
        return try JSONBody.response(QueueBody(requests: requests.map { StaffEntry($0, today: today) },
                                               overdue: requests.filter { $0.isOverdue(today: today) }.count))
    }

    struct Reason: Decodable { let reason: String }
    struct Note: Decodable { let note: String }

    @Sendable func extend(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let staff = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(Reason.self, from: body, allowedKeys: ["reason"])
        let extended = try await service.extend(id: context.parameters.get("id") ?? "", reason: input.reason, actor: staff.actor, logger: context.logger)
        return try JSONBody.response(StaffEntry(extended, today: service.today))
    }

    @Sendable func complete(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await decide(request, context) { body in .complete(note: try JSONBody.decode(Note.self, from: body, allowedKeys: ["note"]).note) }
    }

    @Sendable func refuse(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await decide(request, context) { body in .refuse(reason: try JSONBody.decode(Reason.self, from: body, allowedKeys: ["reason"]).reason) }
    }

    /// Completing and refusing differ only in the body's member.
    private func decide(_ request: Request, _ context: IssuerRequestContext, decision: (ByteBuffer) throws -> DataRequestDecision) async throws -> Response {
        let staff = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let decided = try await service.decide(id: context.parameters.get("id") ?? "", decision: try decision(body), actor: staff.actor,
                                               logger: context.logger)
        return try JSONBody.response(StaffEntry(decided, today: service.today))
    }
}
