import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// The pages' web security and flows, in process: CSRF on every form,
/// the CSP and no-store on every page, the session cookie and its
/// attributes, a new session at each login, logout, the card page's data.
/// (The browser suite, AlumniPagesTests, walks the same pages in Chromium.)
@Suite("Alumni pages: security and flows")
struct PagesTests {
    /// A browser's cookie jar and the page's CSRF token, over HummingbirdTesting.
    struct Browser {
        var cookies: [String: String] = [:]

        var cookieHeader: String { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

        mutating func remember(_ response: TestResponse) {
            for line in response.headers[values: .setCookie] {
                let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
        }

        mutating func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookieHeader], body: nil) { $0 }
            remember(response)
            return response
        }

        mutating func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [String: String]) async throws -> TestResponse {
            let body = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.escape($0.value))" }.joined(separator: "&")
            let response = try await client.execute(uri: uri, method: .post,
                                                    headers: [.cookie: cookieHeader, .contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: body)) { $0 }
            remember(response)
            return response
        }

        static func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        }

        static func csrf(_ response: TestResponse) -> String? {
            let html = String(buffer: response.body)
            guard let match = html.firstMatch(of: /name="csrf" value="([^"]+)"/) else { return nil }
            return String(match.1)
        }

        /// Logs in through the form; the answer is the redirect.
        mutating func logIn(_ client: some TestClientProtocol, login: String = IssuerHarness.studentID,
                            password: String = IssuerHarness.password) async throws -> TestResponse {
            let page = try await get(client, "/login")
            return try await post(client, "/login", ["login": login, "password": password, "csrf": try #require(Self.csrf(page))])
        }
    }

    static let policy = HTTPField.Name("Content-Security-Policy")!

    @Test func everyPageCarriesTheCSPAndNoStoreAndTheLoginSetsAStrictSessionCookie() async throws {
        let harness = try await IssuerHarness()
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            for path in ["/", "/login", "/reset", "/merchants", "/reset?token=x"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[Self.policy]?.contains("script-src 'self'") == true && page.headers[Self.policy]?.contains("unsafe-inline") == false, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            }
            #expect(try await browser.get(client, "/login").headers[.cacheControl] == "no-store")
            // The public front page leads to the sign-in, the application and the directory.
            let front = String(buffer: try await browser.get(client, "/").body)
            #expect(["href=\"/login\"", "href=\"/apply\"", "href=\"/merchants\""].allSatisfy(front.contains), "\(front)")
            let login = try await browser.logIn(client)
            #expect(login.status == .seeOther && login.headers[.location] == "/card")
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("ac_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/") && !cookie.contains("Secure"))
            for path in ["/home", "/password", "/card/apply"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .ok, "\(path): \(page.status)")
                #expect(page.headers[.cacheControl] == "no-store", "\(path) shows personal data")
                #expect(page.headers[Self.policy] != nil)
            }
            // The card shell holds no personal data (the worker keeps it); its data is no-store JSON.
            let shell = try await browser.get(client, "/card")
            #expect(shell.headers[.cacheControl] == "no-cache" && !String(buffer: shell.body).contains("陳"))
            let data = try await browser.get(client, "/card/tokens")
            #expect(data.status == .ok && data.headers[.cacheControl] == "no-store")
            let body = try jsonObject(data.body)
            #expect((body["card"] as? [String: Any])?["masked_name"] as? String == "陳○玲")
            let tokens = try #require(body["tokens"] as? [[String: Any]])
            #expect(tokens.count == 288)
            // Each symbol is the token's QR code, as the server's own encoder draws it.
            let first = try #require(tokens.first), qr = try #require(first["qr"] as? String)
            let size = try #require(Int(qr.prefix { $0 != ":" }))
            #expect((21...177).contains(size) && (size - 17) % 4 == 0)
            #expect(Data(base64Encoded: String(qr.drop { $0 != ":" }.dropFirst()))?.count == (size * size + 7) / 8)
        }
    }

    /// Review 2, item 2: the card page's kept tokens carry the session they
    /// were fetched for, and the browser's binding cookie changes with every
    /// login and goes at logout, so the script drops another session's codes.
    @Test func theCardPagesTokensAreBoundToTheSessionThatFetchedThem() async throws {
        let harness = try await IssuerHarness()
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            let login = try await browser.logIn(client)
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("ac_card=") })
            #expect(!cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "the card script reads it")
            #expect(login.headers[HTTPField.Name("Clear-Site-Data")!] == "\"storage\"")
            let first = try #require(browser.cookies["ac_card"])
            #expect(first.count == 32 && first != browser.cookies["ac_session"])
            let data = try jsonObject(try await browser.get(client, "/card/tokens").body)
            #expect(data["binding"] as? String == first)
            // A second login in the same browser, without logging out: a new binding.
            let again = try await browser.logIn(client)
            #expect(again.status == .seeOther)
            let second = try #require(browser.cookies["ac_card"])
            #expect(second != first)
            #expect(try jsonObject(try await browser.get(client, "/card/tokens").body)["binding"] as? String == second)
            // Logout clears it with the session.
            let home = try await browser.get(client, "/home")
            let logout = try await browser.post(client, "/logout", ["csrf": try #require(Browser.csrf(home))])
            #expect(logout.status == .seeOther && browser.cookies["ac_card"] == nil && browser.cookies["ac_session"] == nil)
        }
    }

    @Test func aFormWithoutItsCSRFTokenIsRefusedAndChangesNothing() async throws {
        let harness = try await IssuerHarness()
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/login")
            let forged = try await browser.post(client, "/login", ["login": IssuerHarness.studentID, "password": IssuerHarness.password])
            #expect(forged.status == .forbidden && forged.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("ac_session=") })
            #expect(String(buffer: forged.body).contains("表單已過期"))
            // A token made for another visitor is no better.
            var other = Browser()
            let stolen = try #require(Browser.csrf(try await other.get(client, "/login")))
            let crossed = try await browser.post(client, "/login", ["login": IssuerHarness.studentID, "password": IssuerHarness.password, "csrf": stolen])
            #expect(crossed.status == .forbidden)
            // Signed in, the password form needs the session's token, not the visitor's.
            _ = try await browser.logIn(client)
            let noToken = try await browser.post(client, "/password", ["current_password": IssuerHarness.password, "new_password": "Another-pass-2026",
                                                                       "confirm_password": "Another-pass-2026", "csrf": stolen])
            #expect(noToken.status == .forbidden)
            let logout = try await browser.post(client, "/logout", [:])
            #expect(logout.status == .forbidden, "logout is a form too")
            #expect(try await browser.get(client, "/home").status == .ok, "still signed in")
        }
        // The password did not change.
        try await app.test(.router) { client in _ = try await client.login() }
    }

    @Test func eachLoginIsANewSessionAndLogoutEndsItAndClearsTheKeptCard() async throws {
        let harness = try await IssuerHarness()
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client)
            let first = try #require(browser.cookies["ac_session"])
            _ = try await browser.logIn(client)
            let second = try #require(browser.cookies["ac_session"])
            #expect(first != second)
            // The first session ended when the second began in the same browser.
            let replayed = try await client.execute(uri: "/v1/card", method: .get, headers: [.authorization: "Bearer \(first)"], body: nil) { $0.status }
            #expect(replayed == .unauthorized)
            let home = try await browser.get(client, "/home")
            let logout = try await browser.post(client, "/logout", ["csrf": try #require(Browser.csrf(home))])
            #expect(logout.status == .seeOther && logout.headers[.location] == "/login?done=logout")
            #expect(logout.headers[HTTPField.Name("Clear-Site-Data")!] == "\"cache\", \"storage\"")
            #expect(browser.cookies["ac_session"] == nil)
            let ended = try await client.execute(uri: "/v1/card", method: .get, headers: [.authorization: "Bearer \(second)"], body: nil) { $0.status }
            #expect(ended == .unauthorized)
            // An ended session's cookie, sent again, leads to the login page.
            var stale = Browser()
            stale.cookies["ac_session"] = second
            let away = try await stale.get(client, "/home")
            #expect(away.status == .seeOther && away.headers[.location] == "/login")
            let data = try await stale.get(client, "/card/tokens")
            #expect(data.status == .unauthorized && data.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func loginErrorsAreShownInTheVisitorsLanguageAndKeepTheLogin() async throws {
        let harness = try await IssuerHarness()
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            let wrong = try await browser.logIn(client, password: "not the password")
            #expect(wrong.status == .unauthorized)
            let html = String(buffer: wrong.body)
            #expect(html.contains("帳號或密碼不正確") && html.contains("value=\"\(IssuerHarness.studentID)\"") && !html.contains("not the password"))
            #expect(html.contains("aria-invalid=\"true\" aria-describedby=\"password-error\""))
            let switched = try await browser.get(client, "/lang?to=en&back=/login")
            #expect(switched.status == .seeOther && switched.headers[.location] == "/login")
            let empty = try await browser.post(client, "/login", ["login": "", "password": "", "csrf": try #require(Browser.csrf(try await browser.get(client, "/login")))])
            #expect(empty.status == .unprocessableContent)
            #expect(String(buffer: empty.body).components(separatedBy: "This field is required").count - 1 >= 2)
            // The switch comes back to the page with its whole query.
            let received = try await browser.get(client, "/apply/received?id=APX&due=2027-01-20")
            let link = try #require(String(buffer: received.body).firstMatch(of: /href="(\/lang\?[^"]+)"/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") })
            #expect(try await browser.get(client, link).headers[.location] == "/apply/received?id=APX&due=2027-01-20", "\(link)")
            // The switch goes back only to this site's own pages.
            for away in ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)"] {
                let answer = try await browser.get(client, "/lang?to=en&back=" + Browser.escape(away))
                #expect(answer.headers[.location] == "/", "\(away)")
            }
        }
    }

    @Test func theFirstLoginLeadsToTheForcedChangeWhichTheCardPagesWaitFor() async throws {
        let harness = try await IssuerHarness()
        let report = try harness.services.accounts.importCSV(Data("student_id,display_name,email,national_id\nR12000003,林首登,first@example.org,A123456789\n".utf8),
                                                             now: harness.clock.now, actor: "test", accountReady: harness.services.accountReadyMail)
        #expect(report.applied)
        let app = buildApplication(harness.services)
        try await app.test(.router) { client in
            var browser = Browser()
            let login = try await browser.logIn(client, login: "r12000003", password: "A123456789")
            #expect(login.headers[.location] == "/password")
            for path in ["/card/apply", "/home", "/"] {
                #expect(try await browser.get(client, path).headers[.location] == "/password", "\(path)")
            }
            let data = try await browser.get(client, "/card/tokens")
            let code = try errorCode(data)
            #expect(data.status == .forbidden && code == "password_change_required")
            let page = try await browser.get(client, "/password")
            let csrf = try #require(Browser.csrf(page))
            let mismatch = try await browser.post(client, "/password", ["current_password": "A123456789", "new_password": "Another-pass-2026",
                                                                       "confirm_password": "Another-pass-2027", "csrf": csrf])
            #expect(mismatch.status == .unprocessableContent && String(buffer: mismatch.body).contains("兩次輸入的新密碼不同"))
            let simple = try await browser.post(client, "/password", ["current_password": "A123456789", "new_password": "alllowercase",
                                                                     "confirm_password": "alllowercase", "csrf": csrf])
            #expect(simple.status == .unprocessableContent && String(buffer: simple.body).contains("至少三種"))
            let before = try #require(browser.cookies["ac_session"])
            let changed = try await browser.post(client, "/password", ["current_password": "A123456789", "new_password": "Another-pass-2026",
                                                                      "confirm_password": "Another-pass-2026", "csrf": csrf])
            #expect(changed.status == .seeOther && changed.headers[.location] == "/card/apply?done=password")
            #expect(try await browser.get(client, "/card/apply").status == .ok)
            // Review 2, §C: the change issued a new session; a copy of the old cookie is signed out.
            #expect(browser.cookies["ac_session"] != before)
            var stolen = Browser()
            stolen.cookies["ac_session"] = before
            #expect(try await stolen.get(client, "/card/apply").headers[.location] == "/login")
        }
    }
}
