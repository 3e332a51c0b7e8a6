import CardKeys
import CardToken
import Foundation
import GRDB
import NIOCore
import HTTPTypes
import HummingbirdTesting
import IssuerService
import IssuerStore
import TestSupport
import Testing

@Suite("Health, readiness, metrics and the API description")
struct OperationsTests {
    @Test func readyOnlyWithAnActiveKeyAndAKeySet() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            try await client.get("/healthz", bearer: nil) { #expect($0.status == .ok) }
            try await client.get("/readyz", bearer: nil) { #expect($0.status == .ok) }
        }
        let empty = try IssuerServices(configuration: harness.services.configuration,
                                       credentials: IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: nil, bootstrapAdminTokenHash: nil),
                                       clock: harness.clock.epochClock, database: AppDatabase.inMemory())
        try await buildApplication(empty).test(.router) { client in
            try await client.get("/healthz", bearer: nil) { #expect($0.status == .ok) }
            try await client.get("/readyz", bearer: nil) { response in
                #expect(response.status == .serviceUnavailable)
                let problems = try #require(try jsonObject(response.body)["problems"] as? [String])
                #expect(problems.contains("there is no active signing key"))
            }
            try await client.get("/.well-known/alumni-card/keyset.jws", bearer: nil) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test func metricsCountTokensLoginsAndVerdicts() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            try await client.post("/v1/session", body: json(["login": "nobody", "password": "wrong password"])) { _ in }
            let token = try await client.get("/v1/card/token", bearer: session) { try #require(try jsonObject($0.body)["token"] as? String) }
            try await client.post("/v1/verify", body: json(["token": token])) { _ in }
            try await client.post("/v1/verify", body: json(["token": "AC1:BAD"])) { _ in }
            let text = try await client.get("/metrics", bearer: nil) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            #expect(text.contains(#"alumnicard_logins_total{result="ok"} 1"#))
            #expect(text.contains(#"alumnicard_logins_total{result="invalid_credentials"} 1"#))
            #expect(text.contains(#"alumnicard_tokens_issued_total{alg="EdDSA"} 1"#))
            #expect(text.contains(#"alumnicard_verifications_total{reason="ok"} 1"#))
            #expect(text.contains(#"alumnicard_verifications_total{reason="malformed"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_bucket{route="/v1/card/token""#))
            #expect(!text.contains(token.dropFirst(4).prefix(20)))
        }
    }

    @Test func theServedAPIDescriptionIsDocsOpenAPI() async throws {
        let harness = try await IssuerHarness()
        let documented = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        try await harness.application.test(.router) { client in
            try await client.get("/openapi.yaml", bearer: nil) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == documented)
            }
        }
        // Every route the router knows is described.
        for path in ["/v1/session", "/v1/card", "/v1/card/token", "/v1/card/token/qr", "/v1/verify", "/v1/admin/keys", "/v1/admin/keys/rotate",
                     "/v1/admin/keys/{kid}/revoke", "/v1/admin/cards/import", "/v1/admin/cards/{number}", "/v1/admin/cards/{number}/{action}",
                     "/v1/admin/audit", "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/.well-known/alumni-card/keyset.jws", "/.well-known/jwks.json"] {
            #expect(documented.contains("\n  \(path):\n"), "\(path) is not in docs/openapi.yaml")
        }
    }

    @Test func namesAreMaskedForTheToken() {
        #expect(HolderNameMasking.mask("林小明") == "林○明")
        #expect(HolderNameMasking.mask("歐陽小明") == "歐○○明")
        #expect(HolderNameMasking.mask("林明") == "林○")
        #expect(HolderNameMasking.mask("Alice Mei Chen") == "A. M. Chen")
        #expect(HolderNameMasking.mask(String(repeating: "名", count: 40)).utf8.count <= 64)
    }

    @Test func windowsAlignToTheEpochAndOfferTheNextTokenAtTheEnd() {
        let schedule = TokenSchedule(refreshInterval: 300, grace: 60, nextTokenLead: 60)
        let window = schedule.window(at: 1_000_123)
        #expect(window.start == 999_900 && window.refreshAt == 1_000_200 && window.expiresAt == 1_000_260)
        #expect(!schedule.offersNext(at: 1_000_139))
        #expect(schedule.offersNext(at: 1_000_140))
        #expect(schedule.next(after: window).start == 1_000_200)
    }
}
