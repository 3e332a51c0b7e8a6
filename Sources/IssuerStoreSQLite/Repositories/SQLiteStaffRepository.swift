import IssuerStore

/// ``StaffRepository`` on the SQLite database: the staff and admin-token
/// stores' calls on the database threads.
public struct SQLiteStaffRepository: StaffRepository {
    let staff: StaffStore
    let tokens: AdminTokenStore
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        staff = StaffStore(database: database, kek: kek)
        tokens = AdminTokenStore(database: database)
        self.threads = threads
    }

    public func createStaff(name: String, displayName: String, role: AdminRole, passwordHash: String, now: Int64, actor: String) async throws -> String {
        let staff = staff
        return try await threads.write { try staff.create(name: name, displayName: displayName, role: role, passwordHash: passwordHash, now: now, actor: actor) }
    }

    public func staffMembers() async throws -> [StaffMember] {
        let staff = staff
        return try await threads.read { try staff.list() }
    }

    public func credentials(name: String) async throws -> StaffCredentials? {
        let staff = staff
        return try await threads.read { try staff.credentials(name: name) }
    }

    public func takeStep(name: String, step: Int64, enrol: Bool, now: Int64) async throws -> Bool {
        let staff = staff
        return try await threads.write { try staff.takeStep(name: name, step: step, enrol: enrol, now: now) }
    }

    public func disableStaff(name: String, now: Int64, actor: String) async throws {
        let staff = staff
        try await threads.write { try staff.disable(name: name, now: now, actor: actor) }
    }

    public func createAdminToken(name: String, role: AdminRole, lifetime: Int64?, now: Int64, actor: String) async throws -> String {
        let tokens = tokens
        return try await threads.write { try tokens.create(name: name, role: role, lifetime: lifetime, now: now, actor: actor) }
    }

    public func adminToken(_ token: String, now: Int64) async throws -> (name: String, role: AdminRole, noteUse: Bool)? {
        let tokens = tokens
        return try await threads.read { try tokens.lookup(token, now: now) }
    }

    public func noteAdminTokenUse(name: String, now: Int64) async throws {
        let tokens = tokens
        try await threads.write { try tokens.noteUse(name: name, now: now) }
    }

    public func revokeAdminToken(name: String, now: Int64, actor: String) async throws {
        let tokens = tokens
        try await threads.write { try tokens.revoke(name: name, now: now, actor: actor) }
    }

    public func adminTokens() async throws -> [AdminTokenInfo] {
        let tokens = tokens
        return try await threads.read { try tokens.list() }
    }
}
