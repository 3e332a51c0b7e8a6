/// The one error type of `IssuerStore`; compares by ``code``.
public struct IssuerStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The key-encryption key is missing, unreadable or malformed.
        case kekUnavailable
        /// The KEK does not open this database's keys: the wrong file.
        case kekMismatch
        /// The database cannot be opened or migrated.
        case databaseUnavailable
        /// A key change the ring refused, or a missing key.
        case keyChangeRefused
        /// A stored key that does not decrypt or parse.
        case corruptKey
        /// A signed key set that cannot be installed.
        case keySetRefused
        /// A stored holder record whose sealed fields do not open.
        case corruptRecord
        /// No such holder, card or administrator token.
        case notFound
        /// A change the data does not allow (a rejected import row, a
        /// duplicate, a status change that makes no sense).
        case invalidChange
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
