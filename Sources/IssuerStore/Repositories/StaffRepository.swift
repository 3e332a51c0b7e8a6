/// Staff console accounts and admin API tokens, whatever holds them (issue
/// #26). Every change is one transaction, audited; every backend passes
/// `StaffRepositoryConformanceTests`.
public protocol StaffRepository: Sendable {
    /// Adds a staff member; returns the TOTP secret to enrol (shown once).
    func createStaff(name: String, displayName: String, role: AdminRole, passwordHash: String, now: Int64, actor: String) async throws -> String
    func staffMembers() async throws -> [StaffMember]
    /// What signing in checks, the TOTP secret unsealed.
    func credentials(name: String) async throws -> StaffCredentials?
    /// Takes a TOTP time step once (replays and older steps are refused:
    /// false), and with `enrol` marks the member enrolled. Of two racing
    /// uses of one step, one wins.
    func takeStep(name: String, step: Int64, enrol: Bool, now: Int64) async throws -> Bool
    /// Disables a member and ends their sessions.
    func disableStaff(name: String, now: Int64, actor: String) async throws

    /// Makes an admin API token; returns it (shown once; only its hash is kept).
    func createAdminToken(name: String, role: AdminRole, lifetime: Int64?, now: Int64, actor: String) async throws -> String
    /// The live token's name and role, and whether its last use is old enough to note again.
    func adminToken(_ token: String, now: Int64) async throws -> (name: String, role: AdminRole, noteUse: Bool)?
    func noteAdminTokenUse(name: String, now: Int64) async throws
    func revokeAdminToken(name: String, now: Int64, actor: String) async throws
    func adminTokens() async throws -> [AdminTokenInfo]
}
