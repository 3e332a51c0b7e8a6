import CardToken
import Crypto

/// Opaque bearer tokens (sessions, administrator tokens): a prefix that
/// says what the token is, then 32 random bytes in base64url. Only their
/// SHA-256 is ever stored (``AccountStore/tokenHash(_:)``).
public enum BearerToken {
    public static let sessionPrefix = "acs_"
    public static let adminPrefix = "acadm_"

    public static func generate(prefix: String) -> String {
        prefix + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}
