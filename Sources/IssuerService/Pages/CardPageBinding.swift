import Crypto
import Foundation
import IssuerWeb

/// Binds what the card page keeps (a day of tokens in the browser's
/// storage) to the session that fetched it (review 2, item 2: a second
/// holder signing in on the same browser saw the first one's code).
///
/// The value is a digest of the session token's hash: it names the
/// session without being able to stand for it, so the card script may read
/// it from a cookie while the session cookie stays `HttpOnly`. A new login
/// is a new session, hence a new value; logout clears it.
enum CardPageBinding {
    static func value(sessionTokenHash: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("alumnicard card page binding v1".utf8))
        hasher.update(data: sessionTokenHash)
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The `Set-Cookie` value for a session that ends at `maxAge` seconds from now.
    static func cookie(_ cookies: WebCookies, sessionTokenHash: [UInt8], maxAge: Int64?) -> String {
        cookies.set(cookies.cardBinding, value(sessionTokenHash: sessionTokenHash), maxAge: maxAge, httpOnly: false)
    }
}
