import Foundation
import IssuerStore
import PostgresNIO

/// ``StaffRepository`` on PostgreSQL: the rules of ``StaffRules``, a TOTP
/// step taken by one conditional UPDATE (so of two racing uses of one
/// code, on any instances, one wins), names unique by their keys.
public struct PostgresStaffRepository: StaffRepository {
    let storage: PostgresStorage
    let kek: KeyEncryptionKey

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        self.kek = kek
    }

    static let memberColumns = "name, display_name, role, totp_enrolled, created_at, disabled_at"

    static func members(_ rows: PostgresRowSequence) async throws -> [StaffMember] {
        var members: [StaffMember] = []
        for try await row in rows.decode((String, String, String, Bool, Int64, Int64?).self) {
            guard let role = AdminRole(rawValue: row.2) else { continue }
            members.append(StaffMember(name: row.0, displayName: row.1, role: role, enrolled: row.3, createdAt: row.4, disabledAt: row.5))
        }
        return members
    }

    public func createStaff(name text: String, displayName: String, role: AdminRole, passwordHash: String, now: Int64, actor: String) async throws -> String {
        let name = try StaffRules.name(text)
        let display = try StaffRules.displayName(displayName)
        let secret = StaffRules.newTOTPSecret()
        let sealed = Data(kek.seal(Array(secret.utf8), context: StaffRules.totpSealContext(name)))
        try await storage.transaction("cannot add the staff member") { connection in
            guard try await connection.run("""
                INSERT INTO staff (name, display_name, role, password_hash, totp_secret, created_at)
                VALUES (\(name), \(display), \(role.rawValue), \(passwordHash), \(sealed), \(now)) ON CONFLICT (name) DO NOTHING
                """) == 1 else {
                throw IssuerStoreError(.invalidChange, "there is already a staff member named \(name)")
            }
            try await connection.audit(at: now, actor: actor, action: "staff_created", subject: name, detail: "role \(role.rawValue)")
        }
        return secret
    }

    public func staffMembers() async throws -> [StaffMember] {
        try await storage.read("cannot list the staff") { connection in
            try await Self.members(try await connection.query("""
                SELECT name, display_name, role, totp_enrolled, created_at, disabled_at FROM staff ORDER BY name
                """, logger: PostgresConnection.quiet))
        }
    }

    public func credentials(name: String) async throws -> StaffCredentials? {
        let found = try await storage.read("cannot read the staff member") { connection -> (StaffMember, String, Data, Int64)? in
            for try await row in try await connection.query("""
                SELECT name, display_name, role, totp_enrolled, created_at, disabled_at, password_hash, totp_secret, totp_last_step
                FROM staff WHERE name = \(name) AND disabled_at IS NULL
                """, logger: PostgresConnection.quiet).decode((String, String, String, Bool, Int64, Int64?, String, Data, Int64).self) {
                guard let role = AdminRole(rawValue: row.2) else { return nil }
                return (StaffMember(name: row.0, displayName: row.1, role: role, enrolled: row.3, createdAt: row.4, disabledAt: row.5), row.6, row.7, row.8)
            }
            return nil
        }
        guard let (member, passwordHash, sealed, lastStep) = found else { return nil }
        guard let opened = kek.open(Array(sealed), context: StaffRules.totpSealContext(member.name)), let secret = String(validating: opened, as: UTF8.self) else {
            throw IssuerStoreError(.corruptRecord, "the TOTP secret of staff member \(member.name) does not open with this KEK")
        }
        return StaffCredentials(member: member, passwordHash: passwordHash, totpSecret: secret, lastStep: lastStep)
    }

    public func takeStep(name: String, step: Int64, enrol: Bool, now: Int64) async throws -> Bool {
        try await storage.transaction("cannot take the code") { connection in
            let taken = try await connection.run("""
                UPDATE staff SET totp_last_step = \(step), totp_enrolled = (totp_enrolled OR \(enrol))
                WHERE name = \(name) AND totp_last_step < \(step) AND disabled_at IS NULL
                """) == 1
            if taken && enrol { try await connection.audit(at: now, actor: "staff:\(name)", action: "staff_enrolled", subject: name, detail: "TOTP") }
            return taken
        }
    }

    public func disableStaff(name text: String, now: Int64, actor: String) async throws {
        guard let name = StaffMember.normalizedName(text) else { throw IssuerStoreError(.notFound, "there is no staff member named \(text.prefix(64))") }
        try await storage.transaction("cannot disable the staff member") { connection in
            guard try await connection.run("UPDATE staff SET disabled_at = \(now) WHERE name = \(name) AND disabled_at IS NULL") == 1 else {
                throw IssuerStoreError(.notFound, "there is no active staff member named \(name)")
            }
            try await connection.run("DELETE FROM staff_session WHERE staff_name = \(name)")
            try await connection.audit(at: now, actor: actor, action: "staff_disabled", subject: name, detail: "sessions ended")
        }
    }

    public func createAdminToken(name text: String, role: AdminRole, lifetime: Int64?, now: Int64, actor: String) async throws -> String {
        let expiresAt = try StaffRules.tokenExpiry(lifetime: lifetime, now: now)
        let name = try StaffRules.tokenName(text)
        let token = BearerToken.generate(prefix: BearerToken.adminPrefix)
        let hash = Data(BearerToken.digest(token))
        try await storage.transaction("cannot make the token") { connection in
            guard try await connection.run("""
                INSERT INTO admin_token (name, role, token_hash, created_at, expires_at) VALUES (\(name), \(role.rawValue), \(hash), \(now), \(expiresAt))
                ON CONFLICT (name) DO NOTHING
                """) == 1 else {
                throw IssuerStoreError(.invalidChange, "there is already a token named \(name); revoke it first or choose another name")
            }
            try await connection.audit(at: now, actor: actor, action: "admin_token_created", subject: name,
                                       detail: "role \(role.rawValue)\(expiresAt.map { ", expires \($0)" } ?? "")")
        }
        return token
    }

    public func adminToken(_ token: String, now: Int64) async throws -> (name: String, role: AdminRole, noteUse: Bool)? {
        let hash = Data(BearerToken.digest(token))
        return try await storage.read("cannot read the token") { connection -> (name: String, role: AdminRole, noteUse: Bool)? in
            for try await row in try await connection.query("""
                SELECT name, role, revoked_at, expires_at, last_used_at FROM admin_token WHERE token_hash = \(hash)
                """, logger: PostgresConnection.quiet).decode((String, String, Int64?, Int64?, Int64?).self) {
                guard let role = AdminRole(rawValue: row.1) else { return nil }
                let state = StaffRules.liveToken(revokedAt: row.2, expiresAt: row.3, lastUsedAt: row.4, now: now)
                return state.live ? (row.0, role, state.noteUse) : nil
            }
            return nil
        }
    }

    public func noteAdminTokenUse(name: String, now: Int64) async throws {
        _ = try await storage.transaction("cannot note the token's use") { connection in
            try await connection.run("UPDATE admin_token SET last_used_at = \(now) WHERE name = \(name)")
        }
    }

    public func revokeAdminToken(name: String, now: Int64, actor: String) async throws {
        try await storage.transaction("cannot revoke the token") { connection in
            guard try await connection.run("UPDATE admin_token SET revoked_at = \(now) WHERE name = \(name) AND revoked_at IS NULL") == 1 else {
                throw IssuerStoreError(.notFound, "there is no live token named \(name)")
            }
            try await connection.audit(at: now, actor: actor, action: "admin_token_revoked", subject: name, detail: "")
        }
    }

    public func adminTokens() async throws -> [AdminTokenInfo] {
        try await storage.read("cannot list the tokens") { connection in
            var tokens: [AdminTokenInfo] = []
            for try await row in try await connection.query("""
                SELECT name, role, created_at, revoked_at, expires_at, last_used_at FROM admin_token ORDER BY name
                """, logger: PostgresConnection.quiet).decode((String, String, Int64, Int64?, Int64?, Int64?).self) {
                tokens.append(AdminTokenInfo(name: row.0, role: AdminRole(rawValue: row.1) ?? .auditor, createdAt: row.2, revokedAt: row.3,
                                             expiresAt: row.4, lastUsedAt: row.5))
            }
            return tokens
        }
    }
}
