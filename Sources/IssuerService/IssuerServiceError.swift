/// The one error type of `IssuerService` for start-up problems; request
/// problems are ``DaemonSupport/APIError``s. Compares by ``code``.
public struct IssuerServiceError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The configuration cannot be used.
        case configuration
        /// A secret (KEK, root key, admin token) is missing or unreadable.
        case secrets
        /// The database or key store cannot be opened.
        case storage
        /// A file that ships with the issuer (the pages' templates) is missing or broken.
        case installation
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
