extension CardClaims {
    /// The claims set in core deterministic encoding, keys in the order
    /// 2, 4, 6, 7, -65537 (the order of their encoded bytes).
    public func encoded() throws(CardTokenError) -> [UInt8] {
        var writer = CBORWriter(capacity: 96 + holderName.rawValue.utf8.count)
        writer.writeMapHeader(count: 5)
        writer.writeInteger(ClaimKey.subject)
        writer.writeTextString(cardNumber.rawValue)
        writer.writeInteger(ClaimKey.expiration)
        writer.writeUnsigned(expiresAt)
        writer.writeInteger(ClaimKey.issuedAt)
        writer.writeUnsigned(issuedAt)
        writer.writeInteger(ClaimKey.tokenID)
        writer.writeByteString(tokenID.bytes)
        writer.writeInteger(ClaimKey.card)
        if extraCardEntries.isEmpty {
            writer.writeMapHeader(count: 2)
            writer.writeInteger(ClaimKey.cardHolderName)
            writer.writeTextString(holderName.rawValue)
            writer.writeInteger(ClaimKey.cardValidThrough)
            writer.writeUnsigned(validThrough)
        } else {
            // Unknown entries may sort anywhere, so let the general encoder order them.
            let card = CBORValue.map([
                CBORMapEntry(key: .integer(ClaimKey.cardHolderName), value: .text(holderName.rawValue)),
                CBORMapEntry(key: .integer(ClaimKey.cardValidThrough), value: .unsigned(validThrough)),
            ] + extraCardEntries)
            try card.encode(into: &writer)
        }
        return writer.bytes
    }

    /// Decodes a claims set strictly: exactly the keys 2, 4, 6, 7 and -65537
    /// in core deterministic encoding, each of its type and size, and a card
    /// map with keys 1 and 2 (other card keys are kept but not interpreted).
    public init(decoding bytes: [UInt8], range: Range<Int>? = nil) throws(CardTokenError) {
        var reader = CBORReader(bytes, range: range)
        try self.init(reading: &reader)
        try reader.expectEnd("the claims map")
    }

    init(reading reader: inout CBORReader) throws(CardTokenError) {
        let count = try reader.readMapHeader("the claims set")
        var subject: CardNumber?, expiration: UInt64?, issued: UInt64?, id: TokenID?
        var card: (name: HolderName, validThrough: UInt64, extra: [CBORMapEntry])?
        var previousKey: Range<Int>? = nil
        for _ in 0..<count {
            let key = try Self.readIntegerKey(&reader, after: &previousKey, in: "claims set")
            switch key {
            case ClaimKey.subject:
                let text = try reader.readTextString("the sub claim")
                do { subject = try CardNumber(text) } catch { throw Self.invalid("sub (card number) \(error.message)") }
            case ClaimKey.expiration:
                expiration = try reader.readUnsigned("the exp claim")
            case ClaimKey.issuedAt:
                issued = try reader.readUnsigned("the iat claim")
            case ClaimKey.tokenID:
                let range = try reader.readByteString("the cti claim")
                guard range.count == TokenID.byteCount else {
                    throw Self.invalid("cti has \(range.count) bytes; it must have \(TokenID.byteCount)")
                }
                id = try TokenID(bytes: reader.bytes[range])
            case ClaimKey.card:
                card = try Self.readCardMap(&reader)
            default:
                throw Self.invalid("the claims set holds key \(key.map(String.init) ?? "out of range"); only 2, 4, 6, 7 and -65537 are allowed")
            }
        }
        guard let subject, let expiration, let issued, let id, let card else {
            let missing = [("sub", subject == nil), ("exp", expiration == nil), ("iat", issued == nil),
                           ("cti", id == nil), ("card", card == nil)].filter(\.1).map(\.0)
            throw Self.invalid("the claims set lacks \(missing.joined(separator: ", "))")
        }
        self.init(
            cardNumber: subject, holderName: card.name, validThrough: card.validThrough,
            issuedAt: issued, expiresAt: expiration, tokenID: id, extraCardEntries: card.extra
        )
    }

    private static func readCardMap(_ reader: inout CBORReader) throws(CardTokenError) -> (HolderName, UInt64, [CBORMapEntry]) {
        let count = try reader.readMapHeader("the card map")
        var name: HolderName?, validThrough: UInt64?
        var extra: [CBORMapEntry] = []
        var previousKey: Range<Int>? = nil
        for _ in 0..<count {
            let keyStart = reader.position
            let key = try reader.readIntegerMapKey(after: &previousKey, depth: 2)
            switch key {
            case ClaimKey.cardHolderName:
                let text = try reader.readTextString("the card holder name")
                do { name = try HolderName(text) } catch { throw invalid("card name \(error.message)") }
            case ClaimKey.cardValidThrough:
                validThrough = try reader.readUnsigned("the card valid-through")
            default:
                // Unknown card entries are allowed; keep them so a re-encoding stays faithful.
                var keyTree = CBORReader(reader.bytes, range: keyStart..<reader.position)
                let keyValue = try CBORValue(reading: &keyTree, depth: 2)
                let value = try CBORValue(reading: &reader, depth: 2)
                extra.append(CBORMapEntry(key: keyValue, value: value))
            }
        }
        guard let name, let validThrough else {
            throw invalid("the card map lacks \(name == nil ? "the holder name (1)" : "the valid-through date (2)")")
        }
        return (name, validThrough, extra)
    }

    /// Reads a map key that must be an integer in `Int64` range, checking the
    /// deterministic order against the previous key.
    static func readIntegerKey(_ reader: inout CBORReader, after previous: inout Range<Int>?, in what: String) throws(CardTokenError) -> Int64? {
        let start = reader.position
        guard let key = try reader.readIntegerMapKey(after: &previous, depth: 1) else {
            throw invalid("the \(what) has a key at offset \(start) that is not an integer in 64-bit range")
        }
        return key
    }

    private static func invalid(_ message: String) -> CardTokenError {
        CardTokenError(.invalidClaims, message)
    }
}
