/// The lockout arithmetic (docs/accounts.md, "Lockouts"), pure, so that
/// every backend decides the same way between reading an account's and a
/// client's failures and writing them back in one transaction.
public enum LockoutRules {
    public struct Limits: Sendable {
        public var maxFailures: Int
        public var lockout: Int64
        public var strictAfter: Int

        public init(maxFailures: Int, lockout: Int64, strictAfter: Int? = nil) {
            self.maxFailures = max(1, maxFailures)
            self.lockout = max(1, lockout)
            self.strictAfter = strictAfter ?? self.maxFailures * 10
        }
    }

    /// A new lockout: how long it lasts.
    public struct Lockout: Equatable, Sendable {
        public let seconds: Int64
        public init(seconds: Int64) { self.seconds = seconds }
    }

    /// One account's failures from all clients within the current period.
    public struct AccountFailures: Equatable, Sendable {
        public var periodStart: Int64
        public var failures: Int

        public init(periodStart: Int64, failures: Int) {
            self.periodStart = periodStart
            self.failures = failures
        }
    }

    /// One client's failures on one account.
    public struct ClientFailures: Equatable, Sendable {
        public var failures: Int
        /// 0 when not locked out.
        public var lockedUntil: Int64
        /// Lockouts so far, for the doubling.
        public var lockouts: Int

        public init(failures: Int, lockedUntil: Int64, lockouts: Int) {
            self.failures = failures
            self.lockedUntil = lockedUntil
            self.lockouts = lockouts
        }
    }

    /// What one more failure makes of the two rows, and the lockout it starts.
    public struct AfterFailure: Equatable, Sendable {
        public let account: AccountFailures
        public let client: ClientFailures
        public let started: Lockout?
    }

    /// The longest lockout, however many came before.
    public static let maximumLockout: Int64 = 86_400

    /// One more failure of `client` on an account: a period older than one
    /// lockout starts again; an ended lockout starts the client's count
    /// again; past `strictAfter` failures of the account each client gets
    /// one try; each lockout doubles the last, to at most a day.
    public static func afterFailure(account: AccountFailures?, client: ClientFailures?, limits: Limits, now: Int64) -> AfterFailure {
        var period = account ?? AccountFailures(periodStart: now, failures: 0)
        if now &- period.periodStart >= limits.lockout || now < period.periodStart { period = AccountFailures(periodStart: now, failures: 0) }
        period.failures = period.failures &+ 1

        var row = client ?? ClientFailures(failures: 0, lockedUntil: 0, lockouts: 0)
        if row.lockedUntil != 0 && row.lockedUntil <= now { row.failures = 0; row.lockedUntil = 0 }
        row.failures = row.failures &+ 1
        let allowed = period.failures > limits.strictAfter ? 1 : limits.maxFailures
        var started: Lockout?
        if row.failures >= allowed {
            row.lockouts = min(max(row.lockouts, 0), 63) + 1 // stored counts are untrusted: clamp before adding
            let factor = Int64(1) << min(row.lockouts - 1, 16)
            let (product, overflow) = limits.lockout.multipliedReportingOverflow(by: factor)
            let seconds = overflow ? maximumLockout : min(product, maximumLockout)
            row.lockedUntil = now &+ seconds
            started = Lockout(seconds: seconds)
        }
        return AfterFailure(account: period, client: row, started: started)
    }
}
