/// A card number: the token's `sub` claim, 1–32 UTF-8 bytes (ac1-token.md §3).
/// It is opaque, and deliberately not the holder's student ID.
public struct CardNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The most UTF-8 bytes a card number may have.
    public static let maximumByteCount = 32

    public let rawValue: String

    public init(_ rawValue: String) throws(CardTokenError) {
        let count = rawValue.utf8.count
        guard (1...Self.maximumByteCount).contains(count) else {
            throw CardTokenError(.invalidClaimValue, "a card number has 1 to \(Self.maximumByteCount) UTF-8 bytes, not \(count)")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func < (lhs: CardNumber, rhs: CardNumber) -> Bool { lhs.rawValue < rhs.rawValue }
}
