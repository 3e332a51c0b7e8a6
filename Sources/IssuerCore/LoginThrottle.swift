import IssuerStore
import Synchronization

/// The per-client attempt rate on logging in: at most
/// `addressAttemptsPerMinute` attempts from one client (an address, or a
/// /64 for IPv6, as ``ClientAddressResolver`` finds it behind trusted
/// proxies) in any fixed minute, counted twice over:
///
/// - in memory first (``admit(client:now:)``), which sheds a flood at no
///   cost: past the limit nothing reaches the database or bcrypt. The
///   table is bounded; when full, its stalest tenth is dropped.
/// - then in the shared rate counters (``decide(client:now:)``), so that
///   instances behind one load balancer add up to one limit, not one each
///   (issue #27).
///
/// Lockouts per account live in the database (``LoginGuardRepository``).
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var addressAttemptsPerMinute: Int

        public init(addressAttemptsPerMinute: Int) {
            self.addressAttemptsPerMinute = addressAttemptsPerMinute
        }
    }

    /// The answer to "may this attempt go ahead?".
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; retry after this many seconds.
        case refused(retryAfter: Int64)
    }

    private struct ClientState { var minute: Int64; var lastSeen: Int64; var attempts = 0 }

    private let limits: Limits
    private let capacity: Int
    private let clients = Mutex([String: ClientState]())
    private let shared: (any LoginGuardRepository)?

    /// The shared count's scope: fixed minutes, as the memory's.
    package static let sharedScope = RateCounterScope("login_client", window: 60)

    /// `shared`: the rate counters every instance reads (nil: memory only).
    public init(limits: Limits, capacity: Int = 100_000, shared: (any LoginGuardRepository)? = nil) {
        self.limits = limits
        self.capacity = max(10, capacity)
        self.shared = shared
    }

    /// Counts an attempt from `client` in memory and then, when admitted,
    /// in the shared counters; decides on the limit across instances.
    public func decide(client: String, now: Int64) async throws -> Decision {
        let local = admit(client: client, now: now)
        guard local == .allowed, let shared else { return local }
        let count = try await shared.add(Self.sharedScope, key: "client:" + String(client.prefix(120)), now: now)
        return count <= limits.addressAttemptsPerMinute ? .allowed : .refused(retryAfter: Self.sharedScope.remaining(now))
    }

    /// Counts an attempt from `client` and decides on the per-client limit.
    public func admit(client: String, now: Int64) -> Decision {
        clients.withLock { clients in
            let minute = now / 60
            var entry = clients[client] ?? ClientState(minute: minute, lastSeen: now)
            if entry.minute != minute { entry = ClientState(minute: minute, lastSeen: now) }
            entry.attempts += 1
            entry.lastSeen = now
            if clients[client] == nil && clients.count >= capacity {
                // The least recently seen go first (ties by name, so the choice never
                // depends on the dictionary's per-process order).
                let oldest = clients.sorted { ($0.value.lastSeen, $0.key) < ($1.value.lastSeen, $1.key) }.prefix(max(1, capacity / 10))
                for (key, _) in oldest { clients.removeValue(forKey: key) }
            }
            clients[client] = entry
            guard entry.attempts <= limits.addressAttemptsPerMinute else {
                return .refused(retryAfter: (minute + 1) * 60 - now)
            }
            return .allowed
        }
    }
}
