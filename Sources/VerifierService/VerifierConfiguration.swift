import CardKeys
import CardToken
import DaemonSupport
import Foundation

/// Everything `alumnicard-verifier` reads from `Config/verifier.yaml`,
/// `ALUMNICARD_VERIFIER_*` environment variables and flags.
/// Config/verifier.yaml documents every key; the defaults here are the same.
public struct VerifierConfiguration: Sendable {
    /// Where the issuer publishes the key set (keyset.md §1).
    public var keySetURL: String?
    /// Files with the pinned root public key(s): a JWK or a JWK Set each.
    public var rootKeyFiles: [String] = []
    public var refreshInterval: Int64 = 600
    public var offlineGrace: Int64 = 3 * 86_400
    public var leeway: Int64 = 90
    public var timeZone = TimeZone(identifier: "Asia/Taipei")!
    public var replayPolicy = ReplayPolicy.flag
    /// The most tokens the replay cache remembers.
    public var replayCapacity = 100_000
    public var host = "127.0.0.1"
    public var port = 8090
    /// Host names the pages and API answer for, beyond the listening
    /// address and localhost (a port given is ignored): a DNS-rebinding defence.
    public var allowedHosts: [String] = []
    /// Connections idle this long (or with a request head unfinished) are closed.
    public var idleTimeout: Int64 = 30
    public var merchantName = "Partner merchant"
    public var dataDirectory = "/var/lib/alumnicard-verifier"
    public var auditRetentionDays = 90
    public var logLevel = "info"
    /// `text` for people, `json` (one object a line) for log collectors.
    public var logFormat = LoggingSetup.Format.text
    /// The longest wait between failed fetches (backoff doubles up to this).
    public var maximumBackoff: Int64 = 600
    /// How long one fetch of the key set may take.
    public var fetchTimeout: Int64 = 20

    public init() {}

    public var cachePath: String { (dataDirectory as NSString).appendingPathComponent("keyset.jws") }
    /// Roots learned and retired, the rollback floor and the proven time
    /// (``TrustRecord``): apart from the cache, so losing the cache loses none of it.
    public var trustPath: String { (dataDirectory as NSString).appendingPathComponent("trust.json") }
    public var auditDatabasePath: String { (dataDirectory as NSString).appendingPathComponent("audit.sqlite") }
    public var syncStatusPath: String { (dataDirectory as NSString).appendingPathComponent("sync-status.json") }
    public var auditKeyPath: String { (dataDirectory as NSString).appendingPathComponent("audit.key") }

    public static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> VerifierConfiguration {
        try load(ConfigurationReader(path: path, environment: environment, environmentPrefix: "ALUMNICARD_VERIFIER"))
    }

    /// The configuration from YAML text (the fuzz target's way in; the daemon reads a file).
    public static func load(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> VerifierConfiguration {
        try load(ConfigurationReader(yaml: yaml, source: "the configuration", environment: environment, environmentPrefix: "ALUMNICARD_VERIFIER"))
    }

    private static func load(_ reader: ConfigurationReader) throws(ConfigurationError) -> VerifierConfiguration {
        var c = VerifierConfiguration()
        c.keySetURL = try reader.optionalString("issuer.keyset_url")
        c.rootKeyFiles = try reader.strings("issuer.root_keys", default: [])
        let zone = try reader.string("issuer.time_zone", default: c.timeZone.identifier)
        guard let timeZone = TimeZone(identifier: zone) else {
            throw ConfigurationError(key: "issuer.time_zone", "\"\(zone)\" is not an IANA time zone such as Asia/Taipei")
        }
        c.timeZone = timeZone
        c.refreshInterval = try reader.seconds("sync.refresh_interval", default: c.refreshInterval, in: 1...86_400)
        c.maximumBackoff = try reader.seconds("sync.maximum_backoff", default: c.maximumBackoff, in: 1...86_400)
        c.fetchTimeout = try reader.seconds("sync.timeout", default: c.fetchTimeout, in: 1...600)
        c.offlineGrace = try reader.seconds("sync.offline_grace", default: c.offlineGrace, in: 0...(90 * 86_400))
        c.leeway = try reader.seconds("verify.leeway", default: c.leeway, in: 0...3_600)
        let policy = try reader.choice("verify.replay_policy", default: c.replayPolicy.rawValue, from: ReplayPolicy.allCases.map(\.rawValue))
        c.replayPolicy = ReplayPolicy(rawValue: policy)!
        c.replayCapacity = try reader.integer("verify.replay_capacity", default: c.replayCapacity, in: 100...10_000_000)
        c.host = try reader.string("server.host", default: c.host)
        c.allowedHosts = try reader.strings("server.allowed_hosts", default: []).map { $0.lowercased() }
        c.idleTimeout = try reader.seconds("server.idle_timeout", default: c.idleTimeout, in: 1...3_600)
        c.port = try reader.integer("server.port", default: c.port, in: 0...65_535)
        c.merchantName = try reader.string("merchant.name", default: c.merchantName)
        c.dataDirectory = try reader.string("storage.data_dir", default: c.dataDirectory)
        c.auditRetentionDays = try reader.integer("storage.audit_retention_days", default: c.auditRetentionDays, in: 1...3_650)
        c.logLevel = try reader.choice("logging.level", default: c.logLevel, from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        c.logFormat = LoggingSetup.Format(rawValue: try reader.choice("logging.format", default: c.logFormat.rawValue,
                                                                     from: LoggingSetup.Format.allCases.map(\.rawValue)))!
        try reader.finish()
        return c
    }

    /// Checks the settings together, after flags are applied.
    public func validate() throws(ConfigurationError) {
        guard let keySetURL else {
            throw ConfigurationError(key: "issuer.keyset_url", "is required: the issuer's key set, e.g. https://card.alumni.example.edu/.well-known/alumni-card/keyset.jws")
        }
        guard keySetURL.hasPrefix("http://") || keySetURL.hasPrefix("https://"), URL(string: keySetURL)?.host != nil else {
            throw ConfigurationError(key: "issuer.keyset_url", "\"\(keySetURL)\" is not an http:// or https:// URL")
        }
        guard !rootKeyFiles.isEmpty else {
            throw ConfigurationError(key: "issuer.root_keys", "is required: the file(s) with the issuer's root public key, which the alumni centre gives you")
        }
        guard !merchantName.isEmpty, merchantName.count <= 100 else {
            throw ConfigurationError(key: "merchant.name", "must be 1–100 characters")
        }
    }

    /// The pinned roots from ``rootKeyFiles``.
    public func pinnedRoots() throws(ConfigurationError) -> [RootPublicKey] {
        var roots: [RootPublicKey] = []
        for path in rootKeyFiles {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ConfigurationError(key: "issuer.root_keys", "cannot read \(path): \((error as NSError).localizedDescription)")
            }
            guard data.count <= 1 << 16 else { throw ConfigurationError(key: "issuer.root_keys", "\(path) is too large to be a key") }
            do {
                let set = try JSONWebKeySet(json: data)
                for jwk in set.keys { roots.append(try RootPublicKey(jwk: jwk)) }
            } catch {
                throw ConfigurationError(key: "issuer.root_keys", "\(path) is not an Ed25519 public JWK or JWK Set: \(error)")
            }
        }
        return roots
    }
}

/// What to do with a valid token seen before (the replay cache).
public enum ReplayPolicy: String, Sendable, CaseIterable {
    /// Accept it and say nothing.
    case allow
    /// Accept it, with `seen_before` and the first-seen time (the default).
    case flag
    /// Refuse it with `replayed`.
    case reject
}
