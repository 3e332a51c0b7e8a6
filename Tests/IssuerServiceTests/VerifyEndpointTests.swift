import TestSupport
import CardKeys
import CardToken
import Foundation
import GRDB
import NIOCore
import HTTPTypes
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

@Suite("Online verify")
struct VerifyEndpointTests {
    @Test func verdictsFromJSONOrPlainTextAnd400OnlyWithoutAToken() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let token = try await client.get("/v1/card/token", bearer: session) { try #require(try jsonObject($0.body)["token"] as? String) }
            try await client.post("/v1/verify", body: json(["token": token])) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(body["verdict"] as? String == "ok")
                #expect(body["holder_name"] as? String == "陳○玲")
                #expect(body["keyset_seq"] as? Int64 != nil)
            }
            try await client.post("/v1/verify", body: ByteBuffer(string: token + "\n"), contentType: "text/plain") { response in
                try #expect(jsonObject(response.body)["verdict"] as? String == "ok")
            }
            try await client.post("/v1/verify", body: json(["token": "AC1:NOT-A-TOKEN"])) { response in
                #expect(response.status == .ok)
                try #expect(jsonObject(response.body)["reason"] as? String == "malformed")
            }
            for empty in [ByteBuffer(), ByteBuffer(string: "  \n")] {
                try await client.post("/v1/verify", body: empty, contentType: "text/plain") { response in
                    #expect(response.status == .badRequest)
                    try #expect(errorCode(response) == "missing_token")
                }
            }
            // The issuer knows what an offline verifier cannot: the card's status now.
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/suspend", bearer: IssuerHarness.adminToken, body: json(["reason": "lost"])) {
                #expect($0.status == .ok)
            }
            try await client.post("/v1/verify", body: json(["token": token])) { response in
                let body = try jsonObject(response.body)
                #expect(body["verdict"] as? String == "refused")
                #expect(body["reason"] as? String == "card_revoked")
            }
        }
    }

    @Test func hmacTokensVerifyOnline() async throws {
        let harness = try await IssuerHarness { $0.algorithm = .hmac256 }
        // Two rotations: the first promotes the Ed25519 standby and publishes an HMAC key, the second promotes it.
        for _ in 0..<2 {
            harness.clock.advance(by: harness.services.configuration.rotationPolicy.publicationLead)
            try harness.services.keyStore.rotate(now: harness.clock.now, force: true, actor: "test", algorithm: .hmac256)
            try await harness.services.keysChanged(actor: "test")
        }
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let token = try await client.get("/v1/card/token", bearer: session) { try #require(try jsonObject($0.body)["token"] as? String) }
            try await client.post("/v1/verify", body: json(["token": token])) { response in
                let body = try jsonObject(response.body)
                #expect(body["reason"] as? String == "ok", "\(body)")
                #expect(body["alg"] as? String == "HS256")
            }
        }
    }
}
