import HummingbirdBcrypt

/// Passwords are hashed with bcrypt (hummingbird-auth's implementation) at
/// a configurable cost. Unknown accounts are checked against a dummy hash
/// of the same cost, so that the answer takes as long as for a real one.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    private let dummyHash: String

    public init(cost: Int) {
        self.cost = UInt8(cost)
        dummyHash = Bcrypt.hash("not a password; equalises timing", cost: UInt8(cost))
    }

    /// bcrypt looks at only the first 72 bytes of a password.
    public static let maximumUTF8Bytes = 72

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`; with no hash (unknown account or
    /// no password set), spends the same time and answers false.
    public func verify(_ password: String, hash: String?) -> Bool {
        // No stored password is longer than bcrypt reads, so a longer one
        // cannot be right; bcrypt would otherwise ignore its tail.
        guard let hash, password.utf8.count <= Self.maximumUTF8Bytes else {
            _ = Bcrypt.verify(password, hash: dummyHash)
            return false
        }
        return Bcrypt.verify(password, hash: hash)
    }

    /// Whether a password typed at login can be checked: bcrypt reads a C
    /// string, so a NUL would cut it short; no control character is ever
    /// part of a password set here.
    public static func isAcceptableAtLogin(_ password: String) -> Bool {
        !password.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// What a new password must be: 10–72 UTF-8 bytes, no control characters.
    public static func problem(with password: String) -> String? {
        if !isAcceptableAtLogin(password) { return "a password holds no control characters (NUL, tab, line breaks…)" }
        let count = password.utf8.count
        if count < 10 { return "a password has at least 10 characters" }
        if count > maximumUTF8Bytes { return "a password has at most \(maximumUTF8Bytes) bytes (bcrypt ignores the rest)" }
        return nil
    }
}
