import IssuerStore
import PostgresNIO

/// ``AuditRepository`` on PostgreSQL.
public struct PostgresAuditRepository: AuditRepository {
    let storage: PostgresStorage

    public init(storage: PostgresStorage) { self.storage = storage }

    public func recent(limit: Int) async throws -> [AuditEvent] {
        try await storage.read("cannot read the audit log") { connection in
            var events: [AuditEvent] = []
            let rows = try await connection.query("""
                SELECT id, at, actor, action, subject, detail FROM audit_event ORDER BY id DESC LIMIT \(limit)
                """, logger: PostgresConnection.quiet)
            for try await (id, at, actor, action, subject, detail) in rows.decode((Int64, Int64, String, String, String?, String).self) {
                var event = AuditEvent(at: at, actor: actor, action: action, subject: subject, detail: detail)
                event.id = id
                events.append(event)
            }
            return events
        }
    }
}
