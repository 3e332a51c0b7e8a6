import Crypto

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

extension TokenID {
    /// The id of the token for one card, refresh window and signing key:
    /// the first eight bytes of HMAC-SHA256 under `key` over all three.
    /// With Ed25519's deterministic signatures (RFC 8032 §5.1.6) the token
    /// becomes a pure function of its inputs, so every instance and every
    /// request agree on it without storing it (docs/cards.md "Tokens ahead").
    /// The key keeps the ids unpredictable to anyone outside the issuer.
    public static func derived(key: SymmetricKey, cardNumber: String, windowStart: Int64, keyID: KeyID) -> TokenID {
        var message = Array("AC1 cti v1".utf8)
        for field in [Array(cardNumber.utf8), keyID.bytes] {
            message += withUnsafeBytes(of: UInt32(field.count).bigEndian, Array.init) + field
        }
        message += withUnsafeBytes(of: windowStart.bigEndian, Array.init)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return TokenID(rawValue: Array(mac).prefix(byteCount).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
