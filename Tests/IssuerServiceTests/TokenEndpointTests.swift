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

@Suite("The current token and its QR code")
struct TokenEndpointTests {
    func token(_ client: some TestClientProtocol, _ session: String) async throws -> [String: Any] {
        try await client.get("/v1/card/token", bearer: session) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[.cacheControl] == "no-store")
            return try jsonObject(response.body)
        }
    }

    @Test func sameTokenWithinAWindowAndTheNextOneNearItsEnd() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            harness.clock.advance(by: 10)
            let first = try await token(client, session)
            #expect(first["refresh_at"] as? Int64 == IssuerHarness.start + 300)
            #expect(first["expires_at"] as? Int64 == IssuerHarness.start + 360)
            #expect(first["seconds_to_refresh"] as? Int64 == 290)
            #expect(first["next"] == nil)

            harness.clock.advance(by: 229) // 61 s before the refresh
            let same = try await token(client, session)
            #expect(same["token"] as? String == first["token"] as? String)
            #expect(same["next"] == nil)

            harness.clock.advance(by: 1) // 60 s before: the next token comes along
            let withNext = try await token(client, session)
            #expect(withNext["token"] as? String == first["token"] as? String)
            let next = try #require(withNext["next"] as? [String: Any])
            #expect(next["issued_at"] as? Int64 == IssuerHarness.start + 300)
            #expect(next["refresh_at"] as? Int64 == IssuerHarness.start + 600)
            #expect(next["token"] as? String != first["token"] as? String)

            harness.clock.advance(by: 60) // the window has turned: the promised token is now current
            let after = try await token(client, session)
            #expect(after["token"] as? String == next["token"] as? String)
        }
    }

    @Test func tokenVerifiesUnderThePublishedKeySet() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let body = try await token(client, session)
            let text = try #require(body["token"] as? String)
            let verdict = TokenVerifier(keys: try await harness.merchantKeys()).verify(text, now: harness.clock.now)
            #expect(verdict.reason == .ok, "\(verdict.detail)")
            #expect(verdict.claims?.cardNumber.rawValue == IssuerHarness.cardNumber)
            #expect(verdict.claims?.holderName.rawValue == "陳○玲")
            #expect(verdict.claims?.validThrough == 20300630)
            #expect(verdict.keyID?.base64URL == body["kid"] as? String)
        }
    }

    @Test(arguments: [("suspended", "card_suspended"), ("revoked", "card_revoked")])
    func cardsThatMayNotHaveTokensAreRefused(status: String, code: String) async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            try harness.services.accounts.setCardStatus(number: IssuerHarness.cardNumber, status: CardStatus(rawValue: status)!,
                                                        reason: "test", now: harness.clock.now, actor: "test")
            for uri in ["/v1/card/token", "/v1/card/token/qr?format=png"] {
                try await client.get(uri, bearer: session) { response in
                    #expect(response.status == .forbidden)
                    try #expect(errorCode(response) == code)
                    #expect(!String(buffer: response.body).contains("AC1:"))
                }
            }
        }
    }

    @Test func cardPastItsValidThroughDateIsRefused() async throws {
        let harness = try await IssuerHarness()
        try harness.addHolder(studentID: "B05000002", name: "王大同", email: nil, card: "A000000077", validThrough: "2027-01-15")
        try await harness.application.test(.router) { client in
            let session = try await client.login("B05000002")
            try await client.get("/v1/card/token", bearer: session) { #expect($0.status == .ok) } // still the 15th in Taipei
            harness.clock.set(1_800_028_800) // 2027-01-16T00:00 in Taipei
            try await client.get("/v1/card/token", bearer: session) { response in
                #expect(response.status == .forbidden)
                try #expect(errorCode(response) == "card_expired")
            }
        }
    }

    @Test func qrCodeComesAsSVGOrPNG() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            try await client.get("/v1/card/token/qr", bearer: session) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/svg+xml")
                #expect(String(buffer: response.body).hasPrefix("<svg") || String(buffer: response.body).hasPrefix("<?xml"))
                #expect(response.headers[HTTPField.Name("X-Refresh-At")!] == String(IssuerHarness.start + 300))
            }
            try await client.get("/v1/card/token/qr?format=png&scale=4", bearer: session) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                #expect(Array(response.body.readableBytesView.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            }
            for bad in ["format=gif", "scale=0", "scale=x", "color=red"] {
                try await client.get("/v1/card/token/qr?\(bad)", bearer: session) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
