import Foundation
import IssuerStore
import IssuerStorePostgres
import Logging
import PostgresNIO
import Testing
import TestSupport

/// Issue #27: the TLS modes of `storage.postgres_url` against a real
/// server with a certificate for `localhost` from a throwaway CA:
/// `verify-full` checks the chain and the name, `verify-ca` the chain
/// only, `require` encrypts without checking, `disable` does not encrypt.
@Suite("PostgreSQL over TLS", .serialized)
struct PostgresTLSTests {
    /// Whether the connection the URL describes works, and whether it is
    /// encrypted (pg_stat_ssl); nil when it is refused. One connection,
    /// with the TLS the pool would use, so a refusal is an error at once.
    static func connect(_ url: String) async throws -> Bool? {
        let server = try PostgresTestServer.shared()
        let settings = try PostgresConnectionSettings(url: url, passwordAllowedInURL: false)
        let logger = { var logger = Logger(label: "tls-test"); logger.logLevel = .critical; return logger }()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(password: server.password), id: 1, logger: logger)
        } catch is IssuerStoreError {
            throw IssuerStoreError(.databaseUnavailable, "the settings themselves were refused")
        } catch {
            return nil
        }
        defer { Task { try? await connection.close() } }
        var encrypted = false
        for try await ssl in try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger).decode(Bool.self) {
            encrypted = ssl
        }
        return encrypted
    }

    @Test func eachModeChecksWhatItSays() async throws {
        let server = try PostgresTestServer.shared()
        let ca = server.caFile
        let other = try ProjectPaths.temporaryDirectory("other-ca")
        defer { try? FileManager.default.removeItem(at: other) }
        try PostgresTestServer.makeCertificates(in: other)
        let wrongCA = other.appendingPathComponent("ca.pem").path
        let base = { (host: String) in "postgres://\(server.username)@\(host):\(server.port)/postgres" }

        #expect(try await Self.connect(base("localhost") + "?sslmode=verify-full&sslrootcert=\(ca)") == true, "the right CA and name: encrypted")
        #expect(try await Self.connect(base("127.0.0.1") + "?sslmode=verify-full&sslrootcert=\(ca)") == nil, "the certificate names localhost, not 127.0.0.1")
        #expect(try await Self.connect(base("127.0.0.1") + "?sslmode=verify-ca&sslrootcert=\(ca)") == true, "verify-ca checks the chain only")
        #expect(try await Self.connect(base("localhost") + "?sslmode=verify-full&sslrootcert=\(wrongCA)") == nil, "another CA is refused")
        #expect(try await Self.connect(base("localhost") + "?sslmode=require&sslrootcert=\(wrongCA)") == true, "require encrypts without checking")
        #expect(try await Self.connect(base("127.0.0.1") + "?sslmode=disable") == false, "disable: plain text")
    }
}
