/// Why a message was not handed to the relay. `isPermanent` separates a
/// refusal that retrying will not change (5xx) from everything else.
public struct SMTPError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// No connection (refused, unreachable, DNS).
        case connect
        /// A step took longer than its timeout.
        case timeout
        /// The relay answered 4xx: try again later.
        case temporary
        /// The relay answered 5xx: this message will not be accepted.
        case permanent
        /// The relay broke the protocol (a malformed or oversized reply).
        case protocolViolation = "protocol"
        /// STARTTLS was required and not offered, or the handshake failed.
        case tls
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var isPermanent: Bool { code == .permanent }
    public var description: String { "\(code.rawValue): \(message)" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
