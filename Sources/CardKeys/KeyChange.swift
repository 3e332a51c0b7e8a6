import CardToken

/// One change the key ring made, as the audit log records it.
public struct KeyChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case created, activated, retired, revoked, removed
        /// A standby's window was opened early, for an emergency promotion.
        case windowOpened = "window_opened"
    }

    public let kind: Kind
    public let id: KeyID
    public let at: Int64
    public let detail: String

    public var description: String { "\(kind.rawValue) \(id): \(detail)" }
}
