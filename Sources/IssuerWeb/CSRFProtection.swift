import Crypto
import Foundation

/// Tokens that every form carries and every form post must return
/// (OWASP's signed double-submit pattern): an HMAC of what the request is
/// bound to — the session when signed in, else a random visitor cookie —
/// under a key only the server holds. A page from another site can neither
/// read nor make one.
public struct CSRFProtection: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    public func token(binding: String) -> String {
        Self.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(binding.utf8), using: key)))
    }

    public func isValid(_ candidate: String?, binding: String) -> Bool {
        guard let candidate, candidate.utf8.count < 128 else { return false }
        var base64 = candidate.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        // Only the one spelling of a MAC: Foundation's decoder ignores the
        // unused low bits of the last character, so "…A" and "…B" can read as
        // the same bytes.
        guard let mac = Data(base64Encoded: base64), Self.encode(mac) == candidate else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(binding.utf8), using: key)
    }

    /// Base64url without padding.
    static func encode(_ mac: Data) -> String {
        mac.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What a form is bound to.
    public static func sessionBinding(tokenHash: [UInt8]) -> String {
        "session:" + tokenHash.map { String(format: "%02x", $0) }.joined()
    }

    public static func visitorBinding(_ visitor: String) -> String { "visitor:" + visitor }
}
