/// An AC1 token taken apart and checked for structure (everything §4 calls
/// `malformed`), but not yet verified. It keeps the COSE bytes exactly as
/// received, so the signature is checked over them and never over a
/// re-encoding.
public struct ParsedToken: Sendable {
    /// The `alg` header parameter as the token states it (RFC 9052 §3.1).
    public enum AlgorithmLabel: Hashable, Sendable {
        /// An integer label; nil when it lies outside `Int64`.
        case integer(Int64?)
        /// A text label, which COSE allows and AC1 does not use.
        case text(String)
    }

    /// The decoded COSE bytes.
    public let cose: [UInt8]
    /// The COSE tag: ``CoseTag/sign1`` or ``CoseTag/mac0``.
    public let coseTag: UInt64
    /// The `alg` of the protected header.
    public let algorithmLabel: AlgorithmLabel
    /// The `kid` of the protected header.
    public let keyID: KeyID
    /// The claims, decoded but not yet trusted.
    public let claims: CardClaims
    let protectedRange: Range<Int>
    let payloadRange: Range<Int>
    let signatureRange: Range<Int>

    /// The signature or tag bytes.
    public var signature: ArraySlice<UInt8> { cose[signatureRange] }

    /// Parses QR text: the length bound, the `AC1:` prefix, Base45, then the
    /// COSE structure, the headers and the claims, all strictly.
    public init(text: String) throws(CardTokenError) {
        var text = text
        let cose = try text.withUTF8 { utf8 in
            Result { () throws(CardTokenError) in try Self.decodeText(utf8) }
        }.get()
        try self.init(cose: cose)
    }

    private static func decodeText(_ utf8: UnsafeBufferPointer<UInt8>) throws(CardTokenError) -> [UInt8] {
        guard utf8.count <= TokenFormat.maximumTextLength else {
            // Non-ASCII text is never valid Base45, so counting bytes is enough.
            throw CardTokenError(.tokenTooLong, "the text has \(utf8.count) bytes; an AC1 token has at most \(TokenFormat.maximumTextLength) characters")
        }
        guard utf8.starts(with: TokenFormat.prefixBytes) else {
            throw CardTokenError(.missingPrefix, "the text does not start with \"\(TokenFormat.prefix)\" (upper case), so it is not an AC1 token")
        }
        return try Base45.decode(utf8: UnsafeBufferPointer(rebasing: utf8[TokenFormat.prefixBytes.count...]))
    }

    /// Parses COSE bytes (the Base45-decoded part of the text).
    public init(cose: [UInt8]) throws(CardTokenError) {
        var reader = CBORReader(cose)
        let tag: UInt64
        let elementCount: Int
        do {
            tag = try reader.readTag("the COSE structure")
            elementCount = try reader.readArrayHeader("the COSE structure")
        } catch where error.code == .cborUnexpectedType {
            throw CardTokenError(.invalidCOSEStructure, "the token is not a tagged COSE array: \(error.message)")
        }
        guard tag == CoseTag.sign1 || tag == CoseTag.mac0 else {
            throw CardTokenError(.invalidCOSEStructure, "the COSE structure carries tag \(tag); AC1 uses only 18 (COSE_Sign1) and 17 (COSE_Mac0), untagged by CWT")
        }
        guard elementCount == 4 else {
            throw CardTokenError(.invalidCOSEStructure, "the COSE array has \(elementCount) elements, not 4")
        }
        let protectedRange = try reader.readByteString("the protected header")
        let unprotectedCount = try reader.readMapHeader("the unprotected header")
        guard unprotectedCount == 0 else {
            throw CardTokenError(.invalidHeader, "the unprotected header has \(unprotectedCount) entries; AC1 requires it empty")
        }
        let payloadRange = try reader.readByteString("the payload")
        let signatureRange = try reader.readByteString(tag == CoseTag.sign1 ? "the signature" : "the tag")
        try reader.expectEnd("the COSE structure")
        if tag == CoseTag.sign1 && signatureRange.count != CoseAlgorithm.edDSA.tagLength {
            throw CardTokenError(.invalidCOSEStructure, "the COSE_Sign1 signature has \(signatureRange.count) bytes, not 64")
        }

        let header = try Self.parseProtectedHeader(cose, range: protectedRange)
        let claims = try CardClaims(decoding: cose, range: payloadRange)

        self.cose = cose
        self.coseTag = tag
        self.algorithmLabel = header.algorithm
        self.keyID = header.keyID
        self.claims = claims
        self.protectedRange = protectedRange
        self.payloadRange = payloadRange
        self.signatureRange = signatureRange
    }

