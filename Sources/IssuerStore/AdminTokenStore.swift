import Crypto
import Foundation
import GRDB

/// What an administrator token may do.
public enum AdminRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Read keys and the audit log.
    case auditor
    /// Also suspend, revoke and reinstate cards, and import.
    case `operator`
    /// Everything, including key rotation and revocation.
    case admin

    private var rank: Int {
        switch self {
        case .auditor: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// An administrator token as listed (never the token itself).
public struct AdminTokenInfo: Sendable, Equatable, Codable {
    public let name: String
    public let role: AdminRole
    public let createdAt: Int64
    public let revokedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case name, role
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// Named administrator bearer tokens, stored as SHA-256 hashes.
public struct AdminTokenStore: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }

    /// Makes a token for `name` and returns it; it is shown once and only
    /// its hash is kept.
    public func create(name: String, role: AdminRole, now: Int64, actor: String) throws(IssuerStoreError) -> String {
        guard (1...64).contains(name.utf8.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw IssuerStoreError(.invalidChange, "a token name is 1–64 letters, digits, '-', '_', '.' or '@'")
        }
        let token = BearerToken.generate(prefix: BearerToken.adminPrefix)
        try database.write { db in
            if try AdminTokenRecord.fetchOne(db, key: name) != nil {
                throw IssuerStoreError(.invalidChange, "there is already a token named \(name); revoke it first or choose another name")
            }
            try AdminTokenRecord(name: name, role: role.rawValue, tokenHash: Data(AccountStore.tokenHash(token)), createdAt: now, revokedAt: nil).insert(db)
            try AuditEvent(at: now, actor: actor, action: "admin_token_created", subject: name, detail: "role \(role.rawValue)").insert(db)
        }
        return token
    }

    /// The name and role of a live token.
    public func lookup(_ token: String) throws(IssuerStoreError) -> (name: String, role: AdminRole)? {
        let hash = Data(AccountStore.tokenHash(token))
        let record = try database.read { db in try AdminTokenRecord.filter(Column("token_hash") == hash).fetchOne(db) }
        guard let record, record.revokedAt == nil, let role = AdminRole(rawValue: record.role) else { return nil }
        return (record.name, role)
    }

    public func revoke(name: String, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard var record = try AdminTokenRecord.fetchOne(db, key: name), record.revokedAt == nil else {
                throw IssuerStoreError(.notFound, "there is no live token named \(name)")
            }
            record.revokedAt = now
            try record.update(db)
            try AuditEvent(at: now, actor: actor, action: "admin_token_revoked", subject: name, detail: "").insert(db)
        }
    }

    public func list() throws(IssuerStoreError) -> [AdminTokenInfo] {
        try database.read { db in try AdminTokenRecord.order(Column("name")).fetchAll(db) }.map {
            AdminTokenInfo(name: $0.name, role: AdminRole(rawValue: $0.role) ?? .auditor, createdAt: $0.createdAt, revokedAt: $0.revokedAt)
        }
    }
}
