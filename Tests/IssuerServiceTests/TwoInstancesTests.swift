import CardKeys
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStorePostgres
import Logging
import Testing
import TestSupport

/// Issue #27: two issuer instances on one PostgreSQL database act as one
/// issuer. Each is the whole daemon as `serve` builds it (its own pool,
/// background loops and data directory; one document directory shared),
/// both on one manual clock, so the windows and limits line up exactly.
@Suite("Two issuer instances on one PostgreSQL database", .serialized)
struct TwoInstancesTests {
    static let start: Int64 = 1_800_000_000

    struct Pair {
        let a: IssuerServices
        let b: IssuerServices
        let clock: ManualClock
        let directory: URL
    }

    /// Two instances' services on a new database, its URL as an operator
    /// writes it (no password: that comes from the credentials).
    static func pair(configure: (inout IssuerConfiguration) -> Void = { _ in }) async throws -> Pair {
        let server = try PostgresTestServer.shared()
        let name = try server.createDatabase(prefix: "pair")
        let directory = try ProjectPaths.temporaryDirectory("two-instances")
        let clock = ManualClock(start)
        let credentials = IssuerCredentials(kek: KeyEncryptionKey.generate().key, rootKey: RootSigningKey.generate(), bootstrapAdminTokenHash: nil,
                                            postgresPassword: server.password)
        var logger = Logger(label: "two-instances")
        logger.logLevel = .critical
        func instance(_ label: String) async throws -> IssuerServices {
            var configuration = IssuerConfiguration()
            configuration.bcryptCost = 4
            configuration.rotateInDaemon = false
            configuration.humanCheckLogin = .never
            configuration.port = 0
            configuration.dataDirectory = directory.appendingPathComponent(label).path
            configuration.documentDirectoryPath = directory.appendingPathComponent("documents").path
            configuration.postgres = try PostgresConnectionSettings(url: server.url(database: name), passwordAllowedInURL: false)
            configuration.postgres?.poolSize = 4
            configure(&configuration)
            return try await IssuerServices.open(configuration: configuration, credentials: credentials, clock: clock.epochClock, logger: logger)
        }
        return Pair(a: try await instance("a"), b: try await instance("b"), clock: clock, directory: directory)
    }

    /// Runs `body` with both daemons running (pools, migrations, loops) and a client on each.
    static func running(_ pair: Pair, _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void) async throws {
        try await buildApplication(pair.a).test(.router) { a in
            try await buildApplication(pair.b).test(.router) { b in try await body(a, b) }
        }
    }

    static func login(_ client: any TestClientProtocol, _ login: String, _ password: String) async throws -> TestResponse {
        try await client.send(.post, "/v1/session", bearer: nil, json: ["login": login, "password": password])
    }

    static func sessionToken(_ response: TestResponse) throws -> String {
        try #require(try jsonObject(response.body)["session_token"] as? String)
    }

    @Test func bothMigrateAtOnceAndShareSessionsTokensLockoutsAndClientLimits() async throws {
        let pair = try await Self.pair { $0.addressAttemptsPerMinute = 8 }
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        try await Self.running(pair) { a, b in
            // Both started on an empty database: it was migrated once, and both answer.
            let samples = pair.a.samples
            _ = try await samples.ensureKeys(actor: "test")
            try await samples.seedDemoAlumnus(actor: "test")
            try await pair.b.samples.seedDemoAlumnus(actor: "test") // the seed is idempotent across instances

            // A session made on one instance works on the other, and both hand out the same token in one window.
            let session = try Self.sessionToken(try await Self.login(a, DemoAlumnus.studentID, DemoAlumnus.password))
            #expect(try await b.send(.get, "/v1/card", bearer: session).status == .ok)
            let tokenOfA = try jsonObject(try await a.send(.get, "/v1/card/token", bearer: session).body)["token"] as? String
            let tokenOfB = try jsonObject(try await b.send(.get, "/v1/card/token", bearer: session).body)["token"] as? String
            #expect(tokenOfA != nil && tokenOfA == tokenOfB, "one window, one token, whichever instance answers")

            // Failures spread over both instances add up to one lockout (five by default).
            pair.clock.advance(by: 60)
            for (index, client) in [a, b, a, b, a].enumerated() {
                let status = try await Self.login(client, "R09999999", "wrong password \(index)").status
                #expect(status == .unauthorized, "failure \(index + 1) is an ordinary failure")
            }
            #expect(try await Self.login(b, "R09999999", "wrong password again").status == .tooManyRequests)
            #expect(try await Self.login(a, "R09999999", "wrong password again").status == .tooManyRequests)

            // The per-client limit (eight a minute here) is one limit across both, not eight each.
            pair.clock.advance(by: 120)
            for index in 0..<8 {
                let status = try await Self.login(index.isMultiple(of: 2) ? a : b, "R0988888\(index)", "wrong").status
                #expect(status == .unauthorized, "attempt \(index + 1) of 8 is allowed")
            }
            #expect(try await Self.login(a, "R09777777", "wrong").status == .tooManyRequests, "the ninth, on either instance, is refused")
            #expect(try await Self.login(b, "R09777778", "wrong").status == .tooManyRequests)

            // Signing out on one ends the session on the other (within the session cache's 5 s).
            let ended = try await a.send(.delete, "/v1/session", bearer: session).status
            #expect(ended == .noContent || ended == .ok)
            pair.clock.advance(by: 6)
            #expect(try await b.send(.get, "/v1/card", bearer: session).status == .unauthorized)
        }
    }

