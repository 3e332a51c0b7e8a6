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
        let mac = HMAC<SHA256>.authenticationCode(for: Data(binding.utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public func isValid(_ candidate: String?, binding: String) -> Bool {
        guard let candidate, candidate.utf8.count < 128 else { return false }
        let expected = Array(token(binding: binding).utf8), given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }

    /// What a form is bound to.
    public static func sessionBinding(tokenHash: [UInt8]) -> String {
        "session:" + tokenHash.map { String(format: "%02x", $0) }.joined()
    }

    public static func visitorBinding(_ visitor: String) -> String { "visitor:" + visitor }
}
