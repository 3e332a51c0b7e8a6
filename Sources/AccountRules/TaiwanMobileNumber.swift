/// A Taiwan mobile number, normalised to its ten national digits
/// (`09xxxxxxxx`). Accepts `0912345678`, `0912-345-678`,
/// `+886 912 345 678` and `+886-912-345-678` (alumni-api.md §4).
public struct TaiwanMobileNumber: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public init(_ text: String) throws(AccountRulesError) {
        guard text.utf8.count <= 32 else {
            throw AccountRulesError(.mobileInvalid, "a mobile number is at most 32 characters")
        }
        var compact = text.trimmingSpaces().filter { $0 != " " && $0 != "-" }
        if compact.hasPrefix("+886") {
            compact = "0" + compact.dropFirst(4)
        }
        guard compact.utf8.count == 10, compact.hasPrefix("09"), compact.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw AccountRulesError(.mobileInvalid, "a Taiwan mobile number is 09 and 8 more digits, such as 0912-345-678 or +886 912 345 678")
        }
        digits = compact
    }

    public var description: String { digits }
}
