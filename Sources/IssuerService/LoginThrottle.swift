import Synchronization

/// Rate limits on logging in, kept in memory:
/// - per account name (student ID or e-mail, whatever was typed, known or
///   not, so the answer never tells whether an account exists): after
///   `maxFailures` failures in a row the name is locked for `lockout`;
/// - per client address: at most `addressAttemptsPerMinute` attempts in
///   any fixed minute.
///
/// Counts reset when the daemon restarts and are per instance; both are
/// bounded in memory (oldest entries are dropped first).
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var maxFailures: Int
        public var lockout: Int64
        public var addressAttemptsPerMinute: Int
        public init(maxFailures: Int, lockout: Int64, addressAttemptsPerMinute: Int) {
            self.maxFailures = maxFailures
            self.lockout = lockout
            self.addressAttemptsPerMinute = addressAttemptsPerMinute
        }
    }

    /// The answer to "may this attempt go ahead?".
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; retry after this many seconds.
        case refused(retryAfter: Int64)
    }

    private struct Account { var failures: Int; var lockedUntil: Int64; var lastSeen: Int64 }
    private struct Address { var minute: Int64; var attempts: Int }
    private struct State { var accounts: [String: Account] = [:]; var addresses: [String: Address] = [:] }

    private let limits: Limits
    private let capacity: Int
    private let state = Mutex(State())

    public init(limits: Limits, capacity: Int = 100_000) {
        self.limits = limits
        self.capacity = capacity
    }

    /// Counts an attempt from `address` for `account` and decides.
    public func attempt(account: String, address: String, now: Int64) -> Decision {
        let key = account.lowercased()
        return state.withLock { state in
            let minute = now / 60
            var entry = state.addresses[address] ?? Address(minute: minute, attempts: 0)
            if entry.minute != minute { entry = Address(minute: minute, attempts: 0) }
            entry.attempts += 1
            if state.addresses.count >= capacity { state.addresses.removeAll(keepingCapacity: true) }
            state.addresses[address] = entry
            if entry.attempts > limits.addressAttemptsPerMinute {
                return .refused(retryAfter: (minute + 1) * 60 - now)
            }
            if let locked = state.accounts[key]?.lockedUntil, locked > now {
                return .refused(retryAfter: locked - now)
            }
            return .allowed
        }
    }

    /// Records a failed password for `account`; locks it at the limit.
    public func failed(account: String, now: Int64) {
        let key = account.lowercased()
        state.withLock { state in
            var entry = state.accounts[key] ?? Account(failures: 0, lockedUntil: 0, lastSeen: now)
            if entry.lockedUntil != 0 && entry.lockedUntil <= now { entry = Account(failures: 0, lockedUntil: 0, lastSeen: now) }
            entry.failures += 1
            entry.lastSeen = now
            if entry.failures >= limits.maxFailures { entry.lockedUntil = now + limits.lockout }
            if state.accounts.count >= capacity, state.accounts[key] == nil {
                // Drop the stalest tenth rather than grow without bound.
                let stale = state.accounts.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(max(1, capacity / 10))
                for (name, _) in stale { state.accounts.removeValue(forKey: name) }
            }
            state.accounts[key] = entry
        }
    }

    /// Forgets the failures of `account` after a successful login.
    public func succeeded(account: String) {
        _ = state.withLock { $0.accounts.removeValue(forKey: account.lowercased()) }
    }
}
