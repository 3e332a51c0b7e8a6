import AccountRules
import Foundation

/// What someone typed to log in (a student ID, an e-mail address or a
/// Taiwan mobile number), normalised once: trimmed of white space and
/// case-folded, and a mobile number written as its ten digits. The
/// throttle, the look-up and the log all use this one form, so
/// `" R09000001\t"` and `r09000001` are the same login, as are
/// `+886 912 345 678` and `0912345678`.
public struct LoginName: Hashable, Sendable, CustomStringConvertible {
    /// The normalised text.
    public let text: String
    /// The mobile number, when the login is one.
    public let mobile: TaiwanMobileNumber?

    /// The longest login name (an e-mail address is at most 254 bytes).
    public static let maximumUTF8Bytes = 254

    /// Nil for a name that is empty once trimmed, too long, or holds control characters.
    public init?(_ typed: String) {
        let trimmed = typed.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard (1...Self.maximumUTF8Bytes).contains(trimmed.utf8.count),
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        mobile = try? TaiwanMobileNumber(trimmed)
        text = mobile?.digits ?? trimmed
    }

    /// What kind of name it is, never the text: a login field holds
    /// whatever people type there, national IDs and passwords included.
    public var description: String {
        if mobile != nil { return "<mobile>" }
        if text.contains("@") { return "<e-mail>" }
        return "<name>"
    }
}
