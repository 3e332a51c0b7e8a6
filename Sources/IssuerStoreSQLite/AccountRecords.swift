import IssuerStore
import CardToken
import Foundation
import GRDB

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

    init(id: Int64?, studentID: String, sealedName: Data, sealedEmail: Data?, emailIndex: Data?, status: String, passwordHash: String?,
         createdAt: Int64, updatedAt: Int64, sealedNationalID: Data? = nil, nationalIDIndex: Data? = nil, sealedMobile: Data? = nil,
         mobileIndex: Data? = nil, diplomaDate: Int64? = nil, passwordChangeRequired: Bool = false) {
        self.id = id
        self.studentID = studentID
        self.sealedName = sealedName
        self.sealedEmail = sealedEmail
        self.emailIndex = emailIndex
        self.status = status
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sealedNationalID = sealedNationalID
        self.nationalIDIndex = nationalIDIndex
        self.sealedMobile = sealedMobile
        self.mobileIndex = mobileIndex
        self.diplomaDate = diplomaDate
        self.passwordChangeRequired = passwordChangeRequired
    }

    /// The record of a neutral row, and back.
    init(_ row: HolderRow) {
        self.init(id: row.id, studentID: row.studentID, sealedName: row.sealedName, sealedEmail: row.sealedEmail, emailIndex: row.emailIndex,
                  status: row.status, passwordHash: row.passwordHash, createdAt: row.createdAt, updatedAt: row.updatedAt,
                  sealedNationalID: row.sealedNationalID, nationalIDIndex: row.nationalIDIndex, sealedMobile: row.sealedMobile,
                  mobileIndex: row.mobileIndex, diplomaDate: row.diplomaDate, passwordChangeRequired: row.passwordChangeRequired)
    }

    var row: HolderRow {
        HolderRow(id: id, studentID: studentID, sealedName: sealedName, sealedEmail: sealedEmail, emailIndex: emailIndex, status: status,
                  passwordHash: passwordHash, createdAt: createdAt, updatedAt: updatedAt, sealedNationalID: sealedNationalID,
                  nationalIDIndex: nationalIDIndex, sealedMobile: sealedMobile, mobileIndex: mobileIndex, diplomaDate: diplomaDate,
                  passwordChangeRequired: passwordChangeRequired)
    }
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

    init(number: String, holderID: Int64, status: String, validThrough: Int64, statusReason: String?, updatedAt: Int64,
         kind: String = CardKind.digital.rawValue) {
        self.number = number
        self.holderID = holderID
        self.status = status
        self.validThrough = validThrough
        self.statusReason = statusReason
        self.updatedAt = updatedAt
        self.kind = kind
    }

    init(_ row: CardRow) {
        self.init(number: row.number, holderID: row.holderID, status: row.status, validThrough: row.validThrough, statusReason: row.statusReason,
                  updatedAt: row.updatedAt, kind: row.kind)
    }

    var row: CardRow {
        CardRow(number: number, holderID: holderID, status: status, validThrough: validThrough, statusReason: statusReason, updatedAt: updatedAt, kind: kind)
    }

    func card() throws(IssuerStoreError) -> Card { try row.card() }
}

struct SessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var tokenHash: Data
    var holderID: Int64
    var createdAt: Int64
    var expiresAt: Int64
    var lastSeenAt: Int64? = nil
    var userAgent: String? = nil

    enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash"
        case holderID = "holder_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastSeenAt = "last_seen_at"
        case userAgent = "user_agent"
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
