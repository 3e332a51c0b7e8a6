/// What the issuer knows of a card when it signs a token for it.
public struct CardDetails: Hashable, Sendable {
    public var number: CardNumber
    /// The display name, already masked by the issuer's policy.
    public var holderName: HolderName
    public var validThrough: CardDate

    public init(number: CardNumber, holderName: HolderName, validThrough: CardDate) {
        self.number = number
        self.holderName = holderName
        self.validThrough = validThrough
    }
}

/// A token as the issuer made it: the QR text and what it says.
public struct IssuedToken: Hashable, Sendable {
    /// `AC1:` followed by Base45 of the COSE bytes.
    public let text: String
    public let claims: CardClaims
    public let keyID: KeyID
    public let algorithm: CoseAlgorithm
}

/// Makes AC1 tokens (ac1-token.md §2–§3). Pure: the time and the token id
/// come in from the caller, so the same inputs give the same bytes.
public struct TokenIssuer: Sendable {
    public init() {}

    /// Issues a token for `card`, valid from `now` for `lifetime` seconds,
    /// with a token id drawn from `generator`.
    public func issue(
        card: CardDetails, key: SigningKey, now: Int64,
        lifetime: Int64 = TokenFormat.defaultLifetime,
        using generator: inout some RandomNumberGenerator
    ) throws(CardTokenError) -> IssuedToken {
        try issue(card: card, key: key, now: now, lifetime: lifetime, tokenID: .random(using: &generator))
    }

    /// Issues a token for `card` with the given token id.
    public func issue(
        card: CardDetails, key: SigningKey, now: Int64,
        lifetime: Int64 = TokenFormat.defaultLifetime, tokenID: TokenID
    ) throws(CardTokenError) -> IssuedToken {
        guard now >= 0 else {
            throw CardTokenError(.invalidClaimValue, "the issue time \(now) is before 1970; iat is an unsigned integer")
        }
        guard lifetime > 0, lifetime <= Int64.max - now else {
            throw CardTokenError(.invalidClaimValue, "the lifetime \(lifetime) s must be positive")
        }
        let claims = CardClaims(
            cardNumber: card.number, holderName: card.holderName, validThrough: card.validThrough,
            issuedAt: UInt64(now), expiresAt: UInt64(now + lifetime), tokenID: tokenID
        )
        return try issue(claims: claims, key: key)
    }

    /// Signs exactly these claims, unknown card entries included.
    public func issue(claims: CardClaims, key: SigningKey) throws(CardTokenError) -> IssuedToken {
        let protected = Self.protectedHeader(algorithm: key.algorithm, keyID: key.id)
        let payload = try claims.encoded()
        let tag = key.algorithm.coseTag
        let signature = try key.authenticate(ParsedToken.toBeSigned(tag: tag, protected: protected, payload: payload))

        var writer = CBORWriter(capacity: protected.count + payload.count + signature.count + 8)
        writer.writeTag(tag)
        writer.writeArrayHeader(count: 4)
        writer.writeByteString(protected)
        writer.writeMapHeader(count: 0)
        writer.writeByteString(payload)
        writer.writeByteString(signature)
        let text = TokenFormat.prefix + Base45.encode(writer.bytes)
        guard text.utf8.count <= TokenFormat.maximumTextLength else {
            throw CardTokenError(.tokenTooLong, "the token would have \(text.utf8.count) characters; verifiers read at most \(TokenFormat.maximumTextLength)")
        }
        return IssuedToken(text: text, claims: claims, keyID: key.id, algorithm: key.algorithm)
    }

    /// `{1: alg, 4: kid}` in deterministic order (§2).
    static func protectedHeader(algorithm: CoseAlgorithm, keyID: KeyID) -> [UInt8] {
        var writer = CBORWriter(capacity: 16)
        writer.writeMapHeader(count: 2)
        writer.writeUnsigned(1)
        writer.writeInteger(algorithm.rawValue)
        writer.writeUnsigned(4)
        writer.writeByteString(keyID.bytes)
        return writer.bytes
    }
}
