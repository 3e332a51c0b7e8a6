import Clocks
import IssuerStore
import NIOPosix

/// The console's staff accounts and the admin API's tokens, as operators
/// manage them (`alumnicard staff`, `alumnicard admin-tokens`). Every
/// change is audited under its actor in its own transaction; passwords
/// are hashed off the cooperative pool and never kept.
package struct StaffAdministrationService: Sendable {
    package let staff: any StaffRepository
    package let hasher: PasswordHasher
    package let clock: IssuerClock

    package init(staff: any StaffRepository, hasher: PasswordHasher, clock: IssuerClock) {
        self.staff = staff
        self.hasher = hasher
        self.clock = clock
    }

    /// Creates a staff account; its authenticator is set up at the first
    /// sign-in. Returns the name as stored (trimmed, lower case).
    @discardableResult
    package func createStaff(name: String, displayName: String?, role: AdminRole, password: String, actor: String) async throws -> String {
        guard let normalized = StaffMember.normalizedName(name) else {
            throw IssuerError.invalid("invalid_field", field: "name", "a staff name is 1–64 of a-z, 0-9, '-', '_', '.', '@'")
        }
        if let problem = PasswordHasher.problem(with: password) { throw IssuerError.invalid("password_too_simple", field: "password", problem) }
        let hasher = hasher
        let hash = try await NIOThreadPool.singleton.runIfActive { hasher.hash(password) }
        _ = try await staff.createStaff(name: normalized, displayName: displayName ?? normalized, role: role, passwordHash: hash, now: clock.now(), actor: actor)
        return normalized
    }

    package func staffMembers() async throws -> [StaffMember] {
        try await staff.staffMembers()
    }

    /// Disables a staff account; its sessions end.
    package func disableStaff(name: String, actor: String) async throws {
        try await staff.disableStaff(name: name, now: clock.now(), actor: actor)
    }

    /// Makes an admin API token, returned once (only its hash is kept).
    package func createAdminToken(name: String, role: AdminRole, lifetime: Int64?, actor: String) async throws -> String {
        try await staff.createAdminToken(name: name, role: role, lifetime: lifetime, now: clock.now(), actor: actor)
    }

    package func adminTokens() async throws -> [AdminTokenInfo] {
        try await staff.adminTokens()
    }

    package func revokeAdminToken(name: String, actor: String) async throws {
        try await staff.revokeAdminToken(name: name, now: clock.now(), actor: actor)
    }
}
