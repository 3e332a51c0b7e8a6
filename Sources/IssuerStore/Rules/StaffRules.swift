import Crypto
import Foundation

/// The rules of staff accounts and admin tokens, the same on every
/// backend: what a name may be, how a TOTP secret is made and sealed,
/// when a token is live and when its use is noted.
package enum StaffRules {
    /// A display name: 1–64 characters on one line, trimmed.
    package static func displayName(_ text: String) throws(IssuerStoreError) -> String {
        let display = text.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(display.count), !display.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw IssuerStoreError(.invalidChange, "a display name is 1–64 characters on one line")
        }
        return display
    }

    /// A staff name as stored (``StaffMember/normalizedName(_:)``), or the refusal.
    package static func name(_ text: String) throws(IssuerStoreError) -> String {
        guard let name = StaffMember.normalizedName(text) else {
            throw IssuerStoreError(.invalidChange, "a staff name is 1–64 of a–z, 0–9, '-', '_', '.' or '@'")
        }
        return name
    }

    /// A new random TOTP secret: 20 random bytes as base64url text (the
    /// second factor keys HMAC with the text's bytes).
    package static func newTOTPSecret() -> String {
        Data(SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What binds a sealed TOTP secret to its member.
    package static func totpSealContext(_ name: String) -> [UInt8] { Array("staff totp|\(name)".utf8) }

    /// An admin token's name: 1–64 letters, digits, '-', '_', '.' or '@'.
    package static func tokenName(_ name: String) throws(IssuerStoreError) -> String {
        guard (1...64).contains(name.utf8.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw IssuerStoreError(.invalidChange, "a token name is 1–64 letters, digits, '-', '_', '.' or '@'")
        }
        return name
    }

    /// When a token made at `now` for `lifetime` seconds expires (nil: never).
    package static func tokenExpiry(lifetime: Int64?, now: Int64) throws(IssuerStoreError) -> Int64? {
        guard let lifetime else { return nil }
        guard lifetime > 0 else { throw IssuerStoreError(.invalidChange, "a token's lifetime must be positive") }
        return now.addingReportingOverflow(lifetime).overflow ? Int64.max : now + lifetime
    }

    /// How often a token's last use is written: a write per admin request
    /// would contend with everything else for the database.
    package static let lastUseResolution: Int64 = 60

    /// Whether a stored token is live at `now`, and whether its use should be noted.
    package static func liveToken(revokedAt: Int64?, expiresAt: Int64?, lastUsedAt: Int64?, now: Int64) -> (live: Bool, noteUse: Bool) {
        guard revokedAt == nil else { return (false, false) }
        if let expiresAt, now > expiresAt { return (false, false) }
        return (true, lastUsedAt.map { now - $0 >= lastUseResolution || now < $0 } ?? true)
    }
}
