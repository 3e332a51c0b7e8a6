import Foundation
import IssuerStore
import NIOSSL
import PostgresNIO

/// Where and how the issuer reaches PostgreSQL, read from a libpq URL
/// (`postgres://user@host:port/database?sslmode=verify-full&sslrootcert=/path`)
/// plus the settings the URL has no word for. The password never comes
/// from a URL written in a file: it comes from a password file or a
/// systemd credential (see ``init(url:passwordAllowedInURL:)``).
public struct PostgresConnectionSettings: Sendable, Equatable {
    /// How the connection is encrypted, in libpq's words.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP: loopback or a private network only.
        case disable
        /// Encrypted, the server's certificate not checked (libpq's `require`).
        case require
        /// Encrypted, the certificate checked against the CA file, not the host name.
        case verifyCA = "verify-ca"
        /// Encrypted, the certificate and the host name checked.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var database: String
    /// A password written in the URL itself (allowed from the environment only).
    public var passwordInURL: String?
    public var tls: TLSMode
    /// `sslrootcert`: the CA certificates (PEM) the server's certificate must chain to.
    public var caFile: String?
    /// Connections the pool keeps at most.
    public var poolSize = 10
    /// `statement_timeout`, set when each connection starts: no query holds a connection longer.
    public var statementTimeout: Duration = .seconds(15)
    /// How long opening a connection may take.
    public var connectTimeout: Duration = .seconds(10)

    /// The URL's longest accepted length: a bound on what is parsed.
    static let maximumURLLength = 2_048

    /// Parses a libpq URL. `passwordAllowedInURL` is false when the URL
    /// was read from a configuration file, where a password must not sit.
    public init(url text: String, passwordAllowedInURL: Bool) throws(IssuerStoreError) {
        guard text.utf8.count <= Self.maximumURLLength else {
            throw Self.invalid("is longer than \(Self.maximumURLLength) characters")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw Self.invalid("is not a URL such as postgres://alumnicard@db.example.edu:5432/alumnicard?sslmode=verify-full")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Self.invalid("names no host (a Unix socket path is not supported; use the server's address)")
        }
        self.host = host
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw Self.invalid("has port \(port), outside 1…65535") }
        guard let user = components.user, !user.isEmpty else { throw Self.invalid("names no user: postgres://USER@host/database") }
        username = user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw Self.invalid("names no database: postgres://user@host/DATABASE") }
        database = path
        passwordInURL = components.password
        if passwordInURL != nil && !passwordAllowedInURL {
            throw Self.invalid("holds a password; a file must not: put it in storage.postgres_password_file (mode 0600) or the credential alumnicard-postgres-password")
        }
        tls = .verifyFull
        var modeGiven = false
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw Self.invalid("has sslmode=\(value.prefix(20)): give disable, require, verify-ca or verify-full (prefer and allow would fall back to plain text silently)")
                }
                tls = mode
                modeGiven = true
            case "sslrootcert": caFile = value
            case "connect_timeout":
                guard let seconds = Int(value), (1...300).contains(seconds) else { throw Self.invalid("has connect_timeout=\(value.prefix(20)): give 1…300 seconds") }
                connectTimeout = .seconds(seconds)
            case "application_name": break
            default: throw Self.invalid("has the parameter \(item.name.prefix(40)), which alumnicard does not read: use sslmode, sslrootcert, connect_timeout")
            }
        }
        if !modeGiven && caFile == nil {
            throw Self.invalid("gives no sslmode: add sslmode=verify-full&sslrootcert=/path/to/ca.pem, or sslmode=disable for a server on loopback")
        }
        if (tls == .verifyCA || tls == .verifyFull) && caFile == nil {
            // libpq would read ~/.postgresql/root.crt; a daemon names its trust explicitly.
            throw Self.invalid("has sslmode=\(tls.rawValue) without sslrootcert: name the CA file the server's certificate chains to, or use sslmode=disable on loopback")
        }
    }

    static func invalid(_ problem: String) -> IssuerStoreError {
        IssuerStoreError(.databaseUnavailable, "storage.postgres_url \(problem)")
    }

    /// The connection pool's configuration, with the password read from
    /// its file (or nil when the server trusts the client without one).
    public func clientConfiguration(password: String?, applicationName: String = "alumnicard") throws(IssuerStoreError) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password ?? passwordInURL,
                                                         database: database, tls: try clientTLS())
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = connectTimeout
        let milliseconds = statementTimeout.components.seconds * 1_000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.additionalStartupParameters = [("statement_timeout", String(milliseconds)), ("application_name", applicationName)]
        return configuration
    }

    func clientTLS() throws(IssuerStoreError) -> PostgresClient.Configuration.TLS {
        try tlsConfiguration().map { .require($0) } ?? .disable
    }

    /// One connection, outside any pool, with the same TLS as the pool's:
    /// a failed handshake is an error at once, not a pool retrying (for
    /// checks and tests of the settings).
    public func connectionConfiguration(password: String?) throws(IssuerStoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if let configuration = try tlsConfiguration() {
            do { tls = .require(try NIOSSLContext(configuration: configuration)) } catch {
                throw IssuerStoreError(.databaseUnavailable, "storage.postgres_url: cannot prepare TLS: \(error)")
            }
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password ?? passwordInURL,
                                                             database: database, tls: tls)
        configuration.options.connectTimeout = .init(connectTimeout)
        return configuration
    }

    /// The TLS client configuration `sslmode` asks for (nil: none).
    func tlsConfiguration() throws(IssuerStoreError) -> TLSConfiguration? {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable: return nil
        case .require: tlsConfiguration.certificateVerification = .none
        case .verifyCA: tlsConfiguration.certificateVerification = .noHostnameVerification
        case .verifyFull: tlsConfiguration.certificateVerification = .fullVerification
        }
        if let caFile {
            do {
                tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw IssuerStoreError(.databaseUnavailable, "storage.postgres_url: cannot read the CA certificates in \(caFile) (sslrootcert): \(error)")
            }
        }
        return tlsConfiguration
    }

    /// The URL with any password left out, for logs and messages.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}
