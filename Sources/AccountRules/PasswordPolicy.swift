/// The rules a new password must meet, checked in a fixed order so the
/// first that applies is the answer (alumni-api.md §4).
///
/// - `baseline` (the default) is the table in the contract, which is also
///   the wording of Taiwan's government configuration baseline: at least
///   8 characters, 3 of the 4 character classes, not one of the last three.
/// - `nist` follows NIST SP 800-63B §3.1.1.2 for a password that is the
///   only factor: at least 15 characters and no composition rule; the
///   history, identifier and blocklist checks stay.
///
/// Both cap the length at 64 characters and 72 UTF-8 bytes, because
/// bcrypt ignores every byte after the 72nd.
public struct PasswordPolicy: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case baseline
        case nist
    }

    public let kind: Kind
    public let commonPasswords: CommonPasswords

    public init(kind: Kind, commonPasswords: CommonPasswords) {
        self.kind = kind
        self.commonPasswords = commonPasswords
    }

    public static let maximumCharacters = 64
    public static let maximumBytes = 72

    public var minimumCharacters: Int { kind == .nist ? 15 : 8 }

    /// The first rule `password` breaks, or nil when it is acceptable.
    /// `identifiers` are the account's national ID, student ID, e-mail and
    /// mobile number; `isRecent` says whether it equals one of the last
    /// three passwords (a bcrypt comparison, so the caller runs this off the
    /// cooperative threads).
    public func problem(with password: String, identifiers: [String], isRecent: (String) -> Bool) -> PasswordProblem? {
        let count = password.count
        if count < minimumCharacters { return .tooShort }
        if count > Self.maximumCharacters || password.utf8.count > Self.maximumBytes { return .tooLong }
        if kind == .baseline && Self.characterClasses(password) < 3 { return .tooSimple }
        if isRecent(password) { return .reused }
        let folded = password.lowercased()
        if identifiers.contains(where: { !$0.isEmpty && $0.lowercased() == folded }) { return .isIdentifier }
        if commonPasswords.contains(password) { return .common }
        return nil
    }

    /// How many of A–Z, a–z, 0–9 and other printable ASCII appear.
    static func characterClasses(_ password: String) -> Int {
        var upper = false, lower = false, digit = false, other = false
        for byte in password.utf8 {
            switch byte {
            case 0x41...0x5A: upper = true
            case 0x61...0x7A: lower = true
            case 0x30...0x39: digit = true
            case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: other = true
            default: break
            }
        }
        return [upper, lower, digit, other].filter { $0 }.count
    }
}
