import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import NIOCore

/// The administrators' API under `/v1/admin`, behind administrator bearer
/// tokens with roles (auditor < operator < admin). Every change is written
/// to the audit log with the token's name as the actor, in the same
/// transaction as the change.
struct AdminController: Sendable {
    let keyService: KeyService
    let accountAdministration: AccountAdministrationService
    let auditTrail: AuditService
    let authentication: SessionAuthentication
    let configuration: IssuerConfiguration

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        let auditors = group.administrators(authentication, minimum: .auditor)
        auditors.get("keys", use: listKeys)
        auditors.get("cards/:number", use: showCard)
        auditors.get("audit", use: auditLog)
        let operators = group.administrators(authentication, minimum: .operator)
        operators.post("cards/import", use: importCards)
        operators.post("cards/:number/:action", use: changeCard)
        let admins = group.administrators(authentication, minimum: .admin)
        admins.post("keys/rotate", use: rotateKeys)
        admins.post("keys/:kid/revoke", use: revokeKey)
    }

    struct KeyBody: Encodable {
        let kid: String
        let alg: String
        let state: String
        let publishedAt: Int64
        let nbf: Int64
        let exp: Int64
        let plannedHandoff: Int64
        let revokedAt: Int64?
        let revocationReason: String?

        enum CodingKeys: String, CodingKey {
            case kid, alg, state, nbf, exp
            case publishedAt = "published_at"
            case plannedHandoff = "planned_handoff"
            case revokedAt = "revoked_at"
            case revocationReason = "revocation_reason"
        }

        init(_ key: ManagedKey) {
            kid = key.id.base64URL
            alg = key.algorithm.jwkName
            state = key.state.rawValue
            publishedAt = key.publishedAt
            nbf = key.notBefore
            exp = key.notAfter
            plannedHandoff = key.plannedHandoff
            revokedAt = key.revokedAt
            revocationReason = key.revocationReason
        }
    }

    struct KeysResponse: Encodable {
        let keys: [KeyBody]
        let changes: [String]?
        let keysetSeq: UInt64

        enum CodingKeys: String, CodingKey {
            case keys, changes
            case keysetSeq = "keyset_seq"
        }
    }

    private func keysResponse(changes: [KeyChange]?) async throws -> Response {
        let (ring, seq) = try await keyService.overview()
        return try JSONBody.response(KeysResponse(keys: ring.keys.map(KeyBody.init), changes: changes.map { $0.map(\.description) },
                                                  keysetSeq: seq))
    }

    @Sendable func listKeys(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        return try await keysResponse(changes: nil)
    }

    struct RotateRequest: Decodable {
        let ifDue: Bool?
        enum CodingKeys: String, CodingKey { case ifDue = "if_due" }
    }

    @Sendable func rotateKeys(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let admin = try context.admin()
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = body.readableBytes == 0 ? RotateRequest(ifDue: nil) : try JSONBody.decode(RotateRequest.self, from: body, allowedKeys: ["if_due"])
        let changes = try await keyService.rotate(ifDue: input.ifDue ?? false, actor: admin.actor)
        return try await keysResponse(changes: changes)
    }

    struct RevokeRequest: Decodable { let reason: String }

    @Sendable func revokeKey(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let admin = try context.admin()
        let kidText = try context.parameters.require("kid")
        guard let kid = try? KeyID(base64URL: kidText) else {
            throw APIError.badRequest("invalid_value", "the kid must be the base64url of 8 bytes (11 characters)")
        }
        let reason = try await reasonField(request)
        let changes = try await keyService.revoke(kid, reason: reason, actor: admin.actor)
        return try await keysResponse(changes: changes)
    }

    private func reasonField(_ request: Request) async throws -> String {
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let reason = try JSONBody.decode(RevokeRequest.self, from: body, allowedKeys: ["reason"]).reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(reason.utf8.count) else {
            throw APIError.badRequest("invalid_value", "reason is required: 1–500 bytes saying why, for the audit log")
        }
        return reason
    }

    struct CardBody: Encodable {
        let cardNumber: String
        let status: String
        let validThrough: String
        let statusReason: String?

        enum CodingKeys: String, CodingKey {
            case status
            case cardNumber = "card_number"
            case validThrough = "valid_through"
            case statusReason = "status_reason"
        }

        init(_ card: Card) {
            cardNumber = card.number.rawValue
            status = card.status.rawValue
            validThrough = card.validThrough.description
            statusReason = card.statusReason
        }
    }

    @Sendable func showCard(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let number = try context.parameters.require("number")
        return try JSONBody.response(CardBody(try await accountAdministration.card(number: number)))
    }

    @Sendable func changeCard(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let admin = try context.admin()
        let number = try context.parameters.require("number")
        let status: CardStatus
        switch try context.parameters.require("action") {
        case "suspend": status = .suspended
        case "revoke": status = .revoked
        case "reinstate": status = .active
        default: throw APIError.notFound("the card actions are suspend, revoke and reinstate")
        }
        let reason = try await reasonField(request)
        let card = try await accountAdministration.setStatus(number: number, status: status, reason: reason, actor: admin.actor)
        return try JSONBody.response(CardBody(card))
    }

    @Sendable func importCards(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let admin = try context.admin()
        let dryRun: Bool
        switch request.uri.queryParameters["dry_run"].map(String.init) {
        case nil, "false": dryRun = false
        case "true": dryRun = true
        default: throw APIError.badRequest("invalid_value", "dry_run must be true or false")
        }
        let body = try await JSONBody.collect(request, limit: configuration.importMaxBytes)
        let report = try await accountAdministration.importRegistrar(Data(body.readableBytesView), actor: admin.actor, dryRun: dryRun)
        return try JSONBody.response(report, status: report.rejected > 0 ? .unprocessableContent : .ok)
    }

    struct AuditBody: Encodable {
        let id: Int64?
        let at: Int64
        let actor: String
        let action: String
        let subject: String?
        let detail: String
    }

    @Sendable func auditLog(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        var limit = 100
        if let text = request.uri.queryParameters["limit"] {
            guard let value = Int(text), (1...1_000).contains(value) else {
                throw APIError.badRequest("invalid_value", "limit must be a whole number from 1 to 1000")
            }
            limit = value
        }
        let events = try await auditTrail.recent(limit: limit).map {
            AuditBody(id: $0.id, at: $0.at, actor: $0.actor, action: $0.action, subject: $0.subject, detail: $0.detail)
        }
        return try JSONBody.response(["events": events])
    }
}
