import CardKeys
import CardToken
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import Testing
import TestSupport

@Suite("Key rotation while the daemon serves")
struct KeyRotationWhileServingTests {
    @Test func newTokensCarryTheNewKidAndOldTokensStillVerifyUntilTheyExpire() async throws {
        let harness = try await IssuerHarness()
        let policy = harness.services.configuration.rotationPolicy
        // Let the standby's publication lead pass, then start at a window boundary.
        let serving = (IssuerHarness.start + policy.publicationLead + 300) / 300 * 300
        harness.clock.set(serving)
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let before = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body) }
            let oldToken = try #require(before["token"] as? String)
            let oldKid = try #require(before["kid"] as? String)
            let oldExpiry = try #require(before["expires_at"] as? Int64)

            harness.clock.advance(by: 30)
            let rotated = try await client.post("/v1/admin/keys/rotate", bearer: IssuerHarness.adminToken, body: nil) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                return try jsonObject(response.body)
            }
            let keys = try #require(rotated["keys"] as? [[String: Any]])
            let newKid = try #require(keys.first { $0["state"] as? String == "active" }?["kid"] as? String)
            #expect(newKid != oldKid)
            #expect(keys.contains { $0["kid"] as? String == oldKid && $0["state"] as? String == "retiring" })

            // Within the window the phone keeps its token (the QR and the countdown agree)...
            let same = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body) }
            #expect(same["token"] as? String == oldToken)
            // ...and the next window's token is signed by the new key.
            harness.clock.set(serving + 300)
            let after = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body) }
            #expect(after["kid"] as? String == newKid)

            // A merchant with the key set published after the rotation accepts both tokens.
            let keySet = try await harness.merchantKeys()
            #expect(keySet.sortedKeys.map(\.id.base64URL).contains(oldKid))
            let verifier = TokenVerifier(keys: keySet)
            #expect(verifier.verify(try #require(after["token"] as? String), now: harness.clock.now).reason == .ok)
            #expect(verifier.verify(oldToken, now: harness.clock.now).reason == .ok)
            #expect(verifier.verify(oldToken, now: oldExpiry + policy.leeway).reason == .ok)
            #expect(verifier.verify(oldToken, now: oldExpiry + policy.leeway + 1).reason == .expired)

            // The issuer's own verify endpoint agrees.
            try await client.post("/v1/verify", body: json(["token": oldToken])) { response in
                try #expect(jsonObject(response.body)["reason"] as? String == "ok")
            }
        }
    }

    @Test func theDaemonsTimerRotatesWhenDueAndResignsTheKeySet() async throws {
        let harness = try await IssuerHarness()
        let policy = harness.services.configuration.rotationPolicy
        let seq = try #require(await harness.services.publisher.current(now: harness.clock.now)).document.seq
        #expect(await harness.services.rotationTick().isEmpty) // nothing due yet
        harness.clock.set(IssuerHarness.start + policy.rotationPeriod + 1)
        let changes = await harness.services.rotationTick()
        #expect(!changes.isEmpty)
        let published = try #require(await harness.services.publisher.current(now: harness.clock.now))
        #expect(published.document.seq > seq)
        #expect(published.document.keys.map(\.kid) == (try harness.services.keyStore.ring().publishedKeys.map { $0.id.base64URL }))
    }

    @Test func revokedKeysTokensAreRefusedOnline() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let body = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body) }
            let kid = try #require(body["kid"] as? String)
            try await client.post("/v1/admin/keys/\(kid)/revoke", bearer: IssuerHarness.adminToken, body: json(["reason": "leaked in a test"])) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            try await client.post("/v1/verify", body: json(["token": try #require(body["token"] as? String)])) { response in
                try #expect(jsonObject(response.body)["reason"] as? String == "key_revoked")
            }
            let fresh = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body) }
            #expect(fresh["kid"] as? String != kid)
        }
    }
}
