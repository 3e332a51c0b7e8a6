/// What was wrong with a value the account rules were given. `code` is
/// stable (it is the API's error code where one applies); equality compares
/// the code only.
public struct AccountRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case nationalIDInvalid = "national_id_invalid"
        case mobileInvalid = "mobile_invalid"
        case emailInvalid = "email_invalid"
        case dateInvalid = "date_invalid"
        case calendarInvalid = "calendar_invalid"
        case humanCheckInvalid = "human_check_failed"
        case cardNumberInvalid = "card_number_invalid"
    }

    public let code: Code
    /// For people: what was wrong and, where it helps, what to do. Never
    /// contains the rejected value itself when that may be personal data.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
