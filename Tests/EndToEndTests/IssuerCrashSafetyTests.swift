import AccountRules
import CardKeys
import CardToken
import Foundation
import GRDB
import IssuerStore
import IssuerStoreSQLite
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// The issuer under a scripted workload, SIGKILLed at random moments 50
/// times and restarted on the same data directory each time; then what a
/// crash must never do is checked (docs/reliability.md, "Crash safety").
@Suite("The issuer survives SIGKILL", .serialized, .onItsOwnThread)
struct IssuerCrashSafetyTests {
    static let kills = 50
    static let batchSize = 8
    /// Every tenth life is killed only once its card application has been
    /// answered (at a random moment after it): a card application comes
    /// last in a life, after an import and three bcrypt logins, and on a
    /// loaded machine a life killed by the clock alone may never get there.
    static func waitsForTheCardApplication(_ life: Int) -> Bool { life % 10 == 0 }

    /// What the workload was told had happened, and what it only tried.
    struct Record: Sendable {
        var importsTried: [String] = []
        var importsAnswered: [String] = []
        var applications: [String] = []
        var cardApplications: [String] = []
        var tokens: [(text: String, at: Date)] = []

        mutating func merge(_ other: Record) {
            importsTried += other.importsTried
            importsAnswered += other.importsAnswered
            applications += other.applications
            cardApplications += other.cardApplications
            tokens += other.tokens
        }
    }

    /// A valid national ID of the form A2nnnnnnnc, distinct for each `serial`.
    static func nationalID(_ serial: Int) throws -> String {
        let body = "A2" + String(format: "%07d", serial % 10_000_000)
        for check in 0...9 where (try? IdentityNumber(body + String(check))) != nil { return body + String(check) }
        throw ExternalTool.Failure(description: "no check digit makes \(body) valid")
    }

    static func batchPrefix(_ life: Int) -> String { "K26" + String(format: "%03d", life) }

    /// Key rotations, a registrar import, and a card application by a
    /// holder that import brought, until the daemon dies; `cardApplied` is
    /// called once the card application has been answered.
    static func keysImportsAndCards(_ base: String, admin: String, life: Int, cardApplied: @Sendable () -> Void) async -> Record {
        var record = Record()
        let prefix = batchPrefix(life)
        do {
            _ = try await LoopbackHTTP.request(.POST, base + "/v1/admin/keys/rotate", bearer: admin)
            var csv = "student_id,display_name,email,national_id\n"
            for n in 1...batchSize {
                csv += "\(prefix)\(String(format: "%03d", n)),校友\(life)-\(n),k\(life)-\(n)@example.org,\(try nationalID(life * 100 + n))\n"
            }
            record.importsTried.append(prefix)
            let imported = try await LoopbackHTTP.request(.POST, base + "/v1/admin/cards/import", bearer: admin, text: csv)
            if imported.status == 200 {
                record.importsAnswered.append(prefix)
                let studentID = prefix + "001", nationalID = try nationalID(life * 100 + 1)
                let forced = try #require(try await AccountFlowTests.login(base, studentID, nationalID).object["session_token"] as? String)
                let changed = try await LoopbackHTTP.request(.POST, base + "/v1/account/password", bearer: forced,
                                                             json: ["current_password": nationalID, "new_password": "Card-holder-2026"])
                #expect(changed.status == 204)
                let session = try await AccountFlowTests.login(base, studentID, "Card-holder-2026").object["session_token"] as? String
                let card = try await CardFlowTests.apply(base, try #require(session))
                if card.status == 201, let id = card.object["application_id"] as? String { record.cardApplications.append(id) }
                cardApplied()
            }
            while true {
                _ = try await LoopbackHTTP.request(.POST, base + "/v1/admin/keys/rotate", bearer: admin)
                try await Task.sleep(for: .milliseconds(250))
            }
        } catch {
            return record // the daemon was killed mid-request
        }
    }

    /// Account applications with their uploads (two a life), and the demo
    /// holder's token, until the daemon dies.
    static func applicationsAndTokens(_ base: String, life: Int) async -> Record {
        var record = Record()
        do {
            let demo = try #require(try await AccountFlowTests.login(base, "R09000001", "demo-password").object["session_token"] as? String)
            while true {
                let token = try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: demo)
                if token.status == 200, let text = token.object["token"] as? String { record.tokens.append((text, Date())) }
                if record.applications.count < 2 {
                    let applied = try await AccountFlowTests.apply(base, email: "applicant\(life)@example.org")
                    if applied.status == 202, let id = applied.object["application_id"] as? String { record.applications.append(id) }
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        } catch {
            return record
        }
    }

    static func database(_ setup: AccountFlowTests.Setup) throws -> AppDatabase {
        try AppDatabase.open(path: setup.directory.appendingPathComponent("data/issuer.sqlite").path)
    }

    /// Where the killed issuer keeps its data (issue #27: the loop runs on both).
    enum Backend: String, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }
    }

