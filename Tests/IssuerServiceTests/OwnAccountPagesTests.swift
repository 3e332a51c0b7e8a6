import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import NIOCore
import Testing

/// Issue #28: the account pages in process — each answers with its form
/// and CSRF token, changes go through the same services as the API, a
/// refusal is shown beside its field in the visitor's language, and a
/// form without its token changes nothing.
@Suite("Own account pages")
struct OwnAccountPagesTests {
    typealias Browser = PagesTests.Browser

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func theAccountPageShowsWhatIsHeldAndSavesContactDataWithErrorsBesideTheirFields() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var browser = Browser()
            #expect(try await browser.get(client, "/account").headers[.location] == "/login", "signed out: to the login")
            _ = try await browser.logIn(client)
            let page = try await browser.get(client, "/account")
            #expect(page.status == .ok && Self.html(page).contains(IssuerHarness.studentID) && Self.html(page).contains(IssuerHarness.cardNumber))
            let csrf = try #require(Browser.csrf(page))

            let fields = ["csrf": csrf, "mobile": "0911222333", "phone": "", "permanent_region": "domestic", "permanent_postal_code": "12",
                          "permanent_county": "臺北市", "permanent_district": "大安區", "permanent_line": "羅斯福路四段1號", "mailing_same": "1", "reminders": "1"]
            let refused = try await browser.post(client, "/account", fields)
            #expect(refused.status == .unprocessableContent)
            #expect(Self.html(refused).contains(#"id="permanent_postal_code-error""#), "the postal code's own input is marked")
            #expect(Self.html(refused).contains("0911222333"), "what was typed is kept")

            var fixed = fields
            fixed["permanent_postal_code"] = "106"
            // A new mobile number (a login name) takes the current password on the page.
            let noPassword = try await browser.post(client, "/account", fixed)
            #expect(noPassword.status == .unprocessableContent && Self.html(noPassword).contains(#"id="current_password-error""#))
            let wrongPassword = try await browser.post(client, "/account", fixed.merging(["current_password": "not it"]) { $1 })
            #expect(wrongPassword.status == .forbidden && Self.html(wrongPassword).contains(#"id="current_password-error""#))
            fixed["current_password"] = IssuerHarness.password
            let saved = try await browser.post(client, "/account", fixed)
            #expect(saved.status == .seeOther || saved.status == .found)
            #expect(saved.headers[.location] == "/account?done=saved")
            let after = try await browser.get(client, "/account?done=saved")
            #expect(Self.html(after).contains(#"value="0911222333""#) && Self.html(after).contains(#"value="106""#))
            let again = try await browser.post(client, "/account", fixed)
            #expect(again.headers[.location] == "/account?done=unchanged", "the same values again change nothing")

            var noToken = fixed
            noToken["csrf"] = nil
            noToken["mobile"] = "0933444555"
            #expect(try await browser.post(client, "/account", noToken).status == .forbidden)
            #expect(try await harness.services.accountSelfService.accounts.details(holderID: try #require(
                try await harness.services.repositories.holders.holder(studentID: IssuerHarness.studentID)).id)?.mobile == "0911222333")
        }
    }

    @Test func theEmailAndSessionsAndDataPagesWork() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var other = Browser()
            _ = try await other.logIn(client)
            var browser = Browser()
            _ = try await browser.logIn(client)

            // The e-mail change: a code to the new address, confirmed on the page.
            let emailPage = try await browser.get(client, "/account/email")
            let asked = try await browser.post(client, "/account/email", ["csrf": try #require(Browser.csrf(emailPage)), "email": "mei.new@example.org",
                                                                          "current_password": IssuerHarness.password])
            #expect(asked.status == .accepted && Self.html(asked).contains(#"action="/account/email/confirm""#))
            let mail = try #require(try await harness.deliveredMail().last { $0.recipient == "mei.new@example.org" })
            let code = String(try #require(mail.body.split(whereSeparator: { !($0.isASCII && $0.isNumber) }).first { $0.count == 6 }))
            let wrong = try await browser.post(client, "/account/email/confirm", ["csrf": try #require(Browser.csrf(asked)), "code": code == "000000" ? "111111" : "000000"])
            #expect(wrong.status == .badRequest && Self.html(wrong).contains(#"id="code-error""#))
            let confirmed = try await browser.post(client, "/account/email/confirm", ["csrf": try #require(Browser.csrf(wrong)), "code": code])
            #expect(confirmed.headers[.location] == "/account?done=email")
            #expect(Self.html(try await browser.get(client, "/account")).contains("mei.new@example.org"))

            // Sessions: the other browser is listed and signed out from here.
            let sessions = try await browser.get(client, "/account/sessions")
            let ids = Self.html(sessions).matches(of: /name="session_id" value="([0-9a-f]{32})"/).map { String($0.1) }
            #expect(ids.count == 1, "one other session; the current one has no sign-out button")
            let ended = try await browser.post(client, "/account/sessions/end", ["csrf": try #require(Browser.csrf(sessions)), "session_id": ids[0]])
            #expect(ended.headers[.location] == "/account/sessions?done=ended")
            #expect(try await other.get(client, "/account").headers[.location] == "/login", "the other browser is signed out at once")

            // A data request: the copy is listed with its download.
            let dataPage = try await browser.get(client, "/account/data")
            let missing = try await browser.post(client, "/account/data", ["csrf": try #require(Browser.csrf(dataPage)), "current_password": IssuerHarness.password])
            #expect(missing.status == .unprocessableContent && Self.html(missing).contains(#"id="kind-error""#))
            let filed = try await browser.post(client, "/account/data", ["csrf": try #require(Browser.csrf(dataPage)), "kind": "copy",
                                                                         "current_password": IssuerHarness.password])
            #expect(filed.headers[.location] == "/account/data?done=filed")
            let listed = try await browser.get(client, "/account/data?done=filed")
            let link = try #require(Self.html(listed).firstMatch(of: /href="(\/account\/data\/dr-[A-Z0-9]+\/export)"/)).1
            let zip = try await browser.get(client, String(link))
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip" && zip.body.readableBytesView.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        }
    }

    @Test func theConsoleListsDataRequestsWithTheStatutoryDateAndDecidesThem() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let filed = try jsonObject(try await client.send(.post, "/v1/account/data-requests", bearer: session,
                                                             json: ["kind": "stop_processing", "current_password": IssuerHarness.password]).body)
            let id = try #require(filed["request_id"] as? String)
            var (staff, _) = try await StaffConsoleTests.enrolled(harness, client)
            let queue = try await staff.get(client, "/staff/data-requests")
            #expect(queue.status == .ok && Self.html(queue).contains(id) && Self.html(queue).contains("2027-02-14"))
            let done = try await staff.post(client, "/staff/data-requests/\(id)/complete", ["csrf": try #require(Browser.csrf(queue)), "text": "processing stopped"])
            #expect(done.status == .ok && !Self.html(done).contains(#"action="/staff/data-requests/\#(id)/complete""#))
            let completed = try await staff.get(client, "/staff/data-requests?status=completed")
            #expect(Self.html(completed).contains(id) && Self.html(completed).contains("processing stopped"))
            #expect(try await harness.services.repositories.dataRequests.request(id: id)?.decidedBy?.hasPrefix("staff:") == true)
        }
    }
}
