import Foundation
import Crypto

/// A key a verifier trusts, with the window in which it may sign and its
/// status (ac1-token.md §4–§5, keyset.md §1).
public struct TrustedKey: Sendable {
    enum Material: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        /// The secret and an HMAC already keyed with it: a verifier prepares
        /// the inner and outer pads once, not once per token.
        case hmac(PreparedHMAC)
    }

    /// Boxed so that copying a key (every dictionary lookup does) costs one
    /// reference count, not one per hash state inside the HMAC.
    final class PreparedHMAC: Sendable {
        let secret: SymmetricKey
        let keyed: HMAC<SHA256>
        init(_ secret: SymmetricKey) {
            self.secret = secret
            keyed = HMAC<SHA256>(key: secret)
        }
    }

    public let id: KeyID
    /// The only algorithm this key checks.
    public let algorithm: CoseAlgorithm
    public var signingWindow: SigningWindow
    public var status: KeyStatus
    let material: Material

    /// An Ed25519 public key; its kid is derived from it.
    public init(ed25519 publicKey: Curve25519.Signing.PublicKey, signingWindow: SigningWindow = .unbounded, status: KeyStatus = .active) {
        self.id = KeyID(ed25519PublicKey: publicKey.rawRepresentation)
        self.algorithm = .edDSA
        self.signingWindow = signingWindow
        self.status = status
        self.material = .ed25519(publicKey)
    }

    /// An Ed25519 public key from its 32 raw bytes.
    public init(ed25519PublicKey raw: some ContiguousBytes, signingWindow: SigningWindow = .unbounded, status: KeyStatus = .active) throws(CardTokenError) {
        let publicKey: Curve25519.Signing.PublicKey
        do {
            publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw CardTokenError(.invalidKey, "an Ed25519 public key is 32 bytes")
        }
        self.init(ed25519: publicKey, signingWindow: signingWindow, status: status)
    }

    /// An HMAC secret of 32 bytes or more under its kid.
    public init(id: KeyID, algorithm: CoseAlgorithm, hmacSecret secret: [UInt8], signingWindow: SigningWindow = .unbounded, status: KeyStatus = .active) throws(CardTokenError) {
        guard algorithm.isSymmetric else {
            throw CardTokenError(.invalidKey, "\(algorithm) is not an HMAC algorithm")
        }
        guard secret.count >= 32 else {
            throw CardTokenError(.invalidKey, "an HMAC-SHA256 secret needs at least 32 bytes, not \(secret.count)")
        }
        self.init(id: id, algorithm: algorithm, hmacSecret: SymmetricKey(data: secret), signingWindow: signingWindow, status: status)
    }

    init(id: KeyID, algorithm: CoseAlgorithm, hmacSecret secret: SymmetricKey, signingWindow: SigningWindow, status: KeyStatus) {
        self.id = id
        self.algorithm = algorithm
        self.signingWindow = signingWindow
        self.status = status
        self.material = .hmac(PreparedHMAC(secret))
    }

    /// The raw Ed25519 public key; nil for HMAC keys.
    public var ed25519PublicKey: [UInt8]? {
        if case .ed25519(let key) = material { return Array(key.rawRepresentation) }
        return nil
    }

    /// Whether `signature` is this key's signature or tag over `message`,
    /// compared in constant time.
    func isValid(signature: ArraySlice<UInt8>, for message: UnsafeRawBufferPointer) -> Bool {
        switch material {
        case .ed25519(let publicKey):
            return publicKey.isValidSignature(signature, for: message)
        case .hmac(let prepared):
            guard signature.count == algorithm.tagLength else { return false }
            var mac = prepared.keyed
            mac.update(data: message)
            let tag = mac.finalize()
            return tag.withUnsafeBytes { full in
                ConstantTime.equal(full.prefix(signature.count), signature)
            }
        }
    }
}
