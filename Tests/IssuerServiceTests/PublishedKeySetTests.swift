import TestSupport
import CardKeys
import CardToken
import Foundation
import GRDB
import NIOCore
import HTTPTypes
import HummingbirdTesting
import IssuerService
import Testing

@Suite("The published key set endpoints")
struct PublishedKeySetTests {
    @Test func keySetAndJWKSCarryETagsAndAnswer304() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let (etag, jws) = try await client.get("/.well-known/alumni-card/keyset.jws", bearer: nil) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/jose")
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                return (try #require(response.headers[.eTag]), String(buffer: response.body))
            }
            let verdict = KeySetVerifier(pinnedRoots: [harness.root.publicKey]).verify(jws, heldSeq: nil, now: harness.clock.now)
            #expect(verdict.isOK)
            try await client.execute(uri: "/.well-known/alumni-card/keyset.jws", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            let jwks = try await client.get("/.well-known/jwks.json", bearer: nil) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] != nil)
                return try jsonObject(response.body)
            }
            let kids = (jwks["keys"] as? [[String: Any]])?.compactMap { $0["kid"] as? String }
            #expect(kids == verdict.document?.keys.compactMap(\.kid))
            #expect(!String(decoding: try JSONSerialization.data(withJSONObject: jwks), as: UTF8.self).contains("\"d\""))

            // A rotation changes the document, so the old ETag no longer matches.
            harness.clock.advance(by: harness.services.configuration.rotationPolicy.publicationLead)
            try await client.post("/v1/admin/keys/rotate", bearer: IssuerHarness.adminToken, body: nil) { #expect($0.status == .ok) }
            try await client.execute(uri: "/.well-known/alumni-card/keyset.jws", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] != etag)
            }
        }
    }
}
