import IssuerStore
import Crypto
import Foundation
import GRDB

/// Named administrator bearer tokens, stored as SHA-256 hashes.
public struct AdminTokenStore: Sendable {
    public let database: AppDatabase

    public init(database: AppDatabase) { self.database = database }


    /// Makes a token for `name`, valid for `lifetime` seconds (nil: until
    /// revoked), and returns it; it is shown once and only its hash is kept.
    public func create(name: String, role: AdminRole, lifetime: Int64? = nil, now: Int64, actor: String) throws(IssuerStoreError) -> String {
        let expiresAt = try StaffRules.tokenExpiry(lifetime: lifetime, now: now)
        let name = try StaffRules.tokenName(name)
        let token = BearerToken.generate(prefix: BearerToken.adminPrefix)
        try database.write { db in
            if try AdminTokenRecord.fetchOne(db, key: name) != nil {
                throw IssuerStoreError(.invalidChange, "there is already a token named \(name); revoke it first or choose another name")
            }
            try AdminTokenRecord(name: name, role: role.rawValue, tokenHash: Data(BearerToken.digest(token)), createdAt: now, revokedAt: nil,
                                 expiresAt: expiresAt, lastUsedAt: nil).insert(db)
            try AuditEvent(at: now, actor: actor, action: "admin_token_created", subject: name,
                           detail: "role \(role.rawValue)\(expiresAt.map { ", expires \($0)" } ?? "")").insert(db)
        }
        return token
    }

    /// A live token (not revoked, not expired at `now`): its name, role,
    /// and whether its last use should be noted (``noteUse(name:now:)``).
    public func lookup(_ token: String, now: Int64) throws(IssuerStoreError) -> (name: String, role: AdminRole, noteUse: Bool)? {
        let hash = Data(BearerToken.digest(token))
        let record = try database.read { db in try AdminTokenRecord.filter(Column("token_hash") == hash).fetchOne(db) }
        guard let record, let role = AdminRole(rawValue: record.role) else { return nil }
        let state = StaffRules.liveToken(revokedAt: record.revokedAt, expiresAt: record.expiresAt, lastUsedAt: record.lastUsedAt, now: now)
        return state.live ? (record.name, role, state.noteUse) : nil
    }

    /// Records that the token `name` was used at `now`.
    public func noteUse(name: String, now: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "UPDATE admin_token SET last_used_at = ? WHERE name = ?", arguments: [now, name])
        }
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
            AdminTokenInfo(name: $0.name, role: AdminRole(rawValue: $0.role) ?? .auditor, createdAt: $0.createdAt, revokedAt: $0.revokedAt,
                           expiresAt: $0.expiresAt, lastUsedAt: $0.lastUsedAt)
        }
    }
}
