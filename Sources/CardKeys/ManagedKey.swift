import CardToken

/// One signing key as the issuer manages it: its identity and public part,
/// its state, and the times that govern it. Never holds private material.
public struct ManagedKey: Sendable, Equatable {
    public let id: KeyID
    public let algorithm: CoseAlgorithm
    /// The raw Ed25519 public key; nil for HMAC keys, which are never published.
    public let publicKey: [UInt8]?
    public var state: KeyState
    /// When the key entered the key set.
    public var publishedAt: Int64
    /// The signing window verifiers enforce (`nbf`, `exp`): from the
    /// earliest moment it may sign to its planned end plus slack.
    public var notBefore: Int64
    public var notAfter: Int64
    /// When it is due to take over (published) or to hand over (active).
    public var plannedHandoff: Int64
    public var activatedAt: Int64?
    public var retiredAt: Int64?
    public var revokedAt: Int64?
    public var revocationReason: String?
    public var removedAt: Int64?

    public init(id: KeyID, algorithm: CoseAlgorithm, publicKey: [UInt8]?, state: KeyState, publishedAt: Int64,
                notBefore: Int64, notAfter: Int64, plannedHandoff: Int64) {
        self.id = id
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.state = state
        self.publishedAt = publishedAt
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.plannedHandoff = plannedHandoff
    }

    /// The window as the token verifier checks it.
    public var signingWindow: SigningWindow { SigningWindow(notBefore: notBefore, expires: notAfter) }

    /// The entry verifiers load, or nil when the key is not published
    /// (removed, or an HMAC secret).
    public func publicJWK() -> JSONWebKey? {
        guard let status = state.publishedStatus, let publicKey else { return nil }
        return JSONWebKey(kty: "OKP", crv: "Ed25519", alg: algorithm.jwkName, use: "sig", kid: id.base64URL,
                          x: Base64URL.encode(publicKey), nbf: notBefore, exp: notAfter, status: status.rawValue)
    }
}
