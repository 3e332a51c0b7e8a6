/// The one error type of `VerifierService`; compares by ``code``.
public struct VerifierError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The configuration cannot be used.
        case configuration
        /// The cached key set is damaged, tampered with or unreadable.
        case corruptCache
        /// The data directory or audit database cannot be used.
        case storage
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
