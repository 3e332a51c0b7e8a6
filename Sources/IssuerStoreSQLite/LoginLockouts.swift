import IssuerStore
import GRDB

/// Failed logins and lockouts, kept in the database so they hold across
/// restarts and are shared by every instance on the same database:
/// - per account and client: after `maxFailures` failures in a row that
///   client is locked out of that account for `lockout`, doubling with each
///   further lockout (to at most a day);
/// - per account: once it has failed `strictAfter` times (from all
///   clients) within one lockout period, each further client gets one try.
///
/// The account is the resolved holder when the name is known, else the
/// normalised name, so the answers never tell whether an account exists.
/// A lockout binds the client that failed, so someone who knows a student
/// ID cannot lock its owner out. Rows older than a day past their lockout
/// are pruned as failures arrive.
public struct LoginLockouts: Sendable {
    public typealias Limits = LockoutRules.Limits
    public typealias Lockout = LockoutRules.Lockout

    public let database: AppDatabase
    public let limits: Limits
    public static let maximumLockout = LockoutRules.maximumLockout

    public init(database: AppDatabase, limits: Limits) {
        self.database = database
        self.limits = limits
    }

    /// Seconds until `client` may try `account` again, or nil when it may now.
    public func retryAfter(account: String, client: String, now: Int64) throws(IssuerStoreError) -> Int64? {
        let locked = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT locked_until FROM login_failure WHERE account = ? AND client = ?", arguments: [account, client])
        }
        guard let locked, locked > now else { return nil }
        return locked - now
    }

    /// Records a wrong password; returns the lockout it started, if any.
    @discardableResult
    public func failed(account: String, client: String, now: Int64) throws(IssuerStoreError) -> Lockout? {
        try database.write { db in try failed(account: account, client: client, now: now, db: db) }
    }

    /// Records one failure on each of `accounts` in one transaction;
    /// returns the longest lockout started.
    public func failed(accounts: Set<String>, client: String, now: Int64) throws(IssuerStoreError) -> Lockout? {
        try database.write { db in
            try accounts.sorted().compactMap { try failed(account: $0, client: client, now: now, db: db) }.max { $0.seconds < $1.seconds }
        }
    }

    /// `failed` inside a caller's transaction.
    public func failed(account: String, client: String, now: Int64, db: Database) throws -> Lockout? {
        let previous = try Row.fetchOne(db, sql: "SELECT period_start, failures FROM login_account_failure WHERE account = ?", arguments: [account])
        let row = try Row.fetchOne(db, sql: "SELECT failures, locked_until, lockouts FROM login_failure WHERE account = ? AND client = ?",
                                   arguments: [account, client])
        let after = LockoutRules.afterFailure(
            account: previous.map { LockoutRules.AccountFailures(periodStart: $0[0], failures: $0[1]) },
            client: row.map { LockoutRules.ClientFailures(failures: $0[0], lockedUntil: $0[1], lockouts: $0[2]) },
            limits: limits, now: now)
        try db.execute(sql: """
            INSERT INTO login_account_failure (account, period_start, failures, last_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT (account) DO UPDATE SET period_start = excluded.period_start, failures = excluded.failures, last_seen = excluded.last_seen
            """, arguments: [account, after.account.periodStart, after.account.failures, now])
        try db.execute(sql: """
            INSERT INTO login_failure (account, client, failures, locked_until, lockouts, last_seen) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (account, client) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
                lockouts = excluded.lockouts, last_seen = excluded.last_seen
            """, arguments: [account, client, after.client.failures, after.client.lockedUntil, after.client.lockouts, now])
        // Forget what can no longer lock anyone out.
        let horizon = now - Self.maximumLockout - limits.lockout
        try db.execute(sql: "DELETE FROM login_failure WHERE last_seen < ? AND locked_until < ?", arguments: [horizon, now])
        try db.execute(sql: "DELETE FROM login_account_failure WHERE last_seen < ?", arguments: [horizon])
        return after.started
    }

    /// Whether `client` has failures recorded for `account`. Most logins
    /// have none, and only read: a write lock held elsewhere does not hold them up.
    public func hasFailures(account: String, client: String) throws(IssuerStoreError) -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM login_failure WHERE account = ? AND client = ?)", arguments: [account, client]) ?? false
        }
    }

    /// Forgets `client`'s failures for `account` after a successful login.
    public func succeeded(account: String, client: String) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM login_failure WHERE account = ? AND client = ?", arguments: [account, client])
        }
    }

    /// Whether `account` or `client` failed recently (for `human_check.login: after_failures`).
    public func hasRecentFailures(account: String, client: String, now: Int64) throws(IssuerStoreError) -> Bool {
        let since = now - limits.lockout
        return try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM login_failure WHERE account = ? AND last_seen >= ?)
                    OR EXISTS (SELECT 1 FROM login_failure WHERE client = ? AND last_seen >= ?)
                """, arguments: [account, since, client, since]) ?? false
        }
    }
}
