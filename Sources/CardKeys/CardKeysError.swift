/// The one error type of the `CardKeys` module. Errors compare by ``code``;
/// ``message`` says what was wrong and what to do.
public struct CardKeysError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// A rotation policy whose durations cannot keep verifiers safe.
        case invalidPolicy
        /// A root key file or JWK that is not an Ed25519 key.
        case invalidRootKey
        /// No key with that kid, or a key in a state that forbids the change.
        case invalidKeyChange
        /// A key set document that cannot be built (no active key, say).
        case invalidKeySet
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
