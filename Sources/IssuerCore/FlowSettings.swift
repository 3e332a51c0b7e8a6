import AccountRules

/// How the first login is checked: the national ID alone (the centre's
/// how-to), or with a six-digit code mailed to the address on file.
public enum FirstLogin: String, Sendable, CaseIterable {
    case nationalID = "national_id"
    case nationalIDAndMailCode = "national_id_and_mail_code"
}

/// When a login must pass the human check.
public enum HumanCheckLogin: String, Sendable, CaseIterable {
    case always
    case afterFailures = "after_failures"
    case never
}

/// When a card application's card is issued.
public enum CardIssueMoment: String, Sendable, CaseIterable {
    /// The card shows at once; the fee is owed.
    case submission
    /// The card is issued when staff record the payment.
    case payment
}

/// The settings the centre's flows read, taken once from the daemon's
/// configuration (`IssuerConfiguration.flowSettings`), so that a domain
/// service knows nothing of YAML or of the HTTP server. The names match
/// the configuration's; docs/configuration.md says what each does.
public struct FlowSettings: Sendable {
    // login
    public var sessionLifetime: Int64 = 12 * 3_600
    public var firstLogin = FirstLogin.nationalID
    public var firstLoginDailyLimit = 20
    public var resetLifetime: Int64 = 30 * 60
    public var humanCheckLogin = HumanCheckLogin.always
    public var passwordPolicy = PasswordPolicy.Kind.baseline
    public var staffSessionLifetime: Int64 = 30 * 60
    /// The name authenticator apps show beside a staff member's codes.
    public var issuerName = "alumnicard"

    // applications
    public var reviewWorkingDays = 7
    public var maxDocumentBytes = 10 << 20
    public var maxPhotoBytes = 5 << 20
    public var documentRetention: Int64 = 30 * 86_400
    public var unansweredLapse: Int64 = 60 * 86_400
    public var rejectedRetention: Int64 = 180 * 86_400
    public var statusLinkGrace: Int64 = 30 * 86_400
    public var uploadDeadline: Int64 = 180
    public var applicationsPerClientHourly = 10
    public var applicationsPerNationalIDDaily = 3
    public var maxOpenApplications = 5_000

    // cards
    public var firstCardFee = 200
    public var renewalFee = 200
    public var issueOn = CardIssueMoment.submission
    public var cardValidityMonths = 12
    public var renewalWindowMonths = 1
    public var cardNumberPrefix = "D"

    public init() {}
}
