import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import NIOCore

/// The published key set (keyset.md §1): the root-signed JWS, and the same
/// keys as a plain JWK Set. Both carry an ETag and answer 304 to a
/// matching `If-None-Match`, so verifiers polling every few minutes cost
/// almost nothing; any CDN may cache them for `max-age`.
struct WellKnownController: Sendable {
    let publisher: KeySetPublisher
    let clock: IssuerClock
    let configuration: IssuerConfiguration

    func addRoutes(to router: Router<IssuerRequestContext>) {
        router.get(".well-known/alumni-card/keyset.jws", use: keySet)
        router.get(".well-known/jwks.json", use: jwks)
    }

    private var cacheControl: String {
        // At most half the verifiers' refresh interval, so a new set reaches them within one interval.
        "public, max-age=\(max(30, configuration.keySetRefreshInterval / 2))"
    }

    private func published() async throws -> PublishedKeySet {
        guard let published = await publisher.current(now: clock.now()) else {
            throw APIError(.serviceUnavailable, code: "no_keyset", "no key set has been signed or installed yet; see docs/key-rotation.md")
        }
        return published
    }

    @Sendable func keySet(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let published = try await published()
        return answer(request, etag: published.etag, contentType: "application/jose", body: ByteBuffer(string: published.jws))
    }

    @Sendable func jwks(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let published = try await published()
        return answer(request, etag: published.jwksETag, contentType: "application/jwk-set+json", body: ByteBuffer(bytes: published.jwks))
    }

    private func answer(_ request: Request, etag: String, contentType: String, body: ByteBuffer) -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
