/// The claims of an AC1 token (ac1-token.md §3): the CWT claims set with its
/// card map, as typed values.
public struct CardClaims: Hashable, Sendable {
    /// `sub` (2): the card number.
    public var cardNumber: CardNumber
    /// `exp` (4): when the token expires, in seconds since the Unix epoch.
    public var expiresAt: UInt64
    /// `iat` (6): when the token was issued, in seconds since the Unix epoch.
    public var issuedAt: UInt64
    /// `cti` (7): the token id.
    public var tokenID: TokenID
    /// Card map key 1: the masked display name.
    public var holderName: HolderName
    /// Card map key 2: valid through, as the YYYYMMDD integer on the wire.
    /// It is kept as received so that verification never depends on a
    /// re-encoding; ``validThroughDate`` interprets it.
    public var validThrough: UInt64
    /// Card map entries a verifier does not know. They are covered by the
    /// signature and otherwise ignored (§3).
    public var extraCardEntries: [CBORMapEntry]

    public init(
        cardNumber: CardNumber,
        holderName: HolderName,
        validThrough: CardDate,
        issuedAt: UInt64,
        expiresAt: UInt64,
        tokenID: TokenID,
        extraCardEntries: [CBORMapEntry] = []
    ) {
        self.init(
            cardNumber: cardNumber, holderName: holderName, validThrough: UInt64(validThrough.yyyymmdd),
            issuedAt: issuedAt, expiresAt: expiresAt, tokenID: tokenID, extraCardEntries: extraCardEntries
        )
    }

    init(
        cardNumber: CardNumber, holderName: HolderName, validThrough: UInt64,
        issuedAt: UInt64, expiresAt: UInt64, tokenID: TokenID, extraCardEntries: [CBORMapEntry]
    ) {
        self.cardNumber = cardNumber
        self.holderName = holderName
        self.validThrough = validThrough
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenID = tokenID
        self.extraCardEntries = extraCardEntries
    }

    /// The valid-through date, if the integer names a real date.
    public var validThroughDate: CardDate? { try? CardDate(yyyymmdd: validThrough) }
}

/// The claim keys (RFC 8392 §4 and the private card key of ac1-token.md §3).
enum ClaimKey {
    static let subject: Int64 = 2
    static let expiration: Int64 = 4
    static let issuedAt: Int64 = 6
    static let tokenID: Int64 = 7
    static let card: Int64 = -65537
    static let cardHolderName: Int64 = 1
    static let cardValidThrough: Int64 = 2
}
