import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Issue #27: two real issuer processes on one PostgreSQL database behind a
/// real nginx (the shipped `Config/nginx/issuer-balanced.conf`), the key
/// set published as static files and served by the same nginx to a real
/// merchant verifier, and one instance killed with SIGKILL while requests
/// flow.
@Suite("Two issuer processes on PostgreSQL behind nginx", .serialized, .onItsOwnThread)
struct ScaleOutTests {
    /// The secrets the second instance shares with the first: copies of the
    /// same files, as docs/scale-out.md says to make them.
    static let sharedSecrets = ["kek", "root.jwk", "root.pub.jwk", "admin-token"]

    struct Cluster {
        let directory: URL
        let database: String
        let environment: [String: String]
        let sink: RunningDaemon
        let sinkDirectory: URL
        var a: RunningDaemon
        var b: RunningDaemon
        var admin: String {
            String(decoding: (try? Data(contentsOf: directory.appendingPathComponent("a/data/admin-token"))) ?? Data(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The environment both instances share: the database (its password in
    /// a 0600 file, never in the URL), one document directory, nginx trusted.
    static func environment(_ directory: URL, server: PostgresTestServer, database: String) throws -> [String: String] {
        let passwordFile = try server.writePasswordFile(in: directory)
        return ["ALUMNICARD_STORAGE_POSTGRES_URL": server.url(database: database),
                "ALUMNICARD_STORAGE_POSTGRES_PASSWORD_FILE": passwordFile.path,
                "ALUMNICARD_STORAGE_DOCUMENT_DIR": directory.appendingPathComponent("documents").path,
                "ALUMNICARD_SERVER_TRUSTED_PROXIES": "127.0.0.1",
                "ALUMNICARD_HUMAN_CHECK_LOGIN": "never",
                "ALUMNICARD_LOGGING_LEVEL": "warning"]
    }

    static func startInstance(_ directory: URL, sinkPort: Int, environment: [String: String]) async throws -> RunningDaemon {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try await AccountFlowTests.startIssuer(directory, smtpPort: sinkPort, environment: environment)
    }

    static func start(_ label: String) async throws -> Cluster {
        let server = try PostgresTestServer.shared()
        let database = try server.createDatabase(prefix: "scale")
        let directory = try ProjectPaths.temporaryDirectory(label)
        let environment = try Self.environment(directory, server: server, database: database)
        let sinkPort = AccountFlowTests.freePort()
        let sinkDirectory = directory.appendingPathComponent("sink")
        let sink = try await AccountFlowTests.startSink(sinkDirectory, port: sinkPort)
        let a = try await startInstance(directory.appendingPathComponent("a"), sinkPort: sinkPort, environment: environment)
        // The second instance: a data directory of its own holding copies of the first one's secrets.
        let second = directory.appendingPathComponent("b/data")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in sharedSecrets {
            try FileManager.default.copyItem(at: directory.appendingPathComponent("a/data/\(name)"), to: second.appendingPathComponent(name))
            try FileManager.default.setAttributes([.posixPermissions: name == "root.pub.jwk" ? 0o644 : 0o600], ofItemAtPath: second.appendingPathComponent(name).path)
        }
        let b = try await startInstance(directory.appendingPathComponent("b"), sinkPort: sinkPort, environment: environment)
        return Cluster(directory: directory, database: database, environment: environment, sink: sink, sinkDirectory: sinkDirectory, a: a, b: b)
    }

    /// nginx with the shipped load-balancing block (its upstreams set to the
    /// two instances) and the shipped static key-set block, each on its port.
    static func startNginx(_ directory: URL, instances: [Int], port: Int, staticRoot: URL, staticPort: Int) throws -> Process {
        let shipped = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Config/nginx/issuer-balanced.conf"), encoding: .utf8)
        let balanced = shipped
            .replacingOccurrences(of: "server 127.0.0.1:8081 max_fails=2 fail_timeout=5s;", with: "server 127.0.0.1:\(instances[0]) max_fails=2 fail_timeout=5s;")
            .replacingOccurrences(of: "server 127.0.0.1:8082 max_fails=2 fail_timeout=5s;", with: "server 127.0.0.1:\(instances[1]) max_fails=2 fail_timeout=5s;")
            .replacingOccurrences(of: "listen 8080;", with: "listen 127.0.0.1:\(port);")
        #expect(balanced.contains(":\(instances[0]) ") && balanced.contains(":\(instances[1]) ") && balanced.contains(":\(port);"),
                "the test rewrote the shipped block's upstreams and listen line")
        let staticSite = try String(contentsOf: ProjectPaths.packageRoot.appendingPathComponent("Config/nginx/keyset-static.conf"), encoding: .utf8)
            .replacingOccurrences(of: "listen 8080;", with: "listen 127.0.0.1:\(staticPort);")
            .replacingOccurrences(of: "root /var/www/alumnicard-keyset;", with: "root \(staticRoot.path);")
        return try TestNginx.start(directory, sites: [balanced, staticSite])
    }

    /// Requests an instance has answered on `route`, from its /metrics.
    static func served(_ instance: RunningDaemon, route: String) async throws -> Int {
        let text = try await LoopbackHTTP.request(.GET, instance.baseURL + "/metrics").text
        return text.split(separator: "\n").filter { $0.hasPrefix("http_requests_total") && $0.contains("\"\(route)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
    }

    @Test func twoInstancesBehindNginxServeOneIssuerAndOneCarriesOnWhenTheOtherIsKilled() async throws {
        var cluster = try await Self.start("scale-out")
        defer {
            _ = cluster.a.stop()
            _ = cluster.b.stop()
            cluster.sink.stop()
            try? FileManager.default.removeItem(at: cluster.directory)
        }
        let admin = cluster.admin
        #expect(admin.hasPrefix("acadm_"))

        // An application submitted through one instance is reviewed through the other, documents included.
        let submitted = try await AccountFlowTests.apply(cluster.a.baseURL)
        #expect(submitted.status == 202, "\(submitted.text)")
        let id = try #require(submitted.object["application_id"] as? String)
        let queue = try await LoopbackHTTP.request(.GET, cluster.b.baseURL + "/v1/admin/account-applications", bearer: admin)
        #expect((queue.object["applications"] as? [[String: Any]])?.contains { $0["application_id"] as? String == id } == true)
        let photo = try await LoopbackHTTP.request(.GET, cluster.b.baseURL + "/v1/admin/account-applications/\(id)/documents/photo", bearer: admin)
        #expect(Array(photo.data) == (try AccountFlowTests.fixture("photo.jpg")), "the document sealed by one instance opens on the other")
        let approved = try await LoopbackHTTP.request(.POST, cluster.b.baseURL + "/v1/admin/account-applications/\(id)/approve", bearer: admin,
                                                      json: ["student_id": "R03922001"])
        #expect(approved.status == 200, "\(approved.text)")
        // Two mails (received, then approved), each sent once although both instances run the outbox.
        let mails = try await AccountFlowTests.mails(cluster.sinkDirectory, atLeast: 2)
        try await Task.sleep(for: .seconds(3)) // a second copy, if any, would arrive by now
        let all = ((try? FileManager.default.contentsOfDirectory(atPath: cluster.sinkDirectory.path)) ?? []).filter { $0.hasSuffix(".eml") }
        #expect(mails.count == 2 && all.count == 2, "each mail delivered once: \(all)")

        // nginx in front of both; the key set published as static files beside them.
        let www = cluster.directory.appendingPathComponent("www")
        let published = try ExternalTool.runCollecting(ProjectPaths.builtProduct("alumnicard"),
                                                       ["keyset", "publish", "--out", www.path, "--data-dir", cluster.directory.appendingPathComponent("b/data").path,
                                                        "--kek", cluster.directory.appendingPathComponent("b/data/kek").path],
                                                       environment: ["PATH": "/usr/bin:/bin"].merging(cluster.environment) { $1 })
        #expect(published.status == 0, "keyset publish reads the key set from PostgreSQL: \(published.standardError)")
        let port = AccountFlowTests.freePort(), staticPort = AccountFlowTests.freePort()
        let nginx = try Self.startNginx(cluster.directory, instances: [cluster.a.port, cluster.b.port], port: port, staticRoot: www, staticPort: staticPort)
        defer { nginx.terminate(); nginx.waitUntilExit() }
        let front = "http://127.0.0.1:\(port)"
        try await MerchantVerifierTests.waitUntil("nginx proxies to the instances") { try await LoopbackHTTP.request(.GET, front + "/readyz").status == 200 }

        // Logged in through nginx, the demo alumnus's card comes from both instances in turn.
        let login = try await LoopbackHTTP.request(.POST, front + "/v1/session", json: ["login": "R09000001", "password": "demo-password"])
        let session = try #require(login.object["session_token"] as? String, "\(login.text)")
        let before = (try await Self.served(cluster.a, route: "/v1/card/token"), try await Self.served(cluster.b, route: "/v1/card/token"))
        var tokens: Set<String> = []
        for _ in 0..<6 {
            let answer = try await LoopbackHTTP.request(.GET, front + "/v1/card/token", bearer: session)
            #expect(answer.status == 200, "\(answer.text)")
            if let token = answer.object["token"] as? String { tokens.insert(token) }
        }
        let after = (try await Self.served(cluster.a, route: "/v1/card/token"), try await Self.served(cluster.b, route: "/v1/card/token"))
        #expect(after.0 > before.0 && after.1 > before.1, "both instances answered: \(before) → \(after)")
        #expect(tokens.count == 1, "one window, one token from either instance")

        // A merchant verifier syncs from nginx's static copy (answered 304 when unchanged) and accepts the token.
        let verifier = try MerchantVerifierTests.startVerifier(cluster.directory, issuerPort: 0,
                                                               root: cluster.directory.appendingPathComponent("a/data/root.pub.jwk").path,
                                                               keySetURL: "http://127.0.0.1:\(staticPort)/.well-known/alumni-card/keyset.jws")
        defer { _ = verifier.stop() }
        try await MerchantVerifierTests.waitUntil("the verifier is ready") { try await LoopbackHTTP.request(.GET, verifier.baseURL + "/readyz").status == 200 }
        let verdict = try await MerchantVerifierTests.verify(verifier, try #require(tokens.first))
        #expect(verdict["verdict"] as? String == "ok", "\(verdict)")
        try await MerchantVerifierTests.waitUntil("nginx answered the verifier 304") {
            let log = (try? String(contentsOf: cluster.directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
            return log.split(separator: "\n").contains { $0.contains("keyset.jws") && $0.contains("\" 304 ") && $0.contains("alumnicard-verifier") }
        }

        // One instance killed in the middle of requests: the other carries on, and nothing written is lost.
        let killedAt = ContinuousClock.now
        async let load: [Int] = {
            var statuses: [Int] = []
            while ContinuousClock.now - killedAt < .seconds(4) {
                statuses.append((try? await LoopbackHTTP.request(.GET, front + "/v1/card/token", bearer: session).status) ?? 0)
            }
            return statuses
        }()
        try await Task.sleep(for: .milliseconds(300))
        kill(cluster.b.process.processIdentifier, SIGKILL)
        cluster.b.process.waitUntilExit()
        let statuses = await load
        #expect(statuses.count > 10, "requests flowed while the instance died: \(statuses.count)")
        // A request in flight on the killed instance may fail once; nginx takes it out and everything after succeeds.
        #expect(statuses.suffix(5).allSatisfy { $0 == 200 }, "the survivor carries on: \(statuses)")
        #expect(statuses.filter { $0 != 200 }.count <= 2, "at most the requests in flight at the kill failed: \(statuses)")
        let first = try await AccountFlowTests.login(front, "r03922001", AccountFlowTests.nationalID.lowercased())
        #expect(first.status == 201, "the account approved before the kill signs in through the survivor: \(first.text)")
        // The killed instance restarts on the same database and serves the same session.
        cluster.b = try await Self.startInstance(cluster.directory.appendingPathComponent("b"), sinkPort: AccountFlowTests.freePort(), environment: cluster.environment)
        let again = try await LoopbackHTTP.request(.GET, cluster.b.baseURL + "/v1/card", bearer: session)
        #expect(again.status == 200, "\(again.status) \(again.text)")
    }

    /// Two development instances started at the same moment on an empty
    /// database: one migrates, the other waits on the advisory lock and
    /// finds nothing to do; both seed (the seed tolerates the race) and serve.
    @Test func twoInstancesStartingTogetherOnAnEmptyDatabaseBothServe() async throws {
        let server = try PostgresTestServer.shared()
        let database = try server.createDatabase(prefix: "together")
        let directory = try ProjectPaths.temporaryDirectory("scale-together")
        defer { try? FileManager.default.removeItem(at: directory) }
        // The secrets, made once by a development start on SQLite, then copied.
        let first = try await Self.startInstance(directory.appendingPathComponent("a"), sinkPort: AccountFlowTests.freePort(), environment: [:])
        #expect(first.stop() == 0)
        let second = directory.appendingPathComponent("b/data")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in Self.sharedSecrets {
            try FileManager.default.copyItem(at: directory.appendingPathComponent("a/data/\(name)"), to: second.appendingPathComponent(name))
        }
        let environment = try Self.environment(directory, server: server, database: database)
        async let a = Self.startInstance(directory.appendingPathComponent("a"), sinkPort: AccountFlowTests.freePort(), environment: environment)
        async let b = Self.startInstance(directory.appendingPathComponent("b"), sinkPort: AccountFlowTests.freePort(), environment: environment)
        let (instanceA, instanceB) = try await (a, b)
        defer { _ = instanceA.stop(); _ = instanceB.stop() }
        let applied = try server.psql("SELECT count(*) FROM schema_migration", database: database)
        #expect(applied == (try server.psql("SELECT max(version) FROM schema_migration", database: database)), "each migration applied once")
        for instance in [instanceA, instanceB] {
            try await MerchantVerifierTests.waitUntil("an instance is ready") { try await LoopbackHTTP.request(.GET, instance.baseURL + "/readyz").status == 200 }
            let login = try await AccountFlowTests.login(instance.baseURL, "R09000001", "demo-password")
            #expect(login.status == 201, "\(login.text)")
        }
        #expect(try server.psql("SELECT count(*) FROM holder WHERE student_id = 'R09000001'", database: database) == "1", "one demo alumnus")
        #expect(try server.psql("SELECT count(*) FROM signing_key WHERE state = 'active'", database: database) == "1", "one active key")
    }
}
