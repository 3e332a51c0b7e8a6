import Foundation
import Crypto

/// The 8-byte key identifier AC1 carries in the COSE `kid` header
/// (ac1-token.md §2) and, base64url-encoded, in JWK `kid` members (§5).
public struct KeyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of bytes in every AC1 kid.
    public static let byteCount = 8

    /// The kid as a big-endian integer: cheap to hash and compare.
    public let rawValue: UInt64

    /// A kid from exactly eight bytes.
    public init(bytes: some Collection<UInt8>) throws(CardTokenError) {
        guard bytes.count == Self.byteCount else {
            throw CardTokenError(.invalidKey, "a key id has \(Self.byteCount) bytes, not \(bytes.count)")
        }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A kid from its base64url text, as in a JWK.
    public init(base64URL text: String) throws(CardTokenError) {
        guard let bytes = Base64URL.decode(text) else {
            throw CardTokenError(.invalidKey, "the key id \"\(text)\" is not base64url without padding")
        }
        try self.init(bytes: bytes)
    }

    /// The kid of an Ed25519 public key: the first eight bytes of SHA-256
    /// over its 32 raw bytes (ac1-token.md §2, keyset.md §1 for the root).
    public init(ed25519PublicKey raw: some DataProtocol) {
        let digest = SHA256.hash(data: raw)
        rawValue = digest.prefix(Self.byteCount).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A fresh random kid, as an HMAC key gets when it is made.
    public static func random(using generator: inout some RandomNumberGenerator) -> KeyID {
        KeyID(rawValue: generator.next())
    }

    init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The eight bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<Self.byteCount).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(56 - 8 * $0)) }
    }

    /// The base64url text used in JWKs and key sets.
    public var base64URL: String { Base64URL.encode(bytes) }

    /// Lowercase hexadecimal, as the test vectors write kids.
    public var hex: String { Hexadecimal.encode(bytes) }

    public var description: String { base64URL }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }
}
