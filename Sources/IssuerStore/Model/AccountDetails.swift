/// The part of an account the holder keeps up (alumni-api.md §10): what
/// the approved application said, changed since by the holder. Sealed as
/// one value. A holder the registrar imported and who never applied has
/// none of it until they fill it in.
public struct HolderProfile: Sendable, Codable, Equatable {
    public var englishName: String?
    public var sex: String?
    public var birthDate: String?
    public var records: [EducationRecord]
    public var permanentAddress: PostalAddress?
    /// Nil when it is the same as the permanent address.
    public var mailingAddress: PostalAddress?
    public var phone: String?

    public init(englishName: String? = nil, sex: String? = nil, birthDate: String? = nil, records: [EducationRecord] = [],
                permanentAddress: PostalAddress? = nil, mailingAddress: PostalAddress? = nil, phone: String? = nil) {
        self.englishName = englishName
        self.sex = sex
        self.birthDate = birthDate
        self.records = records
        self.permanentAddress = permanentAddress
        self.mailingAddress = mailingAddress
        self.phone = phone
    }

    /// The profile an approved application starts the account with.
    public init(_ form: AccountApplicationForm) {
        self.init(englishName: form.englishName, sex: form.sex, birthDate: form.birthDate, records: form.records,
                  permanentAddress: form.permanentAddress, mailingAddress: form.mailingAddress, phone: form.phone)
    }

    package enum CodingKeys: String, CodingKey {
        case sex, records, phone
        case englishName = "english_name"
        case birthDate = "birth_date"
        case permanentAddress = "permanent_address"
        case mailingAddress = "mailing_address"
    }
}

/// Everything the centre holds about a holder that their account page
/// shows, unsealed for their own eyes; the national ID only masked.
public struct AccountDetails: Sendable, Equatable {
    public let holderID: Int64
    public let studentID: String
    public let chineseName: String
    /// `A1******89`; nil when no national ID is on file.
    public let nationalIDMasked: String?
    public let email: String?
    public let mobile: String?
    public let profile: HolderProfile
    /// Whether card reminders are mailed.
    public let reminders: Bool

    package init(holderID: Int64, studentID: String, chineseName: String, nationalIDMasked: String?, email: String?, mobile: String?,
                 profile: HolderProfile, reminders: Bool) {
        self.holderID = holderID
        self.studentID = studentID
        self.chineseName = chineseName
        self.nationalIDMasked = nationalIDMasked
        self.email = email
        self.mobile = mobile
        self.profile = profile
        self.reminders = reminders
    }
}

/// A change of contact data by the holder (`PATCH /v1/account`), already
/// checked by the application form's rules. A nil member is left as it is.
public struct ContactUpdate: Sendable, Equatable {
    /// `.some(nil)` removes the phone number.
    public var phone: String??
    /// Normalised: ten digits for Taiwan, `+` and digits otherwise.
    public var mobile: String?
    public var permanentAddress: PostalAddress?
    /// `.some(nil)`: the same as the permanent address.
    public var mailingAddress: PostalAddress??
    public var reminders: Bool?

    public init(phone: String?? = nil, mobile: String? = nil, permanentAddress: PostalAddress? = nil, mailingAddress: PostalAddress?? = nil,
                reminders: Bool? = nil) {
        self.phone = phone
        self.mobile = mobile
        self.permanentAddress = permanentAddress
        self.mailingAddress = mailingAddress
        self.reminders = reminders
    }

    /// The API's names of the fields a change can touch.
    public enum Field: String, Sendable, CaseIterable, Comparable {
        case phone, mobile
        case permanentAddress = "permanent_address"
        case mailingAddress = "mailing_address"
        case reminders

        public static func < (left: Field, right: Field) -> Bool { left.rawValue < right.rawValue }
        /// Contact data: a change of it is told to the e-mail address on file (the reminder switch is not).
        public var isContactData: Bool { self != .reminders }
    }
}

/// What ``AccountRepository/updateContact(holderID:_:now:notice:)`` did.
public struct ContactChangeOutcome: Sendable, Equatable {
    public let details: AccountDetails
    /// The fields whose value changed (a field sent with its current value is not a change).
    public let changed: Set<ContactUpdate.Field>

    package init(details: AccountDetails, changed: Set<ContactUpdate.Field>) {
        self.details = details
        self.changed = changed
    }
}

/// How a confirmation of a new e-mail address ended.
public enum EmailChangeOutcome: Sendable, Equatable {
    /// The address changed from `old` (nil when there was none).
    case changed(old: String?, new: String)
    /// No pending change, a wrong or expired code, or a change that cannot complete.
    case invalid
    /// The fifth wrong code: the pending change is gone.
    case void
}

/// One of a holder's live sessions, as the sessions list shows it.
public struct HolderSessionRecord: Sendable, Equatable {
    /// The SHA-256 of the session's bearer token: the row's key, never shown.
    public let tokenHash: [UInt8]
    public let createdAt: Int64
    /// To within the session cache's resolution (5 minutes); nil before the first use after signing in.
    public let lastSeenAt: Int64?
    public let userAgent: String?
    public let expiresAt: Int64

    /// The longest browser description kept with a session, in characters (the column's CHECK).
    public static let userAgentLength = 200

    package init(tokenHash: [UInt8], createdAt: Int64, lastSeenAt: Int64?, userAgent: String?, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.userAgent = userAgent
        self.expiresAt = expiresAt
    }
}
