import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import Hummingbird
import IssuerCore
import NIOCore

/// `POST /v1/verify`: the issuer's online check, answering the same
/// verdict JSON as the merchant verifier. The body is `{"token": "AC1:…"}`
/// or the token as plain text. 200 for any verdict; 400 only when no
/// token was sent.
struct VerifyController: Sendable {
    let verifier: OnlineVerifier
    let publisher: KeySetPublisher
    let metrics: IssuerMetrics
    let clock: IssuerClock

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.post("verify", use: verify)
    }

    @Sendable func verify(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let token = try await VerificationRequest.token(from: request)
        let now = clock.now()
        var report = try await verifier.verify(token, now: now)
        if let published = await publisher.current(now: now) {
            report.keysetSeq = published.document.seq
            report.keysetAgeSeconds = max(0, now - published.document.iat)
        }
        metrics.verification(report.reason)
        return VerificationRequest.response(report)
    }
}
