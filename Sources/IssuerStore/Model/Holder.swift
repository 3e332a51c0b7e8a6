import CardToken

/// Whether a holder may log in.
public enum HolderStatus: String, Sendable, Codable, CaseIterable {
    case active, suspended
}

/// An alumnus, with the personal fields already unsealed.
public struct Holder: Sendable, Equatable {
    public let id: Int64
    public let studentID: String
    public let displayName: String
    public let email: String?
    public let status: HolderStatus
    /// The password hash (bcrypt), or nil when no password is set yet.
    public let passwordHash: String?
    /// The mobile number on file.
    public var mobile: String? = nil
    /// When the registrar says the diploma was received (new graduates).
    public var diplomaDate: CardDate? = nil
    /// Whether a national ID is on file (it is never unsealed for a login).
    public var hasNationalID = false
    /// Set while the password is still the national ID, or after staff ask
    /// for a new one: the card and token endpoints refuse until it changes.
    public var passwordChangeRequired = false

    /// The first login is with the national ID: no password was ever set.
    public var firstLoginPending: Bool { passwordHash == nil && hasNationalID }

    package init(id: Int64, studentID: String, displayName: String, email: String? = nil, status: HolderStatus, passwordHash: String? = nil, mobile: String? = nil, diplomaDate: CardDate? = nil,
                 hasNationalID: Bool = false, passwordChangeRequired: Bool = false) {
        self.id = id
        self.studentID = studentID
        self.displayName = displayName
        self.email = email
        self.status = status
        self.passwordHash = passwordHash
        self.mobile = mobile
        self.diplomaDate = diplomaDate
        self.hasNationalID = hasNationalID
        self.passwordChangeRequired = passwordChangeRequired
    }
}