    /// The first column of each row `sql` answers, as text: read with GRDB
    /// from the SQLite file, or with psql from the PostgreSQL database.
    static func column(_ sql: String, setup: AccountFlowTests.Setup, postgres: String?) throws -> [String] {
        if let postgres { return try PostgresTestServer.shared().psql(sql, database: postgres).split(separator: "\n").map(String.init) }
        return try database(setup).writer.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                switch (row[0] as DatabaseValue).storage {
                case .int64(let value): String(value)
                case .string(let value): value
                default: "\(row[0] as DatabaseValue)"
                }
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func fiftyKillsDuringRotationsImportsApplicationsCardApplicationsAndMail(backend: Backend) async throws {
        // Two applications a life, one national ID, one client: past the daily and hourly limits by design.
        let limits = "per_client_hourly: 100000\n  per_national_id_daily: 1000"
        // Logins from one client in fifty lives: the per-client rate is kept in the database and outlives each kill (issue #27).
        var environment = ["ALUMNICARD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE": "100000"]
        var postgres: String?
        if backend == .postgres {
            let server = try PostgresTestServer.shared()
            let name = try server.createDatabase(prefix: "kill")
            let passwordFile = try server.writePasswordFile(in: try ProjectPaths.temporaryDirectory("kill-loop-password"))
            environment["ALUMNICARD_STORAGE_POSTGRES_URL"] = server.url(database: name)
            environment["ALUMNICARD_STORAGE_POSTGRES_PASSWORD_FILE"] = passwordFile.path
            postgres = name
        }
        var setup = try await AccountFlowTests.setUp("issuer-kill-loop", extra: limits, environment: environment)
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        var random = SeededRandom(seed: 0xAC1_C0DE)
        var record = Record()
        let admin = setup.admin

        for life in 1...Self.kills {
            let base = setup.daemon.baseURL
            let patient = Self.waitsForTheCardApplication(life)
            // From the start of the life, or from the card application's answer in a patient one.
            let lifetime = Duration.milliseconds(patient ? Int.random(in: 0...400, using: &random) : Int.random(in: 300...2_500, using: &random))
            let daemon = setup.daemon
            let (cardApplication, cardApplied) = AsyncStream<Void>.makeStream()
            let workload = await withTaskGroup(of: Record?.self) { group -> Record in
                group.addTask { await Self.keysImportsAndCards(base, admin: admin, life: life) { cardApplied.yield() } }
                group.addTask { await Self.applicationsAndTokens(base, life: life) }
                group.addTask {
                    if patient {
                        // A minute bounds the wait: the count checked below then says what went wrong.
                        await withTaskGroup(of: Void.self) { wait in
                            wait.addTask { for await _ in cardApplication { return } }
                            wait.addTask { try? await Task.sleep(for: .seconds(60)) }
                            await wait.next()
                            wait.cancelAll()
                        }
                    }
                    try? await Task.sleep(for: lifetime)
                    _ = try? await offCooperativePool { daemon.stop(signal: SIGKILL) }
                    return nil
                }
                var merged = Record()
                // Once the daemon is dead, requests still in flight are given up.
                for await part in group {
                    if let part { merged.merge(part) } else { group.cancelAll() }
                }
                return merged
            }
            #expect(daemon.process.terminationReason == .uncaughtSignal && daemon.process.terminationStatus == SIGKILL,
                    "life \(life) ended by itself: \(daemon.printed.suffix(2_000))")
            record.merge(workload)
            // Every restart opens the same data directory: a crash never leaves it unopenable.
            setup.daemon = try await AccountFlowTests.startIssuer(setup.directory, smtpPort: setup.sinkPort, extra: limits, environment: environment)
        }
        let base = setup.daemon.baseURL

        // The workload got real work done between the kills.
        #expect(record.importsAnswered.count >= Self.kills / 4, "\(record.importsAnswered.count) imports answered")
        #expect(record.applications.count >= Self.kills / 4, "\(record.applications.count) applications accepted")
        // Every patient life reaches its card application, whatever the load.
        let patientLives = (1...Self.kills).filter(Self.waitsForTheCardApplication).count
        #expect(record.cardApplications.count >= patientLives, "\(record.cardApplications.count) card applications accepted")
        #expect(record.tokens.count >= Self.kills / 2, "\(record.tokens.count) tokens handed out")
        print("issuer kill loop: \(Self.kills) kills; answered \(record.importsAnswered.count) imports, \(record.applications.count) applications, "
              + "\(record.cardApplications.count) card applications, \(record.tokens.count) tokens")

        // Exactly one active key, and a key set a merchant accepts.
        let keys = try await LoopbackHTTP.request(.GET, base + "/v1/admin/keys", bearer: admin)
        let states = (keys.object["keys"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
        #expect(states.filter { $0 == "active" }.count == 1, "\(states)")
        let jws = String(decoding: try await LoopbackHTTP.request(.GET, base + "/.well-known/alumni-card/keyset.jws").data, as: UTF8.self)
        let rootJWK = try JSONDecoder().decode(JSONWebKey.self, from: Data(contentsOf: setup.directory.appendingPathComponent("data/root.pub.jwk")))
        let now = Date()
        let keySet = KeySetVerifier(pinnedRoots: [try RootPublicKey(jwk: rootJWK)]).verify(jws, heldSeq: nil, now: Int64(now.timeIntervalSince1970))
        #expect(keySet.isOK, "\(keySet.detail)")

        // Every token handed out verifies offline against that key set, or
        // has reached its own exp (a token ends with its window, however
        // recently it was handed out); none is unknown, forged or malformed.
        let verifier = TokenVerifier(keys: try #require(keySet.document).trustedKeys())
        var live = 0
        for token in record.tokens {
            let verdict = verifier.verify(token.text, now: Int64(now.timeIntervalSince1970))
            if verdict.reason == .ok { live += 1 }
            #expect(verdict.reason == .ok || verdict.reason == .expired, "a token handed out \(Int(now.timeIntervalSince(token.at))) s ago: \(verdict.detail)")
        }
        #expect(live > 0)

        // Every application holds both its documents; those accepted here, byte for byte. (Two a life: one page of 500 holds them.)
        let accepted = try await LoopbackHTTP.request(.GET, base + "/v1/admin/account-applications?status=pending&limit=500", bearer: admin)
        let listed = Set((accepted.object["applications"] as? [[String: Any]] ?? []).compactMap { $0["application_id"] as? String })
        #expect(Set(record.applications).isSubset(of: listed), "accepted applications missing from the queue")
        for id in listed {
            let document = try await LoopbackHTTP.request(.GET, base + "/v1/admin/account-applications/\(id)/documents/id_document", bearer: admin)
            let photo = try await LoopbackHTTP.request(.GET, base + "/v1/admin/account-applications/\(id)/documents/photo", bearer: admin)
            #expect(document.status == 200 && photo.status == 200 && !document.data.isEmpty && !photo.data.isEmpty, "application \(id)")
            // The development seed's sample brings its own files; every one this workload sent is the fixtures.
            if record.applications.contains(id) {
                #expect(Array(document.data) == (try AccountFlowTests.fixture("id-document.pdf")), "application \(id): id_document")
                #expect(Array(photo.data) == (try AccountFlowTests.fixture("photo.jpg")), "application \(id): photo")
            }
        }

        // Every queued mail leaves; then the sink is compared with the outbox.
        try await MerchantVerifierTests.waitUntil("the outbox is empty") {
            let mail = try await LoopbackHTTP.request(.GET, base + "/v1/admin/mail?status=queued", bearer: admin)
            return mail.object["queued"] as? Int == 0
        }
        #expect(setup.daemon.stop() == 0)

        if postgres == nil { #expect(try Self.database(setup).integrityCheck() == "ok") }
        func count(_ sql: String) throws -> Int { Int(try Self.column(sql, setup: setup, postgres: postgres).first ?? "") ?? -1 }
        let counts = (outbox: try count("SELECT count(*) FROM mail_outbox"),
                      unsent: try count("SELECT count(*) FROM mail_outbox WHERE status != 'sent'"),
                      applications: try count("SELECT count(*) FROM account_application"),
                      withoutDocuments: try count("""
                          SELECT count(*) FROM account_application a
                          WHERE (SELECT count(*) FROM application_document d WHERE d.application_id = a.id) != 2
                          """),
                      cardApplications: Set(try Self.column("SELECT id FROM card_application", setup: setup, postgres: postgres)),
                      issuedWithoutCard: try count("""
                          SELECT count(*) FROM card_application a LEFT JOIN card c ON c.number = a.card_number
                          WHERE a.status = 'issued' AND (c.number IS NULL OR c.holder_id != a.holder_id)
                          """),
                      // The prefixes are this test's own, K26 and three digits.
                      batches: try [String: Int](uniqueKeysWithValues: record.importsTried.map { prefix in
                          (prefix, try count("SELECT count(*) FROM holder WHERE upper(student_id) LIKE '\(prefix)%'"))
                      }))
        #expect(counts.applications == listed.count)
        #expect(counts.withoutDocuments == 0)
        #expect(Set(record.cardApplications).isSubset(of: counts.cardApplications))
        #expect(counts.issuedWithoutCard == 0)
        // An import is all of its rows or none of them; an answered one is all.
        for (prefix, holders) in counts.batches {
            #expect(holders == 0 || holders == Self.batchSize, "batch \(prefix) is half imported: \(holders) of \(Self.batchSize)")
            if record.importsAnswered.contains(prefix) { #expect(holders == Self.batchSize, "answered batch \(prefix) lost rows") }
        }

        // At least once: every message in the outbox reached the relay. At
        // most once, in the normal case: a repeat needs a kill between the
        // relay's acceptance and the commit that marks the message sent.
        #expect(counts.unsent == 0)
        let identifiers = try FileManager.default.contentsOfDirectory(atPath: setup.mailDirectory.path).filter { $0.hasSuffix(".eml") }.map { name in
            let raw = String(decoding: try Data(contentsOf: setup.mailDirectory.appendingPathComponent(name)), as: UTF8.self)
            return raw.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: ") }.map(String.init) ?? "none in \(name)"
        }
        #expect(Set(identifiers).count == counts.outbox, "\(Set(identifiers).count) distinct messages reached the relay for \(counts.outbox) in the outbox")
        #expect(identifiers.count - Set(identifiers).count <= Self.kills, "\(identifiers.count - Set(identifiers).count) repeats")
    }
}
