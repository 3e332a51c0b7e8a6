/// The reason codes of ac1-token.md §4, in the order a verifier applies
/// them. The raw values are the codes on the wire and in JSON.
public enum VerificationReason: String, Sendable, Codable, CaseIterable {
    case malformed
    case unsupportedAlgorithm = "unsupported_algorithm"
    case unknownKey = "unknown_key"
    case badSignature = "bad_signature"
    case keyRevoked = "key_revoked"
    case keyNotValid = "key_not_valid"
    case lifetimeExceeded = "lifetime_exceeded"
    case notYetValid = "not_yet_valid"
    case expired
    case cardExpired = "card_expired"
    case cardRevoked = "card_revoked"
    case ok

    /// The code, as the spec writes it.
    public var code: String { rawValue }

    /// What the reason means, in English, for a person at a till.
    public var explanation: String {
        switch self {
        case .ok: "The card is valid."
        case .malformed: "This is not a readable alumni card code. Scan the code again, or ask the holder to reopen the card."
        case .unsupportedAlgorithm: "The code uses a signature method this verifier does not accept."
        case .unknownKey: "The code was signed by a key this verifier does not know. Sync the key set, then scan again."
        case .badSignature: "The code's signature does not match: it may be forged or altered."
        case .keyRevoked: "The code was signed by a key that has been revoked."
        case .keyNotValid: "The code was signed outside its key's validity period."
        case .lifetimeExceeded: "The code claims to live longer than any genuine code does: it may be forged with a stolen key."
        case .notYetValid: "The code is dated in the future: check this device's clock."
        case .expired: "The code has expired. Ask the holder to refresh the card."
        case .cardExpired: "The alumni card itself has expired."
        case .cardRevoked: "The alumni card has been revoked."
        }
    }
}
