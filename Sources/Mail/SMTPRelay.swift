import NIOSSL

/// Where and how to hand mail over (alumni-api.md §5: `mail.smtp_host`,
/// `mail.smtp_port`, `mail.starttls`, `mail.username` and a password).
public struct SMTPRelay: Sendable {
    public enum StartTLS: String, Sendable, CaseIterable {
        /// Refuse to send unless the relay offers STARTTLS and the handshake succeeds.
        case required
        /// Use STARTTLS when offered; send in the clear otherwise.
        case opportunistic
        /// Never (a relay on this host).
        case off
    }

    public var host: String
    public var port: Int
    public var startTLS: StartTLS
    public var username: String?
    public var password: String?
    /// The name this client gives in EHLO.
    public var heloName: String
    /// Certificates to trust for the relay instead of the system's (a private CA).
    public var trustRootsFile: String?
    public var connectTimeout: Duration = .seconds(10)
    /// Each reply must arrive within this.
    public var replyTimeout: Duration = .seconds(60)
    /// The whole conversation for one message must end within this.
    public var totalTimeout: Duration = .seconds(300)

    public init(host: String, port: Int, startTLS: StartTLS, username: String? = nil, password: String? = nil, heloName: String = "localhost",
                trustRootsFile: String? = nil) {
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.username = username
        self.password = password
        self.heloName = heloName
        self.trustRootsFile = trustRootsFile
    }

    func tlsConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsFile { configuration.trustRoots = .file(trustRootsFile) }
        return configuration
    }
}
