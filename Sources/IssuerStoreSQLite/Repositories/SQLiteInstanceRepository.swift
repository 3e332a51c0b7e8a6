import GRDB
import IssuerStore

/// ``InstanceRepository`` on the SQLite database. One file has one
/// daemon, so a lease is never contested in service; it still holds
/// between the daemon and a command run beside it.
public struct SQLiteInstanceRepository: InstanceRepository {
    let database: AppDatabase
    let threads: DatabaseThreads

    public init(database: AppDatabase, threads: DatabaseThreads) {
        self.database = database
        self.threads = threads
    }

    public func isDevelopment() async throws -> Bool {
        let database = database
        return try await threads.read { try database.isDevelopment() }
    }

    public func markDevelopment(now: Int64) async throws {
        let database = database
        try await threads.write { try database.markDevelopment(now: now) }
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, duration: Int64) async throws -> Bool {
        guard LeaseRules.isValid(name: name, holder: holder) else { return false }
        let database = database
        return try await threads.write {
            try database.write { db in
                // The write transaction is the file's only writer: the read and the write below cannot interleave with another's.
                if let row = try Row.fetchOne(db, sql: "SELECT holder, expires_at FROM lease WHERE name = ?", arguments: [name]),
                   (row["holder"] as String) != holder, (row["expires_at"] as Int64) > now {
                    return false
                }
                try db.execute(sql: "INSERT OR REPLACE INTO lease (name, holder, expires_at) VALUES (?, ?, ?)",
                               arguments: [name, holder, now.addingReportingOverflow(max(1, duration)).partialValue])
                return true
            }
        }
    }

    public func pruneLeases(expiredBefore time: Int64) async throws {
        let database = database
        try await threads.write {
            try database.write { db in try db.execute(sql: "DELETE FROM lease WHERE expires_at < ?", arguments: [time]) }
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        let database = database
        try await threads.write {
            try database.write { db in try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder]) }
        }
    }
}
