import CardToken
import Crypto

/// Opaque bearer secrets (sessions, administrator tokens, reset and status
/// links): a prefix that says what the secret is, then 32 random bytes in
/// base64url. Only their SHA-256 is ever stored (``digest(_:)``).
public enum BearerToken {
    public static let sessionPrefix = "acs_"
    public static let adminPrefix = "acadm_"

    public static func generate(prefix: String) -> String {
        prefix + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// SHA-256 of a bearer secret of any kind: what is stored and looked up.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
