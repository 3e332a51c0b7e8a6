import IssuerStore

/// The audit log as staff read it (`GET /v1/admin/audit`). Every change
/// writes its own entry in its own transaction; this only reads.
package struct AuditService: Sendable {
    package let audit: any AuditRepository

    package init(audit: any AuditRepository) {
        self.audit = audit
    }

    /// The newest entries first.
    package func recent(limit: Int) async throws -> [AuditEvent] {
        try await audit.recent(limit: limit)
    }
}
