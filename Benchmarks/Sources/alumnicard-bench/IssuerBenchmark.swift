import CardToken
import Foundation
import Hummingbird
import IssuerService
import IssuerStore
import IssuerStoreSQLite

/// What the HTTP benchmarks of the issuer need: a data directory with
/// 1,000 cards and a live session for each, and Hummingbird's minimal
/// fixed-body route as the framework's ceiling on this machine.
enum IssuerBenchmark {
    /// Makes `directory` (dev secrets, keys, `cards` holders with sessions
    /// and the password `Bench-password-1` at bcrypt cost 4) and writes
    /// `sessions.txt` (one bearer token per line) and `issuer.yaml` (the
    /// daemon's settings for the run: no human check at login and no
    /// per-address limit, so wrk measures the login itself).
    static func seed(directory: String, cards: Int) async throws {
        var configuration = IssuerConfiguration()
        configuration.dataDirectory = directory
        configuration.bcryptCost = 4
        _ = try DevelopmentSetup.prepare(&configuration)
        let services = try IssuerServices(configuration: configuration,
                                          credentials: try IssuerCredentials.load(configuration, environment: [:]))
        try await services.ensureSigningKey(actor: "bench")
        var csv = "student_id,display_name,email,card_number,valid_through\n"
        for index in 0..<cards {
            csv += String(format: "B%08d,林%@明,alumnus%d@example.org,A%09d,2031-12-31\n", index, "小", index, index)
        }
        let report = try services.sqlite!.accounts.importCSV(Data(csv.utf8), now: services.clock.now(), actor: "bench")
        precondition(report.applied, "the seed import was refused")
        var sessions: [String] = []
        let now = services.clock.now()
        let passwordHash = services.hasher.hash("Bench-password-1")
        for index in 0..<cards {
            let studentID = String(format: "B%08d", index)
            try services.sqlite!.accounts.setPasswordHash(studentID: studentID, hash: passwordHash, now: now, actor: "bench")
            guard let holder = try services.sqlite!.accounts.holder(studentID: studentID) else { continue }
            let token = BearerToken.generate(prefix: BearerToken.sessionPrefix)
            try services.sqlite!.accounts.createSession(holderID: holder.id, tokenHash: BearerToken.digest(token), now: now, expiresAt: now + 86_400)
            sessions.append(token)
        }
        try sessions.joined(separator: "\n").write(toFile: directory + "/sessions.txt", atomically: true, encoding: .utf8)
        let yaml = """
            storage:
              data_dir: \(directory)
            secrets:
              kek_file: \(directory)/kek
              root_key_file: \(directory)/root.jwk
            mail:
              # serve needs a relay; nothing in the benchmark sends mail.
              smtp_host: 127.0.0.1
              smtp_port: 9
              starttls: "off"
            logging:
              level: warning
            login:
              address_attempts_per_minute: 100000
            human_check:
              login: never
            applications:
              per_client_hourly: 100000
            """
        try yaml.write(toFile: directory + "/issuer.yaml", atomically: true, encoding: .utf8)
    }

    /// Serves `GET /fixed` with a fixed 2-byte body until stopped.
    static func minimalServer(port: Int) async throws {
        let router = Router()
        router.get("fixed") { _, _ in "ok" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
