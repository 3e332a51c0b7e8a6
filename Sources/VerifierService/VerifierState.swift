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
        /// The ETag of the held set, for `If-None-Match`.
        public var etag: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case etag
            case lastAttempt = "last_attempt"
            case lastSuccess = "last_success"
            case lastError = "last_error"
            case consecutiveFailures = "consecutive_failures"
        }
    }

    private struct Contents {
        var held: HeldKeySet?
        var pinnedRoots: [RootPublicKey]
        var sync = SyncStatus()
        /// The latest time proven to have passed: a held key set's `iat`,
        /// or a verified token's `iat`. The local clock must not be behind it.
        var latestTrustedTime: Int64 = 0
    }

    private let contents: Mutex<Contents>

    public init(held: HeldKeySet?, pinnedRoots: [RootPublicKey], sync: SyncStatus = SyncStatus()) {
        contents = Mutex(Contents(held: held, pinnedRoots: pinnedRoots, sync: sync, latestTrustedTime: held?.document.iat ?? 0))
    }

    public var held: HeldKeySet? { contents.withLock { $0.held } }
    public var pinnedRoots: [RootPublicKey] { contents.withLock { $0.pinnedRoots } }
    public var sync: SyncStatus { contents.withLock { $0.sync } }
    public var latestTrustedTime: Int64 { contents.withLock { $0.latestTrustedTime } }

    func replace(with held: HeldKeySet, etag: String?) {
        contents.withLock {
            $0.held = held
            $0.sync.etag = etag
            $0.latestTrustedTime = max($0.latestTrustedTime, held.document.iat)
        }
    }

    func learn(_ root: RootPublicKey) -> [RootPublicKey]? {
        contents.withLock {
            guard !$0.pinnedRoots.contains(root) else { return nil }
            $0.pinnedRoots.append(root)
            return $0.pinnedRoots
        }
    }

    @discardableResult
    func updateSync(_ change: (inout SyncStatus) -> Void) -> SyncStatus {
        contents.withLock { change(&$0.sync); return $0.sync }
    }

    func sawTrustedTime(_ time: Int64) {
        contents.withLock { $0.latestTrustedTime = max($0.latestTrustedTime, time) }
    }
}
