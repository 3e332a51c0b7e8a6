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
import Logging
import NIOCore
import Synchronization
import Testing
import TestSupport

/// Issue #26: a database written before the storage was reshaped (schema
/// v8) opens, takes only the migrations after it, and serves its holders,
/// cards, sessions and keys.
@Suite("A database written by an earlier version")
struct StoredDatabaseTests {
    static let fixture = ProjectPaths.packageRoot.appendingPathComponent("Tests/Fixtures/issuer-data-v8")
    /// A minute after the fixture's session was created.
    static let now: Int64 = 1_796_591_737 + 60

    /// The fixture copied to a private directory, as `serve --dev` finds its data directory.
    static func copy() throws -> URL {
        let directory = try ProjectPaths.temporaryDirectory("stored-v8")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        for name in ["issuer.sqlite", "kek", "root.jwk", "root.pub.jwk", "admin-token"] {
            let target = directory.appendingPathComponent(name)
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: target)
            try FileManager.default.setAttributes([.posixPermissions: name == "root.pub.jwk" ? 0o644 : 0o600], ofItemAtPath: target.path)
        }
        return directory
    }

    static func migrations(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    @Test func theV8DatabaseMigratesForwardAndServesItsHoldersCardsSessionsAndKeys() async throws {
        let directory = try Self.copy()
        let database = directory.appendingPathComponent("issuer.sqlite").path
        let before = try Self.migrations(database)
        #expect(before.count == 8 && before.last?.hasPrefix("v8:") == true)

        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.rotateInDaemon = false
        configuration.humanCheckLogin = .never
        let made = try DevelopmentSetup.prepare(&configuration)
        #expect(made.isEmpty, "the fixture's secrets are used, none made: \(made)")
        let credentials = try IssuerCredentials.load(configuration, environment: [:])
        let clock = ManualClock(Self.now)
        var logger = Logger(label: "stored-v8")
        logger.logLevel = .warning
        let services = try IssuerServices(configuration: configuration, credentials: credentials, clock: clock.epochClock, logger: logger)
        // By name, "v10" sorts before "v2": compare what was added, not the order.
        let after = try Self.migrations(database)
        #expect(after.count == before.count + 2 && Set(after).subtracting(before) == [
            "v9: leases, so work that must happen once is done by one instance; mail claimed while it is sent",
            "v10: the alumnus's own account: profile and reminder switch, sessions' last use and browser, e-mail changes, data requests, card reminders",
        ], "only the migrations after v8 ran, and the data below is as stored")

        // Holders and cards as stored.
        let holder = try #require(try services.accounts.holder(studentID: "R09000001"))
        #expect(holder.displayName == "林小明" && holder.email == "demo@alumni.example.org")
        #expect(try services.accounts.card(number: "A000001234")?.validThrough.description == "2030-12-31")
        #expect(try services.keyStore.ring().keys.contains { $0.state == .active })

        let root = try RootPublicKey(jwk: try JSONDecoder().decode(JSONWebKey.self, from: Data(contentsOf: directory.appendingPathComponent("root.pub.jwk"))))
        let session = try String(contentsOf: Self.fixture.appendingPathComponent("session-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let app = buildApplication(services)
        try await app.test(.router) { client in
            // The stored session still signs its holder in, and a token from it verifies under the stored key set.
            let card = try jsonObject(try await client.send(.get, "/v1/card", bearer: session).body)
            #expect(card["student_id"] as? String == "R09000001")
            let token = try #require(try jsonObject(try await client.send(.get, "/v1/card/token", bearer: session).body)["token"] as? String)
            let keySet = try await client.execute(uri: "/.well-known/alumni-card/keyset.jws", method: .get) { String(buffer: $0.body) }
            let verdict = KeySetVerifier(pinnedRoots: [root]).verify(keySet, heldSeq: nil, now: Self.now)
            #expect(verdict.isOK, "the served key set verifies under the stored root: \(verdict.detail)")
            let keys = try #require(verdict.document).trustedKeys()
            #expect(TokenVerifier(keys: keys).verify(token, now: Self.now).reason == .ok)
            // The demo password still signs in.
            let login = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "R09000001", "password": "demo-password"])
            #expect(login.status == .created)
        }
    }

    /// Issue #26: the daemon's build opens the storage without touching its
    /// schema; the migrations run in `beforeServerStarts`, before `prepare`
    /// and before any background loop reads a table.
    @Test func theDaemonMigratesANewDatabaseBeforeItServesAndNotWhenItIsBuilt() async throws {
        let directory = try ProjectPaths.temporaryDirectory("fresh-start")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.humanCheckLogin = .never
        _ = try DevelopmentSetup.prepare(&configuration)
        let credentials = try IssuerCredentials.load(configuration, environment: [:])
        var logger = Logger(label: "fresh-start")
        logger.logLevel = .warning
        let pendingAtPrepare = Mutex<Int?>(nil)
        let app = try await buildApplication(configuration: configuration, credentials: credentials, logger: logger, prepare: { services in
            pendingAtPrepare.withLock { $0 = try? services.database.pendingMigrations().count }
            _ = try await services.ensureSigningKey(actor: "test")
        })
        let tables = try await DatabaseQueue(path: configuration.database).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(tables.isEmpty, "built, not yet migrated: \(tables)")
        try await app.test(.router) { client in
            #expect(pendingAtPrepare.withLock { $0 } == 0, "prepare ran after every migration")
            let ready = try await client.execute(uri: "/readyz", method: .get) { $0.status }
            #expect(ready == .ok)
        }
        #expect(try Self.migrations(configuration.database).count >= 8, "every migration applied")
    }

    /// The wrong KEK still stops the daemon, now when it prepares the
    /// storage rather than when it is built.
    @Test func aWrongKEKStopsTheDaemonBeforeItListens() async throws {
        let directory = try Self.copy()
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory.path
        let kek = directory.appendingPathComponent("kek")
        try KeyEncryptionKey.generate().fileContents.write(to: kek)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: kek.path)
        _ = try DevelopmentSetup.prepare(&configuration)
        let credentials = try IssuerCredentials.load(configuration, environment: [:])
        var logger = Logger(label: "wrong-kek")
        logger.logLevel = .critical
        let app = try await buildApplication(configuration: configuration, credentials: credentials, logger: logger)
        await #expect(throws: IssuerServiceError.self) {
            try await app.test(.router) { _ in Issue.record("the daemon answered with the wrong KEK") }
        }
    }
}