    @Test func aRotationDueOnBothMakesOneKeyAndQueuedMailIsSentOnce() async throws {
        let pair = try await Self.pair()
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        try await Self.running(pair) { _, _ in
            _ = try await pair.a.samples.ensureKeys(actor: "test")
            let before = try await pair.a.repositories.keys.ring().keys.count

            // Past the rotation period, both instances' timers fire at the same moment.
            pair.clock.advance(by: pair.a.configuration.rotationPolicy.rotationPeriod + 1)
            async let onA = pair.a.rotationTick()
            async let onB = pair.b.rotationTick()
            let changes = await (onA, onB)
            let ring = try await pair.b.repositories.keys.ring()
            #expect(ring.keys.count == before + 1, "exactly one new key: \(changes)")
            #expect(ring.active != nil)

            // Twelve queued mails; both instances deliver at once; each is written once, by one of them.
            let mails = (0..<12).map { OutgoingMail(kind: "test_notice", recipient: "person\($0)@example.org",
                                                    message: Array("Subject: notice \($0)\r\n\r\nbody\r\n".utf8)) }
            try await pair.a.repositories.outbox.enqueue(mails, now: pair.clock.now)
            async let sentByA = pair.a.deliverMail()
            async let sentByB = pair.b.deliverMail()
            _ = await (sentByA, sentByB)
            var written: [String] = []
            for label in ["a", "b"] {
                let directory = pair.directory.appendingPathComponent("\(label)/mail")
                written += ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix("test_notice.eml") }
            }
            #expect(written.count == 12 && Set(written).count == 12, "each mail written once across both instances: \(written.sorted())")
            let summary = try await pair.b.repositories.outbox.summary(status: nil, limit: 1)
            #expect(summary.sent == 12 && summary.queued == 0)
        }
    }

    /// Issue #28 on PostgreSQL across instances: an e-mail change asked on
    /// one is confirmed on the other, a contact change on one shows on the
    /// other, and a session ended from one stops on the other within the
    /// session cache's 5 seconds.
    @Test func theOwnAccountEndpointsWorkAcrossInstances() async throws {
        let pair = try await Self.pair()
        defer { try? FileManager.default.removeItem(at: pair.directory) }
        try await Self.running(pair) { a, b in
            _ = try await pair.a.samples.ensureKeys(actor: "test")
            try await pair.a.samples.seedDemoAlumnus(actor: "test")
            let onA = try Self.sessionToken(try await Self.login(a, DemoAlumnus.studentID, DemoAlumnus.password))
            let onB = try Self.sessionToken(try await Self.login(b, DemoAlumnus.studentID, DemoAlumnus.password))

            let changed = try await a.send(.patch, "/v1/account", bearer: onA, json: ["phone": "02-3366-1234"])
            #expect(changed.status == .ok)
            #expect(try jsonObject(try await b.send(.get, "/v1/account", bearer: onB).body)["phone"] as? String == "02-3366-1234")

            #expect(try await a.send(.post, "/v1/account/email", bearer: onA,
                                     json: ["email": "demo.new@example.org", "current_password": DemoAlumnus.password]).status == .accepted)
            _ = await pair.a.deliverMail()
            let mailDirectory = pair.directory.appendingPathComponent("a/mail").path
            let toNew = try #require(try DeliveredMail.all(in: mailDirectory).last { $0.recipient == "demo.new@example.org" })
            let code = String(try #require(toNew.body.split(whereSeparator: { !($0.isASCII && $0.isNumber) }).first { $0.count == 6 }))
            let confirmed = try await b.send(.post, "/v1/account/email/confirm", bearer: onB, json: ["code": code])
            #expect(try confirmed.status == .ok && (jsonObject(confirmed.body)["email"] as? String) == "demo.new@example.org")
            #expect(try await Self.login(a, DemoAlumnus.email, DemoAlumnus.password).status == .unauthorized, "the old address no longer signs in")
            #expect(try await Self.login(b, "demo.new@example.org", DemoAlumnus.password).status == .created)

            // B's session, ended from A's list.
            let listed = try jsonObject(try await a.send(.get, "/v1/account/sessions", bearer: onA).body)["sessions"] as? [[String: Any]] ?? []
            let current = listed.filter { $0["current"] as? Bool == true }
            #expect(listed.count == 3 && current.count == 1, "A's, B's and the last sign-in's; one is this one")
            #expect(try await a.send(.post, "/v1/account/sessions/end-others", bearer: onA).status == .noContent)
            pair.clock.advance(by: 6)
            #expect(try await b.send(.get, "/v1/account", bearer: onB).status == .unauthorized)
            #expect(try await b.send(.get, "/v1/account", bearer: onA).status == .ok, "the session that ended the others stays")
        }
    }
}
