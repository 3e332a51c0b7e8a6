import Synchronization

/// Rate limits on logging in, kept in memory (per instance, reset on restart):
/// - per client (address, or /64 for IPv6, as ``ClientAddressResolver``
///   finds it behind trusted proxies): at most `addressAttemptsPerMinute`
///   attempts in any fixed minute;
/// - per account and client: after `maxFailures` failures in a row that
///   client is locked out of that account for `lockout`, doubling with each
///   further lockout (to at most a day). The account is the resolved holder
///   when the name is known, else the normalised name, so the answer never
///   tells whether an account exists.
///
/// A lockout binds the client that failed, not the account: someone who
/// knows a student ID cannot lock its owner out. Against guesses spread
/// over many addresses, an account that has failed `strictAfter` times in
/// one lockout period allows each further client one failure only.
/// Every table is bounded; when one is full its stalest tenth is dropped.
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var maxFailures: Int
        public var lockout: Int64
        public var addressAttemptsPerMinute: Int
        /// Failures of one account, from all clients, in one lockout period
        /// after which each client gets a single try.
        public var strictAfter: Int

        public init(maxFailures: Int, lockout: Int64, addressAttemptsPerMinute: Int, strictAfter: Int? = nil) {
            self.maxFailures = maxFailures
            self.lockout = lockout
            self.addressAttemptsPerMinute = addressAttemptsPerMinute
            self.strictAfter = strictAfter ?? maxFailures * 10
        }
    }

    /// The answer to "may this attempt go ahead?".
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; retry after this many seconds.
        case refused(retryAfter: Int64)
    }

    /// A new lockout: how long it lasts.
    public struct Lockout: Equatable, Sendable {
        public let seconds: Int64
        public init(seconds: Int64) { self.seconds = seconds }
    }

    private struct Pair: Hashable { let account: String; let client: String }
    private struct PairState { var failures = 0; var lockedUntil: Int64 = 0; var lockouts = 0; var lastSeen: Int64 }
    private struct AccountState { var periodStart: Int64; var failures = 0; var lastSeen: Int64 }
    private struct ClientState { var minute: Int64; var attempts = 0 }
    private struct State {
        var pairs: [Pair: PairState] = [:]
        var accounts: [String: AccountState] = [:]
        var clients: [String: ClientState] = [:]
    }

    private let limits: Limits
    private let capacity: Int
    private let state = Mutex(State())
    static let maximumLockout: Int64 = 86_400

    public init(limits: Limits, capacity: Int = 100_000) {
        self.limits = limits
        self.capacity = max(10, capacity)
    }

    /// Counts an attempt from `client` and decides on the per-client limit.
    public func admit(client: String, now: Int64) -> Decision {
        state.withLock { state in
            let minute = now / 60
            var entry = state.clients[client] ?? ClientState(minute: minute)
            if entry.minute != minute { entry = ClientState(minute: minute) }
            entry.attempts += 1
            if state.clients[client] == nil { Self.makeRoom(&state.clients, capacity: capacity) { $0.minute } }
            state.clients[client] = entry
            guard entry.attempts <= limits.addressAttemptsPerMinute else {
                return .refused(retryAfter: (minute + 1) * 60 - now)
            }
            return .allowed
        }
    }

    /// Whether `client` is locked out of `account` at `now`.
    public func check(account: String, client: String, now: Int64) -> Decision {
        state.withLock { state in
            guard let locked = state.pairs[Pair(account: account, client: client)]?.lockedUntil, locked > now else { return .allowed }
            return .refused(retryAfter: locked - now)
        }
    }

    /// Records a wrong password from `client` for `account`; returns the
    /// lockout this failure started, if it started one.
    @discardableResult
    public func failed(account: String, client: String, now: Int64) -> Lockout? {
        state.withLock { state in
            var total = state.accounts[account] ?? AccountState(periodStart: now, lastSeen: now)
            if now - total.periodStart >= limits.lockout || now < total.periodStart { total = AccountState(periodStart: now, lastSeen: now) }
            total.failures += 1
            total.lastSeen = now
            if state.accounts[account] == nil { Self.makeRoom(&state.accounts, capacity: capacity) { $0.lastSeen } }
            state.accounts[account] = total

            let key = Pair(account: account, client: client)
            var entry = state.pairs[key] ?? PairState(lastSeen: now)
            if entry.lockedUntil != 0 && entry.lockedUntil <= now { entry.failures = 0; entry.lockedUntil = 0 }
            entry.failures += 1
            entry.lastSeen = now
            let allowed = total.failures > limits.strictAfter ? 1 : limits.maxFailures
            var started: Lockout?
            if entry.failures >= allowed {
                entry.lockouts += 1
                let factor = Int64(1) << min(entry.lockouts - 1, 16)
                let (product, overflow) = limits.lockout.multipliedReportingOverflow(by: factor)
                let seconds = overflow ? Self.maximumLockout : min(product, Self.maximumLockout)
                entry.lockedUntil = now + seconds
                started = Lockout(seconds: seconds)
            }
            if state.pairs[key] == nil { Self.makeRoom(&state.pairs, capacity: capacity) { $0.lastSeen } }
            state.pairs[key] = entry
            return started
        }
    }

    /// Forgets `client`'s failures for `account` after a successful login.
    public func succeeded(account: String, client: String) {
        _ = state.withLock { $0.pairs.removeValue(forKey: Pair(account: account, client: client)) }
    }

    /// Drops the stalest tenth of a full table (by `age`, smaller is older).
    private static func makeRoom<Key, Value>(_ table: inout [Key: Value], capacity: Int, age: (Value) -> Int64) {
        guard table.count >= capacity else { return }
        let stalest = table.sorted { age($0.value) < age($1.value) }.prefix(max(1, capacity / 10))
        for (key, _) in stalest { table.removeValue(forKey: key) }
    }
}
