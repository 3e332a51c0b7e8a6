import IssuerStore
import GRDB

/// Reading the audit log (every change writes its own rows inside its
/// transaction).
public struct AuditLog: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// The newest `limit` events, newest first.
    public func recent(limit: Int) throws(IssuerStoreError) -> [AuditEvent] {
        try database.read { db in try AuditEvent.order(Column("id").desc).limit(limit).fetchAll(db) }
    }
}
