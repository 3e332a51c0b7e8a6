import Crypto
import FormEncoding
import Foundation
@testable import IssuerWeb
import Testing

@Suite("Page inputs: language, forms, CSRF, cookies")
struct WebInputTests {
    @Test func theLanguageComesFromTheChoiceThenTheBrowserThenChinese() {
        #expect(WebLanguage.choose(cookie: "en", acceptLanguage: "zh-TW") == .english)
        #expect(WebLanguage.choose(cookie: "fr", acceptLanguage: "en-GB,en;q=0.9") == .english)
        #expect(WebLanguage.choose(cookie: nil, acceptLanguage: "fr-FR, en;q=0.5, zh-TW;q=0.8") == .chinese)
        #expect(WebLanguage.choose(cookie: nil, acceptLanguage: "fr-FR, de;q=0.5") == .chinese)
        #expect(WebLanguage.choose(cookie: nil, acceptLanguage: "en-US;q=0.2, zh;q=0") == .english, "q=0 means not wanted")
        #expect(WebLanguage.choose(cookie: nil, acceptLanguage: nil) == .chinese)
        #expect(WebLanguage.choose(cookie: nil, acceptLanguage: String(repeating: "x;q=0.1,", count: 10_000) + "en") == .chinese,
                "a long header is read only so far")
    }

    @Test func formsAreReadStrictly() throws {
        let form = try FormFields(parsing: Array("login=R09000001&password=a%2Bb+c%26d&empty=&kind=first".utf8))
        #expect(form["login"] == "R09000001" && form["password"] == "a+b c&d" && form["empty"] == "" && form["kind"] == "first")
        #expect(try FormFields(parsing: Array("name=%E6%9E%97".utf8))["name"] == "林")
        #expect(try FormFields(parsing: [UInt8]()).values.isEmpty)
        for bad in ["a=1&a=2", "=x", "a=%zz", "a=%4", "a=%C3%28"] {
            #expect(throws: FormError.self, "\(bad)") { try FormFields(parsing: Array(bad.utf8)) }
        }
        let many = (0...FormFields.maximumFields).map { "f\($0)=1" }.joined(separator: "&")
        #expect(throws: FormError.self) { try FormFields(parsing: Array(many.utf8)) }
    }

    @Test func csrfTokensAreBoundToWhatTheyWereMadeFor() throws {
        let protection = CSRFProtection(key: SymmetricKey(size: .bits256))
        let session = CSRFProtection.sessionBinding(tokenHash: [1, 2, 3])
        let token = protection.token(binding: session)
        #expect(protection.isValid(token, binding: session))
        #expect(!protection.isValid(token, binding: CSRFProtection.sessionBinding(tokenHash: [1, 2, 4])))
        #expect(!protection.isValid(token, binding: CSRFProtection.visitorBinding("abc")))
        #expect(!protection.isValid(nil, binding: session) && !protection.isValid("", binding: session))
        let altered = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        #expect(!protection.isValid(altered, binding: session))
        // The last of 43 characters carries 4 bits of the MAC and 2 unused
        // ones: flipping its lowest bit spells the same bytes another way,
        // and only the token's own spelling passes (this once made the line
        // above fail for tokens ending in A).
        let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try #require(token.last.flatMap { digits.firstIndex(of: $0) })
        #expect(!protection.isValid(String(token.dropLast()) + String(digits[last ^ 1]), binding: session))
        let other = CSRFProtection(key: SymmetricKey(size: .bits256))
        #expect(!other.isValid(token, binding: session), "another server key makes other tokens")
    }

    @Test func cookiesAreStrictAndSecureBehindTLS() {
        let plain = WebCookies(secure: false), tls = WebCookies(secure: true)
        #expect(plain.session == "ac_session" && tls.session == "__Host-ac_session")
        #expect(plain.set(plain.session, "v", maxAge: 60) == "ac_session=v; Path=/; SameSite=Strict; Max-Age=60; HttpOnly")
        #expect(tls.set(tls.session, "v", maxAge: nil) == "__Host-ac_session=v; Path=/; SameSite=Strict; HttpOnly; Secure")
        #expect(plain.clear(plain.session).contains("Max-Age=0"))
    }

    @Test func thePolicyAllowsNoInlineScriptAndNoFraming() {
        let policy = ContentSecurityPolicy.pages
        #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'none'") && policy.contains("form-action 'self'"))
    }
}
