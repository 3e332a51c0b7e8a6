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
