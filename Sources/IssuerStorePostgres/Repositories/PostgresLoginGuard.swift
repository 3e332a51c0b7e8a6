import Foundation
import IssuerStore
import PostgresNIO

/// ``LoginGuardRepository`` on PostgreSQL. A failure reads an account's and
/// a client's counts, decides with ``LockoutRules`` and writes both back:
/// the rows are made if missing and locked (`FOR UPDATE`) before the read,
/// in one order (accounts sorted, the account's row before the client's),
/// so racing failures on any instance each count once.
public struct PostgresLoginGuard: LoginGuardRepository {
    let storage: PostgresStorage
    let limits: LockoutRules.Limits
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, limits: LockoutRules.Limits, kek: KeyEncryptionKey) {
        self.storage = storage
        self.limits = limits
        seal = PersonalDataSeal(kek: kek)
    }

    public func retryAfter(account: String, client: String, now: Int64) async throws -> Int64? {
        let locked = try await storage.read("cannot read the login failures") { connection in
            try await connection.value("SELECT locked_until FROM login_failure WHERE account = \(account) AND client = \(client)", as: Int64.self)
        }
        guard let locked, locked > now else { return nil }
        return locked - now
    }

    public func recordFailure(accounts: Set<String>, client: String, now: Int64) async throws -> LockoutRules.Lockout? {
        let limits = limits
        return try await storage.transaction("cannot record the failed login") { connection in
            var longest: LockoutRules.Lockout?
            for account in accounts.sorted() {
                try await connection.run("""
                    INSERT INTO login_account_failure (account, period_start, failures, last_seen) VALUES (\(account), \(now), 0, \(now))
                    ON CONFLICT (account) DO NOTHING
                    """)
                var previous: LockoutRules.AccountFailures?
                for try await (start, failures) in try await connection.query("""
                    SELECT period_start, failures FROM login_account_failure WHERE account = \(account) FOR UPDATE
                    """, logger: PostgresConnection.quiet).decode((Int64, Int).self) {
                    previous = failures == 0 ? nil : .init(periodStart: start, failures: failures)
                }
                try await connection.run("""
                    INSERT INTO login_failure (account, client, failures, locked_until, lockouts, last_seen) VALUES (\(account), \(client), 0, 0, 0, \(now))
                    ON CONFLICT (account, client) DO NOTHING
                    """)
                var row: LockoutRules.ClientFailures?
                for try await (failures, lockedUntil, lockouts) in try await connection.query("""
                    SELECT failures, locked_until, lockouts FROM login_failure WHERE account = \(account) AND client = \(client) FOR UPDATE
                    """, logger: PostgresConnection.quiet).decode((Int, Int64, Int).self) {
                    row = .init(failures: failures, lockedUntil: lockedUntil, lockouts: lockouts)
                }
                let after = LockoutRules.afterFailure(account: previous, client: row, limits: limits, now: now)
                try await connection.run("""
                    UPDATE login_account_failure SET period_start = \(after.account.periodStart), failures = \(after.account.failures), last_seen = \(now)
                    WHERE account = \(account)
                    """)
                try await connection.run("""
                    UPDATE login_failure SET failures = \(after.client.failures), locked_until = \(after.client.lockedUntil),
                        lockouts = \(after.client.lockouts), last_seen = \(now)
                    WHERE account = \(account) AND client = \(client)
                    """)
                if let started = after.started, started.seconds > (longest?.seconds ?? 0) { longest = started }
            }
            // Forget what can no longer lock anyone out.
            let horizon = now - LockoutRules.maximumLockout - limits.lockout
            try await connection.run("DELETE FROM login_failure WHERE last_seen < \(horizon) AND locked_until < \(now)")
            try await connection.run("DELETE FROM login_account_failure WHERE last_seen < \(horizon)")
            return longest
        }
    }

    public func recordSuccess(accounts: Set<String>, client: String) async throws {
        for account in accounts.sorted() {
            // Most logins have nothing to forget: a read, no write.
            let failed = try await storage.read("cannot read the login failures") { connection in
                try await connection.value("SELECT EXISTS (SELECT 1 FROM login_failure WHERE account = \(account) AND client = \(client))", as: Bool.self)
            } ?? false
            guard failed else { continue }
            _ = try await storage.transaction("cannot forget the failed logins") { connection in
                try await connection.run("DELETE FROM login_failure WHERE account = \(account) AND client = \(client)")
            }
        }
    }

    public func hasRecentFailures(account: String, client: String, now: Int64) async throws -> Bool {
        let since = now - limits.lockout
        return try await storage.read("cannot read the login failures") { connection in
            try await connection.value("""
                SELECT EXISTS (SELECT 1 FROM login_failure WHERE account = \(account) AND last_seen >= \(since))
                    OR EXISTS (SELECT 1 FROM login_failure WHERE client = \(client) AND last_seen >= \(since))
                """, as: Bool.self)
        } ?? false
    }

    public func add(_ scope: RateCounterScope, key: String, now: Int64, notice: (limit: Int, mail: OutgoingMail)?) async throws -> Int {
        let seal = seal
        return try await storage.transaction("cannot count the event") { connection in
            let count = try await connection.addToCounter(scope, key: key, now: now)
            if let notice, count == notice.limit { try await connection.enqueue(notice.mail, now: now, seal: seal) }
            return count
        }
    }

    public func count(_ scope: RateCounterScope, key: String, now: Int64) async throws -> Int {
        try await storage.read("cannot read the count") { connection in try await connection.counter(scope, key: key, now: now) }
    }

    public func spend(challenge signature: [UInt8], expiresAt: Int64, now: Int64) async throws -> Bool {
        try await storage.transaction("cannot spend the human check") { connection in
            try await connection.run("DELETE FROM spent_challenge WHERE expires_at <= \(now)")
            return try await connection.run("""
                INSERT INTO spent_challenge (signature, expires_at) VALUES (\(Data(signature)), \(expiresAt)) ON CONFLICT (signature) DO NOTHING
                """) == 1
        }
    }
}
