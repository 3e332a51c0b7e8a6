import IssuerStore

/// ``LoginGuardRepository`` on the SQLite database: lockouts, counters and
/// spent challenges through their stores, on the database threads. SQLite
/// has one writer, so each read-decide-write transaction is already alone.
public struct SQLiteLoginGuard: LoginGuardRepository {
    let lockouts: LoginLockouts
    let counters: RateCounters
    let spent: SpentChallenges
    let outbox: MailOutbox
    let threads: DatabaseThreads

    public init(database: AppDatabase, limits: LoginLockouts.Limits, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        lockouts = LoginLockouts(database: database, limits: limits)
        counters = RateCounters(database: database)
        spent = SpentChallenges(database: database)
        outbox = MailOutbox(database: database, kek: kek)
        self.threads = threads
    }

    public func retryAfter(account: String, client: String, now: Int64) async throws -> Int64? {
        let lockouts = lockouts
        return try await threads.read { try lockouts.retryAfter(account: account, client: client, now: now) }
    }

    public func recordFailure(accounts: Set<String>, client: String, now: Int64) async throws -> LoginLockouts.Lockout? {
        let lockouts = lockouts
        return try await threads.write { try lockouts.failed(accounts: accounts, client: client, now: now) }
    }

    public func recordSuccess(accounts: Set<String>, client: String) async throws {
        let lockouts = lockouts
        for account in accounts where try await threads.read({ try lockouts.hasFailures(account: account, client: client) }) {
            try await threads.write { try lockouts.succeeded(account: account, client: client) }
        }
    }

    public func hasRecentFailures(account: String, client: String, now: Int64) async throws -> Bool {
        let lockouts = lockouts
        return try await threads.read { try lockouts.hasRecentFailures(account: account, client: client, now: now) }
    }

    public func add(_ scope: RateCounters.Scope, key: String, now: Int64, notice: (limit: Int, mail: OutgoingMail)?) async throws -> Int {
        let counters = counters, outbox = outbox
        return try await threads.write {
            guard let notice else { return try counters.add(scope, key: key, now: now) }
            return try counters.add(scope, key: key, now: now, reaching: notice.limit, mail: notice.mail, outbox: outbox)
        }
    }

    public func count(_ scope: RateCounters.Scope, key: String, now: Int64) async throws -> Int {
        let counters = counters
        return try await threads.read { try counters.count(scope, key: key, now: now) }
    }

    public func spend(challenge signature: [UInt8], expiresAt: Int64, now: Int64) async throws -> Bool {
        let spent = spent
        return try await threads.write { try spent.spend(signature: signature, expiresAt: expiresAt, now: now) }
    }
}
