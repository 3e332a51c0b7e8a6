/// The token id, the `cti` claim: 8 bytes, unique per issued token
/// (ac1-token.md §3). Verifiers key their replay caches by it.
public struct TokenID: Hashable, Sendable, CustomStringConvertible {
    /// The number of bytes in every token id.
    public static let byteCount = 8

    /// The id as a big-endian integer.
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// An id from exactly eight bytes.
    public init(bytes: some Collection<UInt8>) throws(CardTokenError) {
        guard bytes.count == Self.byteCount else {
            throw CardTokenError(.invalidClaimValue, "a token id has \(Self.byteCount) bytes, not \(bytes.count)")
        }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A fresh id from `generator`, which must be cryptographically secure
    /// outside tests (the system generator is).
    public static func random(using generator: inout some RandomNumberGenerator) -> TokenID {
        TokenID(rawValue: generator.next())
    }

    /// The eight bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<Self.byteCount).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(56 - 8 * $0)) }
    }

    /// Lowercase hexadecimal.
    public var hex: String { Hexadecimal.encode(bytes) }

    public var description: String { hex }
}
