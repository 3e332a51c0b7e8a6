import CardToken
import Foundation
import GRDB

/// Whether a holder may log in.
public enum HolderStatus: String, Sendable, Codable, CaseIterable {
    case active, suspended
}

/// A card's state: only `active` cards get tokens.
public enum CardStatus: String, Sendable, Codable, CaseIterable {
    case active, suspended, revoked
}

/// An alumnus, with the personal fields already unsealed.
public struct Holder: Sendable, Equatable {
    public let id: Int64
    public let studentID: String
    public let displayName: String
    public let email: String?
    public let status: HolderStatus
    /// The password hash (bcrypt), or nil when no password is set yet.
    public let passwordHash: String?
    /// The mobile number on file.
    public var mobile: String? = nil
    /// When the registrar says the diploma was received (new graduates).
    public var diplomaDate: CardDate? = nil
    /// Whether a national ID is on file (it is never unsealed for a login).
    public var hasNationalID = false
    /// Set while the password is still the national ID, or after staff ask
    /// for a new one: the card and token endpoints refuse until it changes.
    public var passwordChangeRequired = false

    /// The first login is with the national ID: no password was ever set.
    public var firstLoginPending: Bool { passwordHash == nil && hasNationalID }
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

struct HolderRecord: Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "holder"
    var id: Int64?
    var studentID: String
    var sealedName: Data
    var sealedEmail: Data?
    var emailIndex: Data?
    var status: String
    var passwordHash: String?
    var createdAt: Int64
    var updatedAt: Int64
    var sealedNationalID: Data? = nil
    var nationalIDIndex: Data? = nil
    var sealedMobile: Data? = nil
    var mobileIndex: Data? = nil
    var diplomaDate: Int64? = nil
    var passwordChangeRequired = false

    enum CodingKeys: String, CodingKey {
        case id, status
        case studentID = "student_id"
        case sealedName = "sealed_name"
        case sealedEmail = "sealed_email"
        case emailIndex = "email_index"
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sealedNationalID = "sealed_national_id"
        case nationalIDIndex = "national_id_index"
        case sealedMobile = "sealed_mobile"
        case mobileIndex = "mobile_index"
        case diplomaDate = "diploma_date"
        case passwordChangeRequired = "password_change_required"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct CardRecord: Codable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "card"
    var number: String
    var holderID: Int64
    var status: String
    var validThrough: Int64
    var statusReason: String?
    var updatedAt: Int64
    var kind = CardKind.digital.rawValue

    enum CodingKeys: String, CodingKey {
        case number, status, kind
        case holderID = "holder_id"
        case validThrough = "valid_through"
        case statusReason = "status_reason"
        case updatedAt = "updated_at"
    }

    func card() throws(IssuerStoreError) -> Card {
        guard let number = try? CardNumber(self.number), let status = CardStatus(rawValue: status),
              validThrough >= 0, let date = try? CardDate(yyyymmdd: UInt64(validThrough)) else {
            throw IssuerStoreError(.corruptRecord, "the stored card \(self.number) has an unreadable number, status or date")
        }
        return Card(number: number, holderID: holderID, status: status, validThrough: date, statusReason: statusReason,
                    kind: CardKind(rawValue: kind) ?? .digital)
    }
}

struct SessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var tokenHash: Data
    var holderID: Int64
    var createdAt: Int64
    var expiresAt: Int64

    enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash"
        case holderID = "holder_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

struct AdminTokenRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "admin_token"
    var name: String
    var role: String
    var tokenHash: Data
    var createdAt: Int64
    var revokedAt: Int64?
    var expiresAt: Int64?
    var lastUsedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case name, role
        case tokenHash = "token_hash"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }
}
