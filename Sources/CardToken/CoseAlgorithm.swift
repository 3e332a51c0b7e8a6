/// The COSE algorithms AC1 v1 accepts (ac1-token.md §2), each bound to one
/// COSE structure and one key type.
public enum CoseAlgorithm: Int64, Sendable, CaseIterable, CustomStringConvertible {
    /// EdDSA with Ed25519, in COSE_Sign1 (RFC 9053 §2.2). RFC 9864's -19 is
    /// deliberately unsupported in v1.
    case edDSA = -8
    /// HMAC 256/256 in COSE_Mac0 (RFC 9053 §3.1).
    case hmac256 = 5
    /// HMAC 256/64: the first 8 bytes of the HMAC-SHA256 tag (RFC 9053 §3.1).
    case hmac256Truncated64 = 4

    /// The CBOR tag of the COSE structure this algorithm goes with (RFC 9052 §2).
    public var coseTag: UInt64 {
        self == .edDSA ? CoseTag.sign1 : CoseTag.mac0
    }

    /// The exact length of the signature or tag.
    public var tagLength: Int {
        switch self {
        case .edDSA: 64
        case .hmac256: 32
        case .hmac256Truncated64: 8
        }
    }

    /// The JWK `alg` value for keys of this algorithm (ac1-token.md §5).
    public var jwkName: String {
        switch self {
        case .edDSA: "EdDSA"
        case .hmac256: "HS256"
        case .hmac256Truncated64: "HS256/64"
        }
    }

    /// The algorithm a JWK `alg` names, if AC1 supports it.
    public init?(jwkName: String) {
        guard let match = Self.allCases.first(where: { $0.jwkName == jwkName }) else { return nil }
        self = match
    }

    /// True for the HMAC algorithms, whose keys are secrets.
    public var isSymmetric: Bool { self != .edDSA }

    public var description: String {
        switch self {
        case .edDSA: "EdDSA (Ed25519)"
        case .hmac256: "HMAC 256/256"
        case .hmac256Truncated64: "HMAC 256/64"
        }
    }
}

/// The CBOR tags of the two COSE structures AC1 uses (RFC 9052 §2).
public enum CoseTag {
    /// COSE_Sign1.
    public static let sign1: UInt64 = 18
    /// COSE_Mac0.
    public static let mac0: UInt64 = 17
}
