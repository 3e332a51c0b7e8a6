import CardKeys
import Synchronization

/// What a verifier knows and shares between its sync loop, its HTTP
/// handlers and its status page.
public final class VerifierState: Sendable {
    /// The key set sync's record.
    public struct SyncStatus: Sendable, Equatable, Codable {
        public var lastAttempt: Int64?
        public var lastSuccess: Int64?
        /// Why the last attempt failed; nil after a success.
        public var lastError: String?
        public var consecutiveFailures = 0
        /// Something to look into although the last sync worked (a set
        /// held unchanged past half its validity); nil when all is well.
        public var warning: String?
        /// The ETag of the held set, for `If-None-Match`.
        public var etag: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case etag
            case lastAttempt = "last_attempt"
            case lastSuccess = "last_success"
            case lastError = "last_error"
            case consecutiveFailures = "consecutive_failures"
            case warning
        }
    }

    private struct Contents {
        var held: HeldKeySet?
        /// The roots configured in this verifier's settings.
        var configuredRoots: [RootPublicKey]
        var trust: TrustRecord
        /// The provenTime last written to disk, so it is saved only when it moved.
        var savedProvenTime: Int64
        var sync = SyncStatus()
    }

    private let contents: Mutex<Contents>

    public init(held: HeldKeySet?, configuredRoots: [RootPublicKey], trust: TrustRecord, sync: SyncStatus = SyncStatus()) {
        var trust = trust
        if let held { trust.accept(held) }
        contents = Mutex(Contents(held: held, configuredRoots: configuredRoots, trust: trust, savedProvenTime: trust.provenTime, sync: sync))
    }

    public var held: HeldKeySet? { contents.withLock { $0.held } }
    /// The roots trusted now: configured and learned, less those retired.
    public var pinnedRoots: [RootPublicKey] { contents.withLock { $0.trust.trustedRoots(configured: $0.configuredRoots) } }
    public var trust: TrustRecord { contents.withLock { $0.trust } }
    public var sync: SyncStatus { contents.withLock { $0.sync } }
    /// `T`: the latest time proven to have passed (a key set's or a valid token's `iat`).
    public var latestTrustedTime: Int64 { contents.withLock { $0.trust.provenTime } }

    /// The time every check is made at: `max(now, T − L)` (keyset.md §3),
    /// so a clock set back cannot revive an expired code or key set.
    public func decisionTime(now: Int64, leeway: Int64) -> Int64 {
        let floor = latestTrustedTime.subtractingReportingOverflow(leeway)
        return max(now, floor.overflow ? .min : floor.partialValue)
    }

    /// Takes `held` as the set in use, with what accepting it teaches (the
    /// floor, the proven time, any root rotation). The caller has saved
    /// ``trustAfterAccepting(_:)`` first.
    func accept(_ held: HeldKeySet, etag: String?) {
        contents.withLock {
            $0.held = held
            $0.sync.etag = etag
            $0.trust.accept(held)
            $0.savedProvenTime = $0.trust.provenTime
        }
    }

    /// The trust record as it will be once `held` is accepted.
    func trustAfterAccepting(_ held: HeldKeySet) -> TrustRecord {
        var trust = self.trust
        trust.accept(held)
        return trust
    }

    @discardableResult
    func updateSync(_ change: (inout SyncStatus) -> Void) -> SyncStatus {
        contents.withLock { change(&$0.sync); return $0.sync }
    }

    func sawTrustedTime(_ time: Int64) {
        contents.withLock { $0.trust.provenTime = max($0.trust.provenTime, time) }
    }

    /// The trust record when its proven time moved by at least `step`
    /// seconds since it was last saved (then it counts as saved).
    func trustToSave(step: Int64) -> TrustRecord? {
        contents.withLock {
            guard Int128($0.trust.provenTime) - Int128($0.savedProvenTime) >= Int128(step) else { return nil }
            $0.savedProvenTime = $0.trust.provenTime
            return $0.trust
        }
    }
}
