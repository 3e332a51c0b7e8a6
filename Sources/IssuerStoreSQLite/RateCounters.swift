import IssuerStore
import GRDB

/// Counts events per key in fixed windows, in the database, so a limit
/// holds across restarts and for every instance on the same database.
/// Keys are never personal data in clear: holder row ids, keyed hashes,
/// client addresses. A row outlives its window by a day at most.
public struct RateCounters: Sendable {
    public typealias Scope = RateCounterScope
    public let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Adds one to `key`'s count in the current window; returns the new count.
    @discardableResult
    public func add(_ scope: Scope, key: String, now: Int64) throws(IssuerStoreError) -> Int {
        try database.write { db in try add(scope, key: key, now: now, db: db) }
    }

    /// Adds one, and queues `mail` in the same transaction when the count
    /// becomes `limit` (a notice sent once per window).
    @discardableResult
    public func add(_ scope: Scope, key: String, now: Int64, reaching limit: Int, mail: OutgoingMail?, outbox: MailOutbox) throws(IssuerStoreError) -> Int {
        try database.write { db in
            let count = try add(scope, key: key, now: now, db: db)
            if count == limit, let mail { try outbox.enqueue(mail, now: now, db: db) }
            return count
        }
    }

    /// `add` inside a caller's transaction.
    @discardableResult
    public func add(_ scope: Scope, key: String, now: Int64, db: Database) throws -> Int {
        let start = scope.start(now)
        let count = try Int.fetchOne(db, sql: """
            INSERT INTO rate_counter (scope, key, window_start, count) VALUES (?, ?, ?, 1)
            ON CONFLICT (scope, key) DO UPDATE SET
                count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
                window_start = excluded.window_start
            RETURNING count
            """, arguments: [scope.name, key, start]) ?? 1
        // Prune what no window can still count, a few rows at a time.
        try db.execute(sql: """
            DELETE FROM rate_counter WHERE rowid IN (SELECT rowid FROM rate_counter WHERE scope = ? AND window_start < ? LIMIT 16)
            """, arguments: [scope.name, start - scope.window - 86_400])
        return count
    }

    /// `key`'s count in the current window.
    public func count(_ scope: Scope, key: String, now: Int64) throws(IssuerStoreError) -> Int {
        try database.read { db in try count(scope, key: key, now: now, db: db) }
    }

    public func count(_ scope: Scope, key: String, now: Int64, db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count FROM rate_counter WHERE scope = ? AND key = ? AND window_start = ?",
                         arguments: [scope.name, key, scope.start(now)]) ?? 0
    }
}
