/// The audit log as staff read it, whatever holds it (issue #26). Rows are
/// written by the repositories' own transactions, never through here.
public protocol AuditRepository: Sendable {
    /// The newest events first.
    func recent(limit: Int) async throws -> [AuditEvent]
}
