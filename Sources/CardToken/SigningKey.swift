import Foundation
import Crypto

/// A private key that signs AC1 tokens: Ed25519 for COSE_Sign1, or an HMAC
/// secret for COSE_Mac0. Each key is bound to one algorithm (ac1-token.md §2).
public struct SigningKey: Sendable {
    enum Material: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case hmac(SymmetricKey)
    }

    /// The kid tokens carry.
    public let id: KeyID
    /// The one algorithm this key signs with.
    public let algorithm: CoseAlgorithm
    let material: Material

    /// An Ed25519 key; its kid is derived from the public key.
    public init(ed25519 privateKey: Curve25519.Signing.PrivateKey) {
        id = KeyID(ed25519PublicKey: privateKey.publicKey.rawRepresentation)
        algorithm = .edDSA
        material = .ed25519(privateKey)
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032 §5.1.5).
    public init(ed25519Seed seed: some ContiguousBytes) throws(CardTokenError) {
        do {
            self.init(ed25519: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        } catch {
            throw CardTokenError(.invalidKey, "an Ed25519 private key is a 32-byte seed")
        }
    }

    /// An HMAC key of 32 bytes or more, for HMAC 256/256 or 256/64, under the
    /// given kid (which is random for HMAC keys).
    public init(hmacSecret secret: some ContiguousBytes & Collection<UInt8>, algorithm: CoseAlgorithm, id: KeyID) throws(CardTokenError) {
        guard algorithm.isSymmetric else {
            throw CardTokenError(.invalidKey, "\(algorithm) is not an HMAC algorithm")
        }
        // RFC 9053 §3.1: the key should be at least as long as the hash output.
        guard secret.count >= 32 else {
            throw CardTokenError(.invalidKey, "an HMAC-SHA256 secret needs at least 32 bytes, not \(secret.count)")
        }
        self.id = id
        self.algorithm = algorithm
        material = .hmac(SymmetricKey(data: secret))
    }

    /// A new random key. Ed25519 keys come from the system's secure
    /// generator; HMAC secrets are 32 random bytes and the kid 8 more.
    public static func generate(_ algorithm: CoseAlgorithm) -> SigningKey {
        switch algorithm {
        case .edDSA:
            return SigningKey(ed25519: Curve25519.Signing.PrivateKey())
        case .hmac256, .hmac256Truncated64:
            var generator = SystemRandomNumberGenerator()
            let secret = SymmetricKey(size: .bits256)
            let bytes: [UInt8] = secret.withUnsafeBytes { Array($0) }
            let id = KeyID.random(using: &generator)
            // Cannot fail: 32 bytes and an HMAC algorithm.
            return try! SigningKey(hmacSecret: bytes, algorithm: algorithm, id: id)
        }
    }

    /// The key a verifier holds to check this key's tokens: the public key
    /// for Ed25519, the same secret for HMAC.
    public func verificationKey(signingWindow: SigningWindow = .unbounded, status: KeyStatus = .active) -> TrustedKey {
        switch material {
        case .ed25519(let privateKey):
            TrustedKey(ed25519: privateKey.publicKey, signingWindow: signingWindow, status: status)
        case .hmac(let secret):
            TrustedKey(id: id, algorithm: algorithm, hmacSecret: secret, signingWindow: signingWindow, status: status)
        }
    }

    /// Signs or MACs `message` with this key's algorithm.
    func authenticate(_ message: [UInt8]) throws(CardTokenError) -> [UInt8] {
        switch material {
        case .ed25519(let privateKey):
            do {
                return Array(try privateKey.signature(for: message))
            } catch {
                throw CardTokenError(.invalidKey, "Ed25519 signing failed: \(error)")
            }
        case .hmac(let secret):
            let tag = HMAC<SHA256>.authenticationCode(for: message, using: secret)
            return Array(tag.prefix(algorithm.tagLength))
        }
    }

    /// The raw private material (the Ed25519 seed or the HMAC secret), for
    /// key files and for sealing at rest; never log or send it.
    public var privateBytes: [UInt8] {
        switch material {
        case .ed25519(let privateKey): Array(privateKey.rawRepresentation)
        case .hmac(let secret): secret.withUnsafeBytes { Array($0) }
        }
    }

    /// The raw Ed25519 public key; nil for HMAC keys.
    public var ed25519PublicKey: [UInt8]? {
        if case .ed25519(let privateKey) = material { return Array(privateKey.publicKey.rawRepresentation) }
        return nil
    }
}
