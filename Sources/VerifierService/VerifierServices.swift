import AsyncHTTPClient
import CardKeys
import CardToken
import Clocks
import DaemonSupport
import Foundation
import Logging
import SecureFiles

/// The verifier's parts, composed once from configuration: shared by the
/// HTTP controllers, the sync loop and the command line.
public struct VerifierServices: Sendable {
    public let configuration: VerifierConfiguration
    public let clock: EpochClock
    public let logger: Logger
    public let state: VerifierState
    public let replay: ReplayCache
    public let audit: VerifierAuditLog
    public let metrics: ServiceMetrics
    public let sync: KeySetSync
    public let verification: VerificationService

    /// Loads the pinned roots and the cached key set (refusing a damaged
    /// cache), and opens the audit log. `client` fetches key sets.
    public init(configuration: VerifierConfiguration, client: HTTPClient = .shared, clock: EpochClock = .system,
                logger: Logger = Logger(label: "alumnicard-verifier")) throws(VerifierError) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        let pinned: [RootPublicKey]
        do { pinned = try configuration.pinnedRoots() } catch {
            throw VerifierError(.configuration, "\(error)")
        }
        do {
            if let loose = try SecureFile.makePrivateDirectory(configuration.dataDirectory) {
                logger.warning("the data directory was readable by others; made it private", metadata: [
                    "directory": "\(configuration.dataDirectory)", "mode_was": "\(String(loose, radix: 8))"])
            }
        } catch {
            throw VerifierError(.storage, error.message)
        }
        var trust = try TrustRecordFile.load(path: configuration.trustPath)
        let roots = trust.trustedRoots(configured: pinned)
        guard !roots.isEmpty else {
            throw VerifierError(.configuration, "every root in issuer.root_keys was retired by a root rotation this verifier followed (\(trust.retiredRoots.joined(separator: ", "))); pin the new root the issuer announced")
        }
        let held = try KeySetCache.load(path: configuration.cachePath, pinnedRoots: roots)
        // After a crash between writing the cache and the trust record, the
        // cached set's rotation is followed again here.
        if let held { trust.accept(held) }
        try TrustRecordFile.save(trust, path: configuration.trustPath)
        state = VerifierState(held: held, configuredRoots: pinned, trust: trust, sync: SyncStatusFile.load(path: configuration.syncStatusPath))
        replay = ReplayCache(capacity: configuration.replayCapacity)
        audit = try VerifierAuditLog(databasePath: configuration.auditDatabasePath, keyPath: configuration.auditKeyPath,
                                     retentionDays: configuration.auditRetentionDays, logger: logger)
        metrics = ServiceMetrics()
        sync = KeySetSync(configuration: configuration, state: state, client: client, clock: clock, logger: logger, metrics: metrics)
        verification = VerificationService(configuration: configuration, state: state, replay: replay, audit: audit, clock: clock, metrics: metrics)
    }

    /// Ready: a key set is held and not past its `exp` (at the decision time).
    public var isReady: Bool {
        guard let held = state.held else { return false }
        return state.decisionTime(now: clock.now(), leeway: configuration.leeway) <= held.document.exp
    }

    /// Saves the trust record when the proven time moved by a minute or
    /// more (called from the background flush, never on a request).
    public func saveTrustIfMoved() {
        guard let trust = state.trustToSave(step: 60) else { return }
        do { try TrustRecordFile.save(trust, path: configuration.trustPath) } catch {
            logger.error("cannot save the trust record", metadata: ["error": "\(error.message)"])
        }
    }

    /// The status the scanner page, `/v1/status` and `alumnicard-verifier status` show.
    public func status() -> VerifierStatus {
        VerifierStatus(services: self, now: clock.now())
    }
}

/// What the verifier knows about itself, as JSON.
public struct VerifierStatus: Codable, Sendable {
    public struct KeySet: Codable, Sendable {
        public let seq: UInt64
        public let iat: Int64
        public let exp: Int64
        public let ageSeconds: Int64
        /// Seconds until the set is past `exp` + offline grace (negative: stale).
        public let usableForSeconds: Int64
        public let fresh: Bool
        public let stale: Bool
        public let keys: [Key]

        enum CodingKeys: String, CodingKey {
            case seq, iat, exp, fresh, stale, keys
            case ageSeconds = "age_seconds"
            case usableForSeconds = "usable_for_seconds"
        }
    }

    public struct Key: Codable, Sendable {
        public let kid: String
        public let status: String
        public let nbf: Int64?
        public let exp: Int64?
    }

    public struct Sync: Codable, Sendable {
        public let url: String?
        public let lastAttempt: Int64?
        public let lastSuccess: Int64?
        public let lastError: String?
        public let consecutiveFailures: Int
        /// Set when the last sync worked but something needs a look.
        public let warning: String?

        enum CodingKeys: String, CodingKey {
            case url, warning
            case lastAttempt = "last_attempt"
            case lastSuccess = "last_success"
            case lastError = "last_error"
            case consecutiveFailures = "consecutive_failures"
        }
    }

    public struct Clock: Codable, Sendable {
        public let now: Int64
        public let latestTrustedTime: Int64
        public let behindSeconds: Int64
        public let ok: Bool

        enum CodingKeys: String, CodingKey {
            case now, ok
            case latestTrustedTime = "latest_trusted_time"
            case behindSeconds = "behind_seconds"
        }
    }

    public let merchant: String
    public let keyset: KeySet?
    public let sync: Sync
    public let clock: Clock
    public let replayPolicy: String

    enum CodingKeys: String, CodingKey {
        case merchant, keyset, sync, clock
        case replayPolicy = "replay_policy"
    }

    init(services: VerifierServices, now: Int64) {
        let configuration = services.configuration
        merchant = configuration.merchantName
        let at = services.state.decisionTime(now: now, leeway: configuration.leeway)
        if let held = services.state.held {
            let document = held.document
            keyset = KeySet(seq: document.seq, iat: document.iat, exp: document.exp,
                            ageSeconds: max(0, at.subtractingReportingOverflow(document.iat).partialValue),
                            usableForSeconds: held.usableUntil(offlineGrace: configuration.offlineGrace).subtractingReportingOverflow(at).partialValue,
                            fresh: at <= document.exp, stale: held.isStale(at: at, offlineGrace: configuration.offlineGrace),
                            keys: document.keys.map { Key(kid: $0.kid ?? "", status: $0.status ?? "active", nbf: $0.nbf, exp: $0.exp) })
        } else {
            keyset = nil
        }
        let status = services.state.sync
        sync = Sync(url: configuration.keySetURL, lastAttempt: status.lastAttempt, lastSuccess: status.lastSuccess,
                    lastError: status.lastError, consecutiveFailures: status.consecutiveFailures, warning: status.warning)
        let trusted = services.state.latestTrustedTime
        clock = Clock(now: now, latestTrustedTime: trusted, behindSeconds: max(0, trusted.subtractingReportingOverflow(now).partialValue),
                      ok: at == now)
        replayPolicy = configuration.replayPolicy.rawValue
    }
}
