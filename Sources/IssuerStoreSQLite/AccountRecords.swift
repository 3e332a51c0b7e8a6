import IssuerStore
import CardToken
import Foundation
import GRDB

// The neutral rows are SQLite's records: one definition of each table's
// columns for every backend (their coding keys are the columns).

extension HolderRow: FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "holder"

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension CardRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "card"
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

extension CardApplicationRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "card_application"
}
