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
                     "/v1/admin/audit", "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/.well-known/alumni-card/keyset.jws", "/.well-known/jwks.json",
                     "/v1/challenge", "/v1/consent", "/v1/account-applications", "/v1/account-applications/status", "/v1/account/password",
                     "/v1/password-reset", "/v1/password-reset/confirm", "/v1/admin/account-applications", "/v1/admin/account-applications/approve-matches",
                     "/v1/admin/account-applications/{id}", "/v1/admin/account-applications/{id}/national-id",
                     "/v1/admin/account-applications/{id}/documents/id_document", "/v1/admin/account-applications/{id}/documents/photo",
                     "/v1/admin/account-applications/{id}/approve",
                     "/v1/admin/account-applications/{id}/reject", "/v1/admin/account-applications/{id}/request-info", "/v1/admin/mail",
                     "/v1/card/tokens", "/v1/card-applications", "/v1/merchants", "/v1/admin/card-applications",
                     "/v1/admin/card-applications/{id}/payment", "/v1/admin/merchants", "/v1/admin/merchants/import", "/v1/admin/merchants/{id}",
                     "/v1/account", "/v1/account/email", "/v1/account/email/confirm", "/v1/account/sessions", "/v1/account/sessions/{session_id}",
                     "/v1/account/sessions/end-others", "/v1/account/data-requests", "/v1/account/data-requests/{request_id}/export",
                     "/v1/admin/data-requests", "/v1/admin/data-requests/{id}/extend", "/v1/admin/data-requests/{id}/complete",
                     "/v1/admin/data-requests/{id}/refuse"] {
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

/// Review #11: idle sockets, and request heads that never finish, are closed.
@Suite("Connection timeouts")
struct ConnectionTimeoutTests {
    /// Connects to 127.0.0.1:`port`, sends `bytes` one every `interval`
    /// (none when empty), and returns how long until the server closed the
    /// connection, or nil if it was still open after `limit`.
    static func timeUntilClosed(port: Int, sending bytes: [UInt8] = [], every interval: Duration = .zero, limit: Duration) async -> Duration? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(socket) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { continuation.resume(returning: nil); return }
                var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let started = ContinuousClock.now
                var next = 0
                var lastSend = started
                var buffer = [UInt8](repeating: 0, count: 512)
                while ContinuousClock.now - started < limit {
                    if next < bytes.count, ContinuousClock.now - lastSend >= interval {
                        _ = send(socket, [bytes[next]], 1, Int32(MSG_NOSIGNAL))
                        next += 1
                        lastSend = .now
                    }
                    let count = recv(socket, &buffer, buffer.count, 0)
                    if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                        continuation.resume(returning: ContinuousClock.now - started)
                        return
                    }
                }
                continuation.resume(returning: nil)
            }
        }
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let harness = try await IssuerHarness { $0.idleTimeout = 1 }
        try await harness.application.test(.live) { client in
            let closed = await Self.timeUntilClosed(port: client.port!, limit: .seconds(20))
            #expect(closed != nil, "an idle connection was still open after 20 s")
            // A request head trickled a byte at a time is cut off too.
            let head = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 200))\r\n\r\n".utf8)
            let trickled = await Self.timeUntilClosed(port: client.port!, sending: head, every: .milliseconds(300), limit: .seconds(20))
            #expect(trickled != nil, "a trickled request head kept its connection for 20 s")
        }
    }
}
