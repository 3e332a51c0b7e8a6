/// The holder's display name as the token carries it: 1–64 UTF-8 bytes,
/// already masked by the issuer's policy (ac1-token.md §3, e.g. `林○明`).
public struct HolderName: Hashable, Sendable, CustomStringConvertible {
    /// The most UTF-8 bytes a name may have.
    public static let maximumByteCount = 64

    public let rawValue: String

    public init(_ rawValue: String) throws(CardTokenError) {
        let count = rawValue.utf8.count
        guard (1...Self.maximumByteCount).contains(count) else {
            throw CardTokenError(.invalidClaimValue, "a holder name has 1 to \(Self.maximumByteCount) UTF-8 bytes, not \(count)")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
}
