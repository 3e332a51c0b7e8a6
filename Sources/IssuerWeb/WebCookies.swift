/// The pages' cookies and how they are set: `HttpOnly` (but the language
/// choice and the card binding), `SameSite=Strict`, `Path=/`, and `Secure` with the `__Host-`
/// prefix behind TLS, so no other site and no script can read or plant them.
public struct WebCookies: Sendable {
    public let secure: Bool

    public init(secure: Bool) { self.secure = secure }

    /// The alumnus's session (the same sessions as the API's bearer tokens).
    public var session: String { name("ac_session") }
    /// The staff member's session.
    public var staffSession: String { name("ac_staff") }
    /// A random value for visitors not signed in, which their forms' CSRF tokens are bound to.
    public var visitor: String { name("ac_visitor") }
    /// Which session the card page's kept tokens belong to: a digest of
    /// the session, readable by the card script (it is no credential), so
    /// tokens kept for one holder are never shown in another's session.
    public var cardBinding: String { name("ac_card") }
    /// The chosen language, remembered for a year.
    public var language: String { name("ac_lang") }

    func name(_ base: String) -> String { secure ? "__Host-" + base : base }

    /// A `Set-Cookie` value; `maxAge` nil for a cookie that ends with the browser.
    public func set(_ name: String, _ value: String, maxAge: Int64?, httpOnly: Bool = true) -> String {
        var parts = ["\(name)=\(value)", "Path=/", "SameSite=Strict"]
        if let maxAge { parts.append("Max-Age=\(max(0, maxAge))") }
        if httpOnly { parts.append("HttpOnly") }
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    public func clear(_ name: String) -> String { set(name, "", maxAge: 0) }
}
