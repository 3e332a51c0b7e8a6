import CardKeys
import CardToken
import DaemonSupport
import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/verify`: the issuer's online check, answering the same
/// verdict JSON as the merchant verifier. The body is `{"token": "AC1:…"}`
/// or the token as plain text. 200 for any verdict; 400 only when no
/// token was sent.
struct VerifyController: Sendable {
    let services: IssuerServices

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.post("verify", use: verify)
    }

    struct VerifyRequest: Decodable { let token: String }

    @Sendable func verify(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        // Tokens are at most 1,024 characters; JSON around one fits in 4 KiB.
        let body = try await JSONBody.collect(request, limit: 4_096)
        let token: String
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false {
            token = try JSONBody.decode(VerifyRequest.self, from: body, allowedKeys: ["token"]).token
        } else {
            token = String(decoding: body.readableBytesView, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !token.isEmpty else {
            throw APIError.badRequest("missing_token", "send the token as {\"token\": \"AC1:…\"} or as the plain-text body")
        }
        let now = services.clock.now()
        var report = try services.verifier.verify(token, now: now)
        if let published = try services.publisher.current(now: now) {
            report.keysetSeq = published.document.seq
            report.keysetAgeSeconds = max(0, now - published.document.iat)
        }
        services.metrics.verification(report.reason)
        return try JSONBody.response(report)
    }
}
