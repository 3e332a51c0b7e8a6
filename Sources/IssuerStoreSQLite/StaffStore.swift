import Crypto
import Foundation
import GRDB
import IssuerStore

/// The staff console's accounts: a bcrypt password and a TOTP second
/// factor each (the secret sealed under the KEK), roles as the admin API
/// has them, sessions stored as hashes. Every change is audited.
public struct StaffStore: Sendable {
    let database: AppDatabase
    let kek: KeyEncryptionKey

    public init(database: AppDatabase, kek: KeyEncryptionKey) {
        self.database = database
        self.kek = kek
    }


    static func sealContext(_ name: String) -> [UInt8] { StaffRules.totpSealContext(name) }

    /// Makes a staff member; the answer is their TOTP secret, shown once for enrolment.
    public func create(name text: String, displayName: String, role: AdminRole, passwordHash: String, now: Int64, actor: String) throws(IssuerStoreError) -> String {
        let name = try StaffRules.name(text)
        let display = try StaffRules.displayName(displayName)
        let secret = StaffRules.newTOTPSecret()
        let sealed = Data(kek.seal(Array(secret.utf8), context: Self.sealContext(name)))
        try database.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM staff WHERE name = ?", arguments: [name]) != nil {
                throw IssuerStoreError(.invalidChange, "there is already a staff member named \(name)")
            }
            try db.execute(sql: """
                INSERT INTO staff (name, display_name, role, password_hash, totp_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [name, display, role.rawValue, passwordHash, sealed, now])
            try AuditEvent(at: now, actor: actor, action: "staff_created", subject: name, detail: "role \(role.rawValue)").insert(db)
        }
        return secret
    }

    static func member(_ row: Row) -> StaffMember? {
        guard let role = AdminRole(rawValue: row["role"]) else { return nil }
        return StaffMember(name: row["name"], displayName: row["display_name"], role: role, enrolled: row["totp_enrolled"] == 1,
                           createdAt: row["created_at"], disabledAt: row["disabled_at"])
    }

    public func list() throws(IssuerStoreError) -> [StaffMember] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM staff ORDER BY name").compactMap(Self.member)
        }
    }

    /// The credentials of a staff member who is not disabled.
    public func credentials(name: String) throws(IssuerStoreError) -> StaffCredentials? {
        let row = try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM staff WHERE name = ? AND disabled_at IS NULL", arguments: [name]) }
        guard let row, let member = Self.member(row) else { return nil }
        let sealed: Data = row["totp_secret"]
        guard let opened = kek.open(Array(sealed), context: Self.sealContext(member.name)), let secret = String(validating: opened, as: UTF8.self) else {
            throw IssuerStoreError(.corruptRecord, "the TOTP secret of staff member \(member.name) does not open with this KEK")
        }
        return StaffCredentials(member: member, passwordHash: row["password_hash"], totpSecret: secret, lastStep: row["totp_last_step"])
    }

    /// Takes TOTP time step `step` for `name` if it is newer than every
    /// step taken before: false for a code already used (or an older one).
    /// One UPDATE, so two requests with the same code cannot both pass.
    public func takeStep(name: String, step: Int64, enrol: Bool, now: Int64) throws(IssuerStoreError) -> Bool {
        try database.write { db in
            try db.execute(sql: """
                UPDATE staff SET totp_last_step = ?, totp_enrolled = CASE WHEN ? THEN 1 ELSE totp_enrolled END
                WHERE name = ? AND totp_last_step < ? AND disabled_at IS NULL
                """, arguments: [step, enrol, name, step])
            let taken = db.changesCount == 1
            if taken && enrol { try AuditEvent(at: now, actor: "staff:\(name)", action: "staff_enrolled", subject: name, detail: "TOTP").insert(db) }
            return taken
        }
    }

    public func disable(name text: String, now: Int64, actor: String) throws(IssuerStoreError) {
        guard let name = StaffMember.normalizedName(text) else { throw IssuerStoreError(.notFound, "there is no staff member named \(text.prefix(64))") }
        try database.write { db in
            try db.execute(sql: "UPDATE staff SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", arguments: [now, name])
            guard db.changesCount == 1 else { throw IssuerStoreError(.notFound, "there is no active staff member named \(name)") }
            try db.execute(sql: "DELETE FROM staff_session WHERE staff_name = ?", arguments: [name])
            try AuditEvent(at: now, actor: actor, action: "staff_disabled", subject: name, detail: "sessions ended").insert(db)
        }
    }

    // MARK: Sessions

    public func createSession(name: String, tokenHash: [UInt8], now: Int64, expiresAt: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE expires_at <= ?", arguments: [now])
            try db.execute(sql: "INSERT INTO staff_session (token_hash, staff_name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [Data(tokenHash), name, now, expiresAt])
            try AuditEvent(at: now, actor: "staff:\(name)", action: "staff_login", subject: name, detail: "password and TOTP").insert(db)
        }
    }

    /// The staff member behind a live session (not disabled).
    public func session(tokenHash: [UInt8], now: Int64) throws(IssuerStoreError) -> StaffMember? {
        try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT staff.* FROM staff_session JOIN staff ON staff.name = staff_session.staff_name
                WHERE staff_session.token_hash = ? AND staff_session.expires_at > ? AND staff.disabled_at IS NULL
                """, arguments: [Data(tokenHash), now]).flatMap(Self.member)
        }
    }

    public func deleteSession(tokenHash: [UInt8]) throws(IssuerStoreError) {
        try database.write { db in try db.execute(sql: "DELETE FROM staff_session WHERE token_hash = ?", arguments: [Data(tokenHash)]) }
    }
}
