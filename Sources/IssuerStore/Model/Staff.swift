import Foundation

/// What an administrator token may do.
public enum AdminRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Read keys and the audit log.
    case auditor
    /// Also review account applications: read their personal data and
    /// documents (each read audited), approve, reject, ask for more.
    case reviewer
    /// Also suspend, revoke and reinstate cards, and import.
    case `operator`
    /// Everything, including key rotation and revocation.
    case admin

    private var rank: Int {
        switch self {
        case .auditor: 0
        case .reviewer: 1
        case .operator: 2
        case .admin: 3
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A staff member as listed (never the password or the TOTP secret).
public struct StaffMember: Sendable, Equatable {
    /// A staff name as stored and typed at sign-in: trimmed, lower case,
    /// 1–64 of `a-z 0-9 - _ . @`; nil for anything else.
    public static func normalizedName(_ text: String) -> String? {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard (1...64).contains(name.utf8.count), name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.@".unicodeScalars.contains($0) }) else {
            return nil
        }
        return name
    }

    public let name: String
    public let displayName: String
    public let role: AdminRole
    public let enrolled: Bool
    public let createdAt: Int64
    public let disabledAt: Int64?

    package init(name: String, displayName: String, role: AdminRole, enrolled: Bool, createdAt: Int64, disabledAt: Int64? = nil) {
        self.name = name
        self.displayName = displayName
        self.role = role
        self.enrolled = enrolled
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// What signing a staff member in needs, read in one go.
public struct StaffCredentials: Sendable {
    public let member: StaffMember
    public let passwordHash: String
    /// The TOTP secret, opened from its seal.
    public let totpSecret: String
    public let lastStep: Int64

    package init(member: StaffMember, passwordHash: String, totpSecret: String, lastStep: Int64) {
        self.member = member
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.lastStep = lastStep
    }
}

/// An administrator token as listed (never the token itself).
public struct AdminTokenInfo: Sendable, Equatable, Codable {
    public let name: String
    public let role: AdminRole
    public let createdAt: Int64
    public let revokedAt: Int64?
    /// After this the token is refused; nil for a token made without expiry.
    public let expiresAt: Int64?
    /// When the token was last used (to the minute).
    public let lastUsedAt: Int64?

    package enum CodingKeys: String, CodingKey {
        case name, role
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }

    package init(name: String, role: AdminRole, createdAt: Int64, revokedAt: Int64? = nil, expiresAt: Int64? = nil, lastUsedAt: Int64? = nil) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }
}
