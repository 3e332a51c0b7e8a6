import GRDB

/// Appending to and reading the audit log outside key changes (which
/// write their own rows inside their transactions).
public struct AuditLog: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    public func record(_ event: AuditEvent) throws(IssuerStoreError) {
        try database.write { db in try event.insert(db) }
    }

    /// The newest `limit` events, newest first.
    public func recent(limit: Int) throws(IssuerStoreError) -> [AuditEvent] {
        try database.read { db in try AuditEvent.order(Column("id").desc).limit(limit).fetchAll(db) }
    }
}