    /// The protected header must be exactly `{1: alg, 4: kid}` with an 8-byte kid.
    private static func parseProtectedHeader(_ bytes: [UInt8], range: Range<Int>) throws(CardTokenError) -> (algorithm: AlgorithmLabel, keyID: KeyID) {
        var reader = CBORReader(bytes, range: range)
        let count = try reader.readMapHeader("the protected header")
        guard count == 2 else {
            throw CardTokenError(.invalidHeader, "the protected header has \(count) entries; AC1 requires exactly alg (1) and kid (4)")
        }
        var previousKey: Range<Int>? = nil
        guard try CardClaims.readIntegerKey(&reader, after: &previousKey, in: "protected header") == 1 else {
            throw CardTokenError(.invalidHeader, "the protected header's first label is not alg (1)")
        }
        let algorithm: AlgorithmLabel
        switch reader.nextMajorType {
        case .unsignedInteger, .negativeInteger:
            algorithm = .integer(try reader.readInteger("the alg header parameter"))
        case .textString:
            algorithm = .text(try reader.readTextString("the alg header parameter"))
        default:
            throw CardTokenError(.invalidHeader, "the alg header parameter is neither an integer nor text")
        }
        guard try CardClaims.readIntegerKey(&reader, after: &previousKey, in: "protected header") == 4 else {
            throw CardTokenError(.invalidHeader, "the protected header's second label is not kid (4)")
        }
        let kidRange = try reader.readByteString("the kid")
        guard kidRange.count == KeyID.byteCount else {
            throw CardTokenError(.invalidHeader, "the kid has \(kidRange.count) bytes; AC1 kids have \(KeyID.byteCount)")
        }
        try reader.expectEnd("the protected header")
        return (algorithm, try KeyID(bytes: bytes[kidRange]))
    }

    /// The algorithm, if the label names one AC1 supports and it goes with
    /// the COSE tag (§2); nil means `unsupported_algorithm`.
    public var supportedAlgorithm: CoseAlgorithm? {
        guard case .integer(let value?) = algorithmLabel,
              let algorithm = CoseAlgorithm(rawValue: value),
              algorithm.coseTag == coseTag else { return nil }
        return algorithm
    }

    /// The bytes the signature or tag covers: `Sig_structure` or
    /// `MAC_structure` (RFC 9052 §4.4, §6.3) built from the received
    /// protected header and payload, with empty external data.
    public func toBeSigned() -> [UInt8] {
        withToBeSigned { Array($0) }
    }

    /// Calls `body` with the to-be-signed bytes in a temporary buffer, which
    /// spares every verification a heap allocation.
    func withToBeSigned<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        cose.withUnsafeBufferPointer { source in
            let protected = UnsafeBufferPointer(rebasing: source[protectedRange])
            let payload = UnsafeBufferPointer(rebasing: source[payloadRange])
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.toBeSignedCapacity(protected, payload)) { buffer in
                let count = Self.writeToBeSigned(tag: coseTag, protected: protected, payload: payload, into: buffer)
                return body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[..<count])))
            }
        }
    }

    /// The to-be-signed bytes for an issuer that has just encoded `protected` and `payload`.
    static func toBeSigned(tag: UInt64, protected: [UInt8], payload: [UInt8]) -> [UInt8] {
        protected.withUnsafeBufferPointer { protected in
            payload.withUnsafeBufferPointer { payload in
                [UInt8](unsafeUninitializedCapacity: toBeSignedCapacity(protected, payload)) { buffer, count in
                    count = writeToBeSigned(tag: tag, protected: protected, payload: payload, into: buffer)
                }
            }
        }
    }

    private static func toBeSignedCapacity(_ protected: UnsafeBufferPointer<UInt8>, _ payload: UnsafeBufferPointer<UInt8>) -> Int {
        // Four heads of at most 9 bytes, the 10-byte context string, and the contents.
        4 * 9 + 10 + protected.count + payload.count
    }

    /// `[context, protected, h'', payload]` in deterministic CBOR; returns the length.
    private static func writeToBeSigned(
        tag: UInt64, protected: UnsafeBufferPointer<UInt8>, payload: UnsafeBufferPointer<UInt8>,
        into buffer: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        let context: StaticString = tag == CoseTag.sign1 ? "Signature1" : "MAC0"
        var offset = CBORWriter.writeHead(.array, 4, into: buffer, at: 0)
        offset = CBORWriter.writeHead(.textString, UInt64(context.utf8CodeUnitCount), into: buffer, at: offset)
        offset = copy(UnsafeBufferPointer(start: context.utf8Start, count: context.utf8CodeUnitCount), into: buffer, at: offset)
        offset = CBORWriter.writeHead(.byteString, UInt64(protected.count), into: buffer, at: offset)
        offset = copy(protected, into: buffer, at: offset)
        offset = CBORWriter.writeHead(.byteString, 0, into: buffer, at: offset)
        offset = CBORWriter.writeHead(.byteString, UInt64(payload.count), into: buffer, at: offset)
        return copy(payload, into: buffer, at: offset)
    }

    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return offset }
        (buffer.baseAddress! + offset).initialize(from: base, count: bytes.count)
        return offset + bytes.count
    }
}
