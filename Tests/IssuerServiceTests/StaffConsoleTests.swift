import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerCore
@testable import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// The staff console in process with a manual clock: enrolment, the TOTP
/// rules (drift, no code twice, the server's time), roles, session
/// lifetime, disabling, and a decision that lands in the audit log.
@Suite("Staff console")
struct StaffConsoleTests {
    typealias Browser = PagesTests.Browser
    static let password = "staff console pass"

    /// RFC 6238 TOTP written here from the RFC, apart from the issuer's
    /// (StaffSecondFactor), so a slip in one is not copied into the other:
    /// HMAC-SHA-1 over the step, dynamic truncation, six digits. The
    /// interop suite checks the issuer against pyotp as well.
    static func code(secretBase32: String, at time: Int64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0, value = 0, key: [UInt8] = []
        for character in secretBase32 where character != "=" {
            value = value << 5 | alphabet.firstIndex(of: character)!
            bits += 5
            if bits >= 8 { key.append(UInt8((value >> (bits - 8)) & 0xFF)); bits -= 8 }
        }
        var counter = UInt64(time / 30).bigEndian
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: withUnsafeBytes(of: &counter) { Data($0) }, using: SymmetricKey(data: key)))
        let offset = Int(mac[19] & 0x0F)
        let number = (UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])) % 1_000_000
        return String(format: "%06d", number)
    }

    @Test func theSecondFactorFollowsRFC6238() {
        // RFC 6238 appendix B (SHA-1, the ASCII secret "12345678901234567890"), six digits of its eight.
        let factor = StaffSecondFactor(secret: "12345678901234567890")
        #expect(factor.step(for: "287082", now: 59, lastStep: 0) == 1)
        let step: Int64? = factor.step(for: "081804", now: 1_111_111_109, lastStep: 0)
        #expect(step == Int64(1_111_111_109 / 30))
        #expect(factor.step(for: "081804", now: 1_111_111_109, lastStep: 1_111_111_109 / 30) == nil, "never the same step twice")
        #expect(factor.step(for: "081804", now: 1_111_111_109 + 30, lastStep: 0) != nil, "one step of drift")
        #expect(factor.step(for: "081804", now: 1_111_111_109 + 61, lastStep: 0) == nil, "two steps is too far")
        #expect(factor.step(for: "08180", now: 1_111_111_109, lastStep: 0) == nil && factor.step(for: "08180x", now: 1_111_111_109, lastStep: 0) == nil)
        #expect(Self.code(secretBase32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", at: 59) == "287082", "the test's own TOTP agrees with the RFC")
    }

    @Test func theEnrolmentURICarriesTheSecretInRFC4648Base32() {
        // RFC 4648 §10's vectors, unpadded as authenticator apps read them.
        for (text, encoded) in [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")] {
            #expect(StaffSecondFactor.base32(Array(text.utf8)) == encoded)
        }
        let uri = StaffSecondFactor(secret: "12345678901234567890").enrolmentURI(name: "reviewer-lin", issuer: "NTU Alumni")
        #expect(uri == "otpauth://totp/NTU%20Alumni%3Areviewer-lin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=NTU%20Alumni")
    }

    static func enrolled(_ harness: IssuerHarness, _ client: some TestClientProtocol, name: String = "reviewer-lin",
                         role: AdminRole = .reviewer) async throws -> (Browser, String) {
        _ = try harness.services.staff.create(name: name, displayName: "林審核", role: role, passwordHash: harness.services.hasher.hash(password),
                                              now: harness.clock.now, actor: "test")
        var browser = Browser()
        let page = try await browser.get(client, "/staff/login")
        let enrol = try await browser.post(client, "/staff/login", ["name": name.uppercased(), "password": password, "csrf": try #require(Browser.csrf(page))])
        let html = String(buffer: enrol.body)
        #expect(enrol.status == .ok && html.contains("data:image/svg+xml;base64,"), "the enrolment page with its QR code")
        let secret = try #require(html.firstMatch(of: /<code id="secret">([A-Z2-7]+)<\/code>/).map { String($0.1) })
        let ticket = try #require(html.firstMatch(of: /name="ticket" value="([^"]+)"/).map { String($0.1) })
        let done = try await browser.post(client, "/staff/enrol", ["ticket": ticket, "code": Self.code(secretBase32: secret, at: harness.clock.now),
                                                                   "csrf": try #require(Browser.csrf(enrol))])
        #expect(done.status == .seeOther && done.headers[.location] == "/staff")
        let cookie = try #require(done.headers[values: .setCookie].first { $0.hasPrefix("ac_staff=") })
        #expect(cookie.contains("Max-Age=1800") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "30 minutes, shorter than the alumni's 12 h")
        return (browser, secret)
    }

    static func signIn(_ browser: inout Browser, _ client: some TestClientProtocol, name: String = "reviewer-lin", code: String) async throws -> TestResponse {
        let page = try await browser.get(client, "/staff/login")
        return try await browser.post(client, "/staff/login", ["name": name, "password": password, "code": code, "csrf": try #require(Browser.csrf(page))])
    }

    @Test func enrolmentThenCodesWithDriftNeverTwiceAndTheServersTimeOnFailure() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var (browser, secret) = try await Self.enrolled(harness, client)
            #expect(try await browser.get(client, "/staff").status == .ok)
            let logout = try await browser.post(client, "/staff/logout", ["csrf": try #require(Browser.csrf(try await browser.get(client, "/staff")))])
            #expect(logout.headers[.location] == "/staff/login" && browser.cookies["ac_staff"] == nil)
            // The enrolment's own code, again in the same 30 seconds: refused, with the server's time.
            let again = try await Self.signIn(&browser, client, code: Self.code(secretBase32: secret, at: harness.clock.now))
            #expect(again.status == .unauthorized)
            let refusal = String(buffer: again.body)
            #expect(refusal.contains("驗證碼不正確") && refusal.contains("2027-01-15 16:00:00 +08:00"), "the server's time in Taipei")
            // A phone one step ahead is accepted; two steps ahead is not.
            harness.clock.advance(by: 30)
            let farAhead = try await Self.signIn(&browser, client, code: Self.code(secretBase32: secret, at: harness.clock.now + 60))
            #expect(farAhead.status == .unauthorized)
            let ahead = try await Self.signIn(&browser, client, code: Self.code(secretBase32: secret, at: harness.clock.now + 30))
            #expect(ahead.status == .seeOther && ahead.headers[.location] == "/staff")
            // The current step is now older than the one taken: refused too.
            var other = Browser()
            let behind = try await Self.signIn(&other, client, code: Self.code(secretBase32: secret, at: harness.clock.now))
            #expect(behind.status == .unauthorized)
            // The session lasts web.staff_session_lifetime.
            harness.clock.advance(by: 30 * 60 + 1)
            let expired = try await browser.get(client, "/staff")
            #expect(expired.status == .seeOther && expired.headers[.location] == "/staff/login")
            let wrongPassword = try await browser.post(client, "/staff/login", ["name": "reviewer-lin", "password": "nope",
                                                                               "code": Self.code(secretBase32: secret, at: harness.clock.now),
                                                                               "csrf": try #require(Browser.csrf(try await browser.get(client, "/staff/login")))])
            #expect(wrongPassword.status == .unauthorized && String(buffer: wrongPassword.body).contains("帳號或密碼不正確"))
        }
        let actions = try harness.services.audit.recent(limit: 20).map(\.action)
        #expect(actions.contains("staff_created") && actions.contains("staff_enrolled") && actions.filter { $0 == "staff_login" }.count == 2)
    }

    @Test func rolesDecideWhatTheConsoleShowsAndADisabledMembersSessionEnds() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var (reviewer, _) = try await Self.enrolled(harness, client)
            #expect(try await reviewer.get(client, "/staff").status == .ok)
            #expect(try await reviewer.get(client, "/staff/cards").status == .forbidden, "card payments need the operator role")
            // Values are shown in the page's language: the role beside the name, each key's state.
            let keys = String(buffer: try await reviewer.get(client, "/staff/keys").body)
            #expect(keys.contains("· 審核</span>") && keys.contains("使用中（簽發）") && !keys.contains(">active<") && !keys.contains("reviewer</span>"), "\(keys)")
            var (auditor, _) = try await Self.enrolled(harness, client, name: "auditor-wu", role: .auditor)
            #expect(try await auditor.get(client, "/staff").status == .forbidden, "the review queue is personal data")
            #expect(try await auditor.get(client, "/staff/merchants").status == .ok)
            try harness.services.staff.disable(name: "reviewer-lin", now: harness.clock.now, actor: "test")
            #expect(try await reviewer.get(client, "/staff").headers[.location] == "/staff/login")
            // A console form without its token is refused.
            #expect(try await auditor.post(client, "/staff/logout", [:]).status == .forbidden)
        }
    }

    @Test func theConsoleShowsTheRegistrarsRecordBesideTheApplicationAndApprovesOnlyWhatIsTicked() async throws {
        let harness = try await IssuerHarness()
        try RegistrarMatchTests.importOwner(harness)
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit(RegistrarMatchTests.claiming("R12000001")).body)["application_id"] as? String)
            var (browser, _) = try await Self.enrolled(harness, client)
            let page = try await browser.get(client, "/staff/applications/\(id)")
            let html = String(buffer: page.body)
            #expect(html.contains("教務處學籍資料") && html.contains("owner@example.org") && html.contains("王本人") && html.contains("與申請書相同"))
            #expect(html.contains("name=\"take_email\"") && !html.contains("value=\"R12000001\""))
            let csrf = try #require(Browser.csrf(page))
            let approved = try await browser.post(client, "/staff/applications/\(id)/approve", ["student_id": "R12000001", "take_mobile": "on", "csrf": csrf])
            #expect(approved.status == .seeOther)
        }
        let holder = try #require(try harness.services.accounts.holder(studentID: "R12000001"))
        #expect(holder.email == "owner@example.org" && holder.mobile == "0912345678")
    }

    /// The desk sees a fee owed under the default `issue_on: submission` and records it.
    @Test func theDeskSeesAndRecordsAFeeOwedUnderIssueOnSubmission() async throws {
        let harness = try await CardApplicationTests.harness()
        try await harness.application.test(.router) { client in
            let session = try await client.login(CardApplicationTests.applicant)
            let applied = try jsonObject(try await CardApplicationTests.apply(client, session).body)
            #expect(applied["status"] as? String == "issued" && (applied["paid"] as? Bool) == false)
            let id = try #require(applied["application_id"] as? String)
            var (browser, _) = try await Self.enrolled(harness, client, role: .operator)
            let page = try await browser.get(client, "/staff/cards")
            let html = String(buffer: page.body)
            #expect(html.contains("/staff/cards/\(id)/payment") && html.contains(CardApplicationTests.applicant) && html.contains("已核發，尚未繳費"))
            let csrf = try #require(Browser.csrf(page))
            let paid = try await browser.post(client, "/staff/cards/\(id)/payment", ["amount": "200", "reference": "DESK-1", "csrf": csrf])
            #expect(paid.status == .ok && !String(buffer: paid.body).contains("action=\"/staff/cards/\(id)/payment\""))
        }
        let recorded = try harness.services.accounts.cardApplications(holderID: try #require(try harness.services.accounts.holder(studentID: CardApplicationTests.applicant)).id)
        #expect(recorded.first?.paidAt != nil && recorded.first?.paymentReference == "DESK-1")
    }

    @Test func aReviewerApprovesInTheConsoleAndTheAuditNamesThem() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let submitted = try await client.submit()
            #expect(submitted.status == .accepted)
            let id = try #require(try jsonObject(submitted.body)["application_id"] as? String)
            var (browser, _) = try await Self.enrolled(harness, client)
            let queue = String(buffer: try await browser.get(client, "/staff").body)
            #expect(queue.contains("/staff/applications/\(id)") && queue.contains("A1******89") && !queue.contains("A123456789"))
            let page = try await browser.get(client, "/staff/applications/\(id)")
            let html = String(buffer: page.body)
            #expect(page.status == .ok && page.headers[.cacheControl] == "no-store" && html.contains("林申請") && !html.contains("A123456789"))
            let photo = try await browser.get(client, "/staff/applications/\(id)/documents/photo")
            #expect(photo.status == .ok && photo.headers[.contentType] == "image/jpeg" && photo.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("sandbox") == true)
            let csrf = try #require(Browser.csrf(page))
            let empty = try await browser.post(client, "/staff/applications/\(id)/approve", ["student_id": "", "csrf": csrf])
            #expect(empty.status == .unprocessableContent)
            let approved = try await browser.post(client, "/staff/applications/\(id)/approve", ["student_id": "R12345678", "csrf": csrf])
            #expect(approved.status == .seeOther && approved.headers[.location] == "/staff?done=approved")
            let confirmed = String(buffer: try await browser.get(client, "/staff?done=approved").body)
            #expect(confirmed.contains("已核准") && !confirmed.contains("/staff/applications/\(id)"))
            let decided = String(buffer: try await browser.get(client, "/staff?status=approved").body)
            #expect(decided.contains("/staff/applications/\(id)") && decided.contains("共 1 件"))
            let twice = try await browser.post(client, "/staff/applications/\(id)/approve", ["student_id": "R12345678", "csrf": csrf])
            #expect(twice.status == .conflict && String(buffer: twice.body).contains("已經處理過"))
        }
        let events = try harness.services.audit.recent(limit: 30)
        #expect(events.contains { $0.action == "application_approved" && $0.actor == "staff:reviewer-lin" }, "\(events.map { "\($0.actor) \($0.action)" })")
        #expect(events.contains { $0.action == "application_document_read" && $0.actor == "staff:reviewer-lin" }, "\(events.map(\.action))")
    }
}
