/// What guards signing in and the public forms, whatever holds it (issue
/// #26): failed logins and lockouts (``LockoutRules``), counters of events
/// per key in fixed windows, and spent human-check challenges. All of it
/// is shared by every instance on one database and survives restarts.
/// Every method is one transaction; every backend passes
/// `LoginGuardConformanceTests`, races included.
public protocol LoginGuardRepository: Sendable {
    /// Seconds until `client` may try `account` again, or nil when it may now.
    func retryAfter(account: String, client: String, now: Int64) async throws -> Int64?
    /// Records one failure of `client` on each of `accounts` (the spellings
    /// an attempt stands for) in one transaction; returns the longest
    /// lockout it started, if any. Of racing failures each is counted once.
    func recordFailure(accounts: Set<String>, client: String, now: Int64) async throws -> LockoutRules.Lockout?
    /// Forgets `client`'s failures on `accounts` after a success. Reads
    /// first and writes only when there is something to forget, so most
    /// logins never wait for a write lock.
    func recordSuccess(accounts: Set<String>, client: String) async throws
    /// Whether `account` or `client` failed within one lockout period
    /// (`human_check.login: after_failures`).
    func hasRecentFailures(account: String, client: String, now: Int64) async throws -> Bool

    /// Adds one to `key`'s count in `scope`'s current window and returns the
    /// new count; when it becomes `limit`, queues `notice` in the same
    /// transaction (a notice sent once per window). Racing adds each get
    /// their own count.
    func add(_ scope: RateCounterScope, key: String, now: Int64, notice: (limit: Int, mail: OutgoingMail)?) async throws -> Int
    /// `key`'s count in `scope`'s current window.
    func count(_ scope: RateCounterScope, key: String, now: Int64) async throws -> Int

    /// Marks a human-check challenge spent until it expires; false when it
    /// already was (of two racing uses, one wins).
    func spend(challenge signature: [UInt8], expiresAt: Int64, now: Int64) async throws -> Bool
}

extension LoginGuardRepository {
    /// Adds one, with no notice.
    @discardableResult
    public func add(_ scope: RateCounterScope, key: String, now: Int64) async throws -> Int {
        try await add(scope, key: key, now: now, notice: nil)
    }
}
