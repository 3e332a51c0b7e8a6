import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for the tests: made with `initdb` in a
/// temporary directory, listening on a free loopback port with password
/// (SCRAM) authentication, started once per test process and stopped when
/// that process ends (a watchdog beside the server sees it go, so a killed
/// test run leaves no server behind). PostgreSQL refuses to run as root, so
/// as root the cluster belongs to the `postgres` user, as Debian's package
/// makes it. A test that needs it fails, never skips, when it cannot start.
public final class PostgresTestServer: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public let host = "127.0.0.1"
    public let port: Int
    public let username = "alumnicard"
    public let password: String
    let binaries: URL
    let directory: URL

    /// The cluster of this test process, started on first use.
    public static func shared() throws -> PostgresTestServer {
        try started.withLock { state in
            if let server = state.server { return server }
            if let failure = state.failure { throw failure }
            do {
                let server = try PostgresTestServer()
                state.server = server
                return server
            } catch let failure as Failure {
                state.failure = failure
                throw failure
            }
        }
    }

    private struct State: Sendable {
        var server: PostgresTestServer?
        var failure: Failure?
    }

    private static let started = Mutex(State())

    private init() throws(Failure) {
        binaries = try Self.findBinaries()
        password = (0..<24).map { _ in "abcdefghijkmnpqrstuvwxyz23456789".randomElement()! }.map(String.init).joined()
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("alumnicard-pg-\(getpid())-\(UUID().uuidString.prefix(8))")
        port = Self.freePort()
        let asRoot = getuid() == 0
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let passwordFile = directory.appendingPathComponent("password")
            try Data(password.utf8).write(to: passwordFile)
            if asRoot { try run(URL(fileURLWithPath: "/bin/chown"), ["-R", "postgres:postgres", directory.path]) }
            try run(binaries.appendingPathComponent("initdb"), [
                "-D", directory.appendingPathComponent("data").path, "-U", username, "--auth=scram-sha-256", "--pwfile=\(passwordFile.path)",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ], asPostgres: asRoot)
            try Self.makeCertificates(in: directory)
            if asRoot { try run(URL(fileURLWithPath: "/bin/chown"), ["-R", "postgres:postgres", directory.path]) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot prepare a PostgreSQL cluster in \(directory.path): \(error)")
        }
        // The server runs under a watchdog shell: when this test process is
        // gone, it stops the server and removes the cluster.
        let postgres = binaries.appendingPathComponent("postgres").path
        let data = directory.appendingPathComponent("data").path
        let script = """
            "\(postgres)" -D "\(data)" -p \(port) -k "\(directory.path)" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                -c full_page_writes=off -c max_connections=300 -c log_min_messages=warning \
                -c ssl=on -c ssl_cert_file="\(directory.path)/server.pem" -c ssl_key_file="\(directory.path)/server.key" >"\(directory.path)/server.log" 2>&1 &
            server=$!
            while [ -d /proc/\(getpid()) ] && kill -0 $server 2>/dev/null; do sleep 1; done
            kill -INT $server 2>/dev/null; wait $server; rm -rf "\(directory.path)"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asRoot ? "/usr/sbin/runuser" : "/bin/sh")
        process.arguments = asRoot ? ["-u", "postgres", "--", "/bin/sh", "-c", script] : ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure(description: "cannot start postgres: \(error)") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? run(binaries.appendingPathComponent("pg_isready"), ["-h", host, "-p", String(port), "-q"])) != nil { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        throw Failure(description: "PostgreSQL did not start on \(host):\(port) within 30 s: \(log.suffix(2_000))")
    }

    /// The CA that signed the server's certificate (for `localhost` only,
    /// not for 127.0.0.1, so that `verify-full` can be seen to check the
    /// name). The server takes TLS and plain connections alike.
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }

    /// A throwaway CA and a server certificate for `localhost`, by openssl.
    public static func makeCertificates(in directory: URL, serverName: String = "localhost") throws(Failure) {
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        do {
            try Data("subjectAltName=DNS:\(serverName)\n".utf8).write(to: directory.appendingPathComponent("server.ext"))
        } catch { throw Failure(description: "cannot write server.ext: \(error)") }
        for arguments in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"),
             "-days", "3", "-subj", "/CN=alumnicard test CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"),
             "-subj", "/CN=\(serverName)"],
            ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("server.pem"),
             "-days", "3", "-extfile", path("server.ext")],
        ] {
            let result: ExternalTool.Result
            do { result = try ExternalTool.runCollecting(openssl, arguments) } catch { throw Failure(description: "openssl: \(error)") }
            guard result.status == 0 else { throw Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")): \(result.standardError)") }
        }
        chmod(path("server.key"), 0o600)
    }

    /// A new, empty database on the cluster; returns its name.
    public func createDatabase(prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL through `psql` as the cluster's owner, on `database`.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try ExternalTool.runCollecting(binaries.appendingPathComponent("psql"),
                                                    ["-h", host, "-p", String(port), "-U", username, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                                                    environment: ["PGPASSWORD": password, "PATH": "/usr/bin:/bin"])
        guard result.status == 0 else { throw Failure(description: "psql \(sql.prefix(200)): \(result.standardError)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The cluster's password in a 0600 file under `directory`, as an
    /// operator gives it (`storage.postgres_password_file`).
    public func writePasswordFile(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("postgres-password")
        try Data((password + "\n").utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file
    }

    /// A libpq URL of `database`, without the password (the daemon reads that from a file).
    public func url(database: String) -> String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=disable"
    }

    private func run(_ executable: URL, _ arguments: [String], asPostgres: Bool = false) throws(Failure) {
        let result: ExternalTool.Result
        do {
            result = asPostgres
                ? try ExternalTool.runCollecting(URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "postgres", "--", executable.path] + arguments)
                : try ExternalTool.runCollecting(executable, arguments)
        } catch {
            throw Failure(description: "\(executable.lastPathComponent): \(error)")
        }
        guard result.status == 0 else { throw Failure(description: "\(executable.lastPathComponent) exited \(result.status): \(result.standardError)") }
    }

    /// PostgreSQL's programs: Debian keeps them under /usr/lib/postgresql/N/bin.
    private static func findBinaries() throws(Failure) -> URL {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = URL(fileURLWithPath: "\(root)/\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw Failure(description: "PostgreSQL is not installed (no \(root)/N/bin/initdb); scripts/test installs Debian's postgresql package")
    }

    private static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
