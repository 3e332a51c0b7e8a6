import CardToken

/// A card's state: only `active` cards get tokens.
public enum CardStatus: String, Sendable, Codable, CaseIterable {
    case active, suspended, revoked
}

/// An alumni card.
public struct Card: Sendable, Equatable {
    public let number: CardNumber
    public let holderID: Int64
    public let status: CardStatus
    public let validThrough: CardDate
    /// Why the card was last suspended, revoked or reinstated.
    public let statusReason: String?
    /// A plastic card or the digital one.
    public var kind: CardKind = .digital

    package init(number: CardNumber, holderID: Int64, status: CardStatus, validThrough: CardDate, statusReason: String? = nil, kind: CardKind = .digital) {
        self.number = number
        self.holderID = holderID
        self.status = status
        self.validThrough = validThrough
        self.statusReason = statusReason
        self.kind = kind
    }
}

/// Whether a card is the plastic one or the digital one (alumni-api.md §7).
public enum CardKind: String, Sendable, Codable, CaseIterable {
    case physical, digital
}

/// A card's token for one refresh window.
public struct SignedCardToken: Sendable, Equatable {
    public let cardNumber: String
    public let windowStart: Int64
    public let token: String
    public let kid: String
    public let issuedAt: Int64
    public let expiresAt: Int64

    public init(cardNumber: String, windowStart: Int64, token: String, kid: String, issuedAt: Int64, expiresAt: Int64) {
        self.cardNumber = cardNumber
        self.windowStart = windowStart
        self.token = token
        self.kid = kid
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
