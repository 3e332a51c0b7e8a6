import CardToken
import Crypto
import Foundation

/// The root key's public half: what merchants pin, and what key sets are
/// checked against (keyset.md §1).
public struct RootPublicKey: Sendable, Hashable {
    public let key: Curve25519.Signing.PublicKey
    /// The first 8 bytes of SHA-256 over the raw public key, as for token keys.
    public let id: KeyID

    public init(rawRepresentation raw: [UInt8]) throws(CardKeysError) {
        guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw CardKeysError(.invalidRootKey, "a root public key is 32 bytes of Ed25519, not \(raw.count) bytes")
        }
        self.key = key
        self.id = KeyID(ed25519PublicKey: raw)
    }

    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// The public JWK merchants pin.
    public var jwk: JSONWebKey {
        JSONWebKey(kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: id.base64URL, x: Base64URL.encode(rawRepresentation))
    }

    /// From a JWK (a private root JWK is accepted; only its public part is used).
    public init(jwk: JSONWebKey) throws(CardKeysError) {
        guard jwk.kty == "OKP", jwk.crv == "Ed25519", let x = jwk.x, let raw = Base64URL.decode(x) else {
            throw CardKeysError(.invalidRootKey, "a root key is an Ed25519 JWK (\"kty\": \"OKP\", \"crv\": \"Ed25519\") with an \"x\"")
        }
        try self.init(rawRepresentation: raw)
        if let kid = jwk.kid, kid != id.base64URL {
            throw CardKeysError(.invalidRootKey, "the root JWK's \"kid\" \(kid) is not the first 8 bytes of SHA-256 over its key (\(id.base64URL))")
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// The root signing key, which signs key sets. It lives in a 0600 file or a
/// systemd credential on the issuer, or offline on another machine.
public struct RootSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey
    public let publicKey: RootPublicKey

    public init(seed: [UInt8]) throws(CardKeysError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw CardKeysError(.invalidRootKey, "a root private key is a 32-byte Ed25519 seed, not \(seed.count) bytes")
        }
        privateKey = key
        publicKey = try RootPublicKey(rawRepresentation: Array(key.publicKey.rawRepresentation))
    }

    public static func generate() -> RootSigningKey {
        try! RootSigningKey(seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    public init(jwk: JSONWebKey) throws(CardKeysError) {
        guard jwk.kty == "OKP", jwk.crv == "Ed25519", let d = jwk.d, let seed = Base64URL.decode(d) else {
            throw CardKeysError(.invalidRootKey, "the root key file must be a private Ed25519 JWK with a \"d\"")
        }
        try self.init(seed: seed)
        if let x = jwk.x, Base64URL.decode(x) != publicKey.rawRepresentation {
            throw CardKeysError(.invalidRootKey, "the root key file's \"x\" is not the public key of its \"d\"")
        }
    }

    /// The private JWK written to the root key file.
    public var privateJWK: JSONWebKey {
        var jwk = publicKey.jwk
        jwk.d = Base64URL.encode(Array(privateKey.rawRepresentation))
        return jwk
    }

    public var id: KeyID { publicKey.id }

    func sign(_ message: [UInt8]) -> [UInt8] {
        Array(try! privateKey.signature(for: message))
    }
}
