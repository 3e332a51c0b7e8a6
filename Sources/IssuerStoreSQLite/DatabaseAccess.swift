import IssuerStore
import GRDB

extension AppDatabase {
    /// Reads, turning GRDB's errors into ``IssuerStoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(IssuerStoreError) -> T {
        do { return try writer.read(body) } catch { throw .wrapping(error, "cannot read the database") }
    }

    /// Writes in one transaction, turning GRDB's errors into ``IssuerStoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(IssuerStoreError) -> T {
        do { return try writer.write(body) } catch { throw .wrapping(error, "cannot write the database") }
    }

    /// Whether this database was made for development (`serve --dev`), where
    /// the demo alumnus with its public password may live.
    public func isDevelopment() throws(IssuerStoreError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM instance_flag WHERE name = 'development')") ?? false }
    }

    /// Marks this database as a development one.
    public func markDevelopment(now: Int64) throws(IssuerStoreError) {
        try write { db in try db.execute(sql: "INSERT OR IGNORE INTO instance_flag (name, set_at) VALUES ('development', ?)", arguments: [now]) }
    }

    /// Copies the write-ahead log into the file and empties it, so pages
    /// overwritten by a deletion (`secure_delete`) leave no older image in
    /// the log. Fails (busy) while another connection reads; callers treat
    /// it as best effort.
    public func checkpointTruncating() throws(IssuerStoreError) {
        do { _ = try writer.barrierWriteWithoutTransaction { db in try db.checkpoint(.truncate) } } catch {
            throw .wrapping(error, "cannot checkpoint the database")
        }
    }

    /// Whether the database answers a trivial query (for readiness probes).
    public func isReachable() -> Bool {
        (try? writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// `PRAGMA integrity_check`'s answer: `ok`, or the first problem.
    public func integrityCheck() throws(IssuerStoreError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}
