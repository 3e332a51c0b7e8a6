/// The one error type of the `CardToken` module.
///
/// Errors compare by ``code`` only, so tests and callers match on what went
/// wrong, never on the wording; ``message`` says what was wrong, where, and
/// (where it helps) what to do about it.
public struct CardTokenError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable name for what went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        // Base45 (RFC 9285 §4.2).
        /// A character outside the 45-character Base45 alphabet.
        public static let base45InvalidCharacter = Code("base45InvalidCharacter")
        /// A single character left over at the end (length ≡ 1 mod 3).
        public static let base45DanglingCharacter = Code("base45DanglingCharacter")
        /// A triple above 65535 or a final pair above 255.
        public static let base45ValueOutOfRange = Code("base45ValueOutOfRange")

        // CBOR (RFC 8949), as the strict decoder sees it.
        /// The input ends in the middle of an item.
        public static let cborTruncated = Code("cborTruncated")
        /// An indefinite-length string, array or map (additional information 31).
        public static let cborIndefiniteLength = Code("cborIndefiniteLength")
        /// An integer, length or tag not in its shortest form (RFC 8949 §4.2.1).
        public static let cborNonShortestForm = Code("cborNonShortestForm")
        /// Map keys not in bytewise lexicographic order of their encodings.
        public static let cborUnsortedMapKeys = Code("cborUnsortedMapKeys")
        /// The same map key twice.
        public static let cborDuplicateMapKey = Code("cborDuplicateMapKey")
        /// Bytes after the single top-level item.
        public static let cborTrailingBytes = Code("cborTrailingBytes")
        /// Arrays, maps and tags nested deeper than ``CBORReader/maximumDepth``.
        public static let cborNestingTooDeep = Code("cborNestingTooDeep")
        /// A length or count larger than the bytes that are left.
        public static let cborLengthTooLarge = Code("cborLengthTooLarge")
        /// Floats, simple values and reserved encodings, which AC1 never uses.
        public static let cborUnsupportedType = Code("cborUnsupportedType")
        /// A text string that is not valid UTF-8.
        public static let cborInvalidUTF8 = Code("cborInvalidUTF8")
        /// An item of another type than the one the reader asked for.
        public static let cborUnexpectedType = Code("cborUnexpectedType")

        // AC1 structure (ac1-token.md §1–§3).
        /// QR text longer than ``TokenFormat/maximumTextLength``.
        public static let tokenTooLong = Code("tokenTooLong")
        /// QR text that does not start with `AC1:`.
        public static let missingPrefix = Code("missingPrefix")
        /// Not a tagged 4-element COSE_Sign1 or COSE_Mac0 array.
        public static let invalidCOSEStructure = Code("invalidCOSEStructure")
        /// A protected or unprotected header other than the spec's.
        public static let invalidHeader = Code("invalidHeader")
        /// A claim missing, unknown, of the wrong type or size.
        public static let invalidClaims = Code("invalidClaims")
        /// A value a caller gave the issuer that the spec cannot carry.
        public static let invalidClaimValue = Code("invalidClaimValue")

        // Keys (ac1-token.md §5).
        /// A JWK or JWK Set that is not what §5 describes.
        public static let invalidKey = Code("invalidKey")
    }

    /// What went wrong, for programs.
    public let code: Code
    /// What went wrong, for people: what, where, and what to do.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension CardTokenError: Equatable {
    public static func == (lhs: CardTokenError, rhs: CardTokenError) -> Bool {
        lhs.code == rhs.code
    }
}
