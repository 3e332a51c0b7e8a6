import IssuerStore

/// ``AuditRepository`` on the SQLite database, on the database threads.
public struct SQLiteAuditRepository: AuditRepository {
    let log: AuditLog
    let threads: DatabaseThreads

    public init(database: AppDatabase, threads: DatabaseThreads) {
        log = AuditLog(database: database)
        self.threads = threads
    }

    public func recent(limit: Int) async throws -> [AuditEvent] {
        let log = log
        return try await threads.read { try log.recent(limit: limit) }
    }
}
