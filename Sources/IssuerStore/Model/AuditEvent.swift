/// One entry of the audit log.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var id: Int64?
    public var at: Int64
    /// Who, spelt one way per entry point: `admin:<token name>` (the admin
    /// API), `staff:<name>` (the console), `holder:<student ID>`,
    /// `applicant`, `cli:<user>`, `daemon` or `timer` (the daemon's loops).
    public var actor: String
    public var action: String
    public var subject: String?
    public var detail: String

    public init(at: Int64, actor: String, action: String, subject: String?, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }
}
