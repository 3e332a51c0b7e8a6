/// A verifier's answer for one token: exactly one reason code of
/// ac1-token.md §4, and what could be learned on the way.
public struct TokenVerdict: Sendable {
    /// The first reason that applied, or ``VerificationReason/ok``.
    public let reason: VerificationReason
    /// Why, in a sentence: which check failed and on what value.
    public let detail: String
    /// The kid the token named, once the structure was readable.
    public let keyID: KeyID?
    /// The algorithm, once it was known to be supported.
    public let algorithm: CoseAlgorithm?
    /// The claims, only once the signature verified: before that nothing
    /// in them is trustworthy.
    public let claims: CardClaims?

    public var isOK: Bool { reason == .ok }

    init(_ reason: VerificationReason, _ detail: String, keyID: KeyID? = nil, algorithm: CoseAlgorithm? = nil, claims: CardClaims? = nil) {
        self.reason = reason
        self.detail = detail
        self.keyID = keyID
        self.algorithm = algorithm
        self.claims = claims
    }
}
