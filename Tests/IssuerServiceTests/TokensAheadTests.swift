import CardKeys
import CardToken
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import Testing
import TestSupport

/// A day of tokens for a phone without signal (alumni-api.md §9), and the
/// revocation that must still reach them.
@Suite("Tokens handed out ahead")
struct TokensAheadTests {
    static func tokens(_ client: some TestClientProtocol, _ session: String, windows: Int? = 288) async throws -> [[String: Any]] {
        let answer = try await client.send(.get, "/v1/card/tokens" + (windows.map { "?windows=\($0)" } ?? ""), bearer: session)
        #expect(answer.status == .ok, "\(String(buffer: answer.body))")
        return try #require(try jsonObject(answer.body)["tokens"] as? [[String: Any]])
    }

    @Test func aDayOfTokensEqualsWhatEachWindowHandsOutAndEachVerifiesOnlyInItsWindow() async throws {
        // A session that outlasts the day walked through.
        let harness = try await IssuerHarness { $0.sessionLifetime = 2 * 86_400 }
        let keys = try await harness.merchantKeys()
        let leeway = harness.services.configuration.leeway
        let mismatches = try await harness.application.test(.router) { client in
            let session = try await client.login()
            harness.clock.advance(by: 7) // inside the first window, not at its start
            let ahead = try await Self.tokens(client, session)
            #expect(ahead.count == 288)
            var mismatches: [Int] = []
            for (index, entry) in ahead.enumerated() {
                let start = try #require(entry["window_start"] as? Int64)
                #expect(start == IssuerHarness.start + Int64(index) * 300)
                #expect(entry["refresh_at"] as? Int64 == start + 300 && entry["expires_at"] as? Int64 == start + 360)
                harness.clock.set(start + 100)
                let served = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body)["token"] as? String }
                if served != entry["token"] as? String { mismatches.append(index) }
            }
            return (mismatches, ahead)
        }
        #expect(mismatches.0.isEmpty, "windows whose served token differs: \(mismatches.0)")
        let verifier = TokenVerifier(keys: keys)
        for entry in mismatches.1 {
            let token = try #require(entry["token"] as? String)
            let start = try #require(entry["window_start"] as? Int64), expires = try #require(entry["expires_at"] as? Int64)
            #expect(verifier.verify(token, now: start).reason == .ok)
            #expect(verifier.verify(token, now: start - leeway - 1).reason == .notYetValid)
            #expect(verifier.verify(token, now: expires + leeway + 1).reason == .expired)
        }
        let ids = Set(mismatches.1.compactMap { entry -> TokenID? in
            guard let token = entry["token"] as? String, let start = entry["window_start"] as? Int64 else { return nil }
            return verifier.verify(token, now: start).claims?.tokenID
        })
        #expect(ids.count == 288, "every window's token has its own id")
    }

    @Test func aWithdrawnCardStaysListedUntilTheLastTokenItWasHandedHasExpired() async throws {
        let harness = try await IssuerHarness()
        let configuration = harness.services.configuration
        let ahead = try await harness.application.test(.router) { client in
            let ahead = try await Self.tokens(client, try await client.login())
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/suspend", bearer: IssuerHarness.adminToken,
                                  body: json(["reason": "phone lost"])) { #expect($0.status == .ok) }
            return ahead
        }
        let listed = try #require(await harness.services.publisher.current(now: harness.clock.now)).document
        #expect(listed.revokedCards == [IssuerHarness.cardNumber])
        // Past the horizon of tokens handed out one window at a time, a day of tokens is still out there.
        harness.clock.advance(by: configuration.withdrawnCardHorizon + 1)
        _ = await harness.services.rotationTick()
        #expect(try #require(await harness.services.publisher.current(now: harness.clock.now)).document.revokedCards == [IssuerHarness.cardNumber])
        // A merchant synced now refuses a prefetched token of a later window, in that window.
        let late = ahead[200]
        let keys = try await harness.merchantKeys()
        let start = try #require(late["window_start"] as? Int64)
        #expect(TokenVerifier(keys: keys).verify(try #require(late["token"] as? String), now: start + 10).reason == .cardRevoked)
        // Once the last one has expired (and the leeway passed), the card leaves the list and the set is re-signed.
        let lastExpiry = try #require(ahead.last?["expires_at"] as? Int64)
        harness.clock.set(lastExpiry + configuration.leeway - 1)
        _ = await harness.services.rotationTick()
        let stillListed = try #require(await harness.services.publisher.current(now: harness.clock.now)).document
        #expect(stillListed.revokedCards == [IssuerHarness.cardNumber])
        harness.clock.set(lastExpiry + configuration.leeway + 1)
        _ = await harness.services.rotationTick()
        let cleared = try #require(await harness.services.publisher.current(now: harness.clock.now)).document
        #expect(cleared.revokedCards.isEmpty)
        #expect(cleared.seq > stillListed.seq)
    }

    @Test func theWindowCountIsBoundedAndTheCardMustBeUsable() async throws {
        let harness = try await IssuerHarness { $0.maxPrefetchWindows = 12 }
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            for bad in ["0", "13", "-1", "abc", "1e3", ""] {
                let answer = try await client.send(.get, "/v1/card/tokens?windows=\(bad)", bearer: session)
                #expect(answer.status == .badRequest, "windows=\(bad)")
                #expect(try errorCode(answer) == "invalid_value")
            }
            #expect(try errorCode(try await client.send(.get, "/v1/card/tokens?days=1", bearer: session)) == "unknown_field")
            #expect(try await Self.tokens(client, session, windows: nil).count == 12, "without windows: the most allowed")
            #expect(try await Self.tokens(client, session, windows: 1).count == 1)
            #expect(try await client.send(.get, "/v1/card/tokens", bearer: nil).status == .unauthorized)
            try await client.post("/v1/admin/cards/\(IssuerHarness.cardNumber)/suspend", bearer: IssuerHarness.adminToken,
                                  body: json(["reason": "checking"])) { #expect($0.status == .ok) }
            #expect(try errorCode(try await client.send(.get, "/v1/card/tokens?windows=3", bearer: session)) == "card_suspended")
        }
    }
}
