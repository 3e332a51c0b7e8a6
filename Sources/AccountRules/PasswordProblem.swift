/// Why a new password is refused (alumni-api.md §4), as the API's code.
public enum PasswordProblem: String, Sendable, Equatable, CaseIterable {
    case tooShort = "password_too_short"
    case tooLong = "password_too_long"
    case tooSimple = "password_too_simple"
    case reused = "password_reused"
    case isIdentifier = "password_is_identifier"
    case common = "password_common"
}
