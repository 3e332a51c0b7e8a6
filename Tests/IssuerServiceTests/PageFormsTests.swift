import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerService
import IssuerStore
import NIOCore
import TestSupport
import Testing

/// The pages' forms beyond the login: the application's status page and
/// its answer, the card application's refusals explained, the account
/// application's JSON answers, and bad form input answered with a page.
@Suite("Alumni pages: forms")
struct PageFormsTests {
    typealias Browser = PagesTests.Browser

    @Test func theStatusPageShowsTheCentresQuestionAndTakesTheAnswer() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit().body)["application_id"] as? String)
            let link = try #require(try await harness.deliveredMail().first?.link("http://"))
            let token = try #require(link.components(separatedBy: "token=").last)
            var browser = Browser()
            let pending = String(buffer: try await browser.get(client, "/applications/status?token=\(token)").body)
            #expect(pending.contains(id) && pending.contains("審核中") && !pending.contains("name=\"reply\""))
            _ = try await client.send(.post, "/v1/admin/account-applications/\(id)/request-info", bearer: reviewer, json: ["message": "請補上清晰的證件正面"])
            let page = try await browser.get(client, "/applications/status?token=\(token)")
            let html = String(buffer: page.body)
            #expect(page.headers[.cacheControl] == "no-store" && html.contains("需要補充資料") && html.contains("請補上清晰的證件正面") && html.contains("name=\"reply\""))
            // The answer form (multipart, as the browser sends it) needs its CSRF token.
            func answer(csrf: String?) async throws -> TestResponse {
                var form = MultipartForm()
                form.field("token", token)
                form.field("reply", "已重新上傳")
                if let csrf { form.field("csrf", csrf) }
                form.file("id_document", filename: "id.jpg", contentType: "image/jpeg", Fixture.jpeg)
                let response = try await client.execute(uri: "/applications/status", method: .post,
                                                        headers: [.contentType: form.contentType, .cookie: browser.cookieHeader], body: form.body) { $0 }
                return response
            }
            let forged = try await answer(csrf: nil)
            #expect(forged.status == .forbidden)
            let csrf: String = try #require(Browser.csrf(page))
            let answered = try await answer(csrf: csrf)
            #expect(answered.status == .ok && String(buffer: answered.body).contains("已收到您的回覆"), "\(String(buffer: answered.body))")
            let again = String(buffer: try await browser.get(client, "/applications/status?token=\(token)").body)
            #expect(again.contains("審核中"))
            let unknown = try await browser.get(client, "/applications/status?token=nonsense")
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("查詢連結無效"))
        }
        // The refused answer kept no file: the application's two and the one replacement were kept, the forged upload deleted.
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory).count == 2)
    }

    @Test func theApplicationFormAnswersInJSONInTheVisitorsLanguage() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var browser = Browser()
            let page = try await browser.get(client, "/apply")
            let csrf = try #require(Browser.csrf(page))
            #expect(String(buffer: page.body).contains("個人資料蒐集告知事項"))
            var sample = SampleApplication()
            sample.fields["national_id"] = "A123456788"
            let form = sample.form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge(), extra: ["csrf": csrf])
            let refused = try await client.execute(uri: "/apply", method: .post, headers: [.contentType: form.contentType, .cookie: browser.cookieHeader],
                                                   body: form.body) { $0 }
            let error = try #require(try jsonObject(refused.body)["error"] as? [String: Any])
            #expect(refused.status == .unprocessableContent && error["code"] as? String == "national_id_invalid" && error["field"] as? String == "national_id")
            #expect(error["message"] as? String == "身分證字號不正確，請再檢查一次。")
            // A part of an address or a record is named by `member` (and `record`), so the page can show the message beside it.
            for (name, value, record, member) in [
                ("permanent_address", #"{"region":"domestic","postal_code":"12","county":"臺北市","district":"大安區","line":"羅斯福路四段1號"}"#, nil, "postal_code"),
                ("records", #"[{"degree":"bachelor","department":"資工","admission_year":2010,"graduation_year":2014},{"degree":"master","department":"資工","admission_year":2015,"graduation_year":2013}]"#,
                 "2", "graduation_year"),
            ] as [(String, String, String?, String)] {
                var wrong = SampleApplication()
                wrong.fields[name] = value
                let body = wrong.form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge(), extra: ["csrf": csrf])
                let answer = try await client.execute(uri: "/apply", method: .post, headers: [.contentType: body.contentType, .cookie: browser.cookieHeader],
                                                      body: body.body) { $0 }
                let named = try #require(try jsonObject(answer.body)["error"] as? [String: Any])
                #expect(answer.status == .unprocessableContent && named["field"] as? String == name && named["member"] as? String == member
                        && named["record"] as? String == record && named["message"] as? String == "內容格式不正確，請檢查。", "\(named)")
            }
            let good = SampleApplication().form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge(), extra: ["csrf": csrf])
            let accepted = try await client.execute(uri: "/apply", method: .post, headers: [.contentType: good.contentType, .cookie: browser.cookieHeader],
                                                    body: good.body) { $0 }
            #expect(accepted.status == .accepted)
            let next = try #require(try jsonObject(accepted.body)["next"] as? String)
            let receipt = try await browser.get(client, next)
            #expect(receipt.status == .ok && String(buffer: receipt.body).contains("申請編號 AP"))
            #expect(try await browser.get(client, "/apply/received?id=%3Cscript%3E&due=2027-01-01").status == .notFound)
        }
        #expect(try await harness.deliveredMail().count == 1)
    }

    /// The card-application page offers only what the rules would accept; when
    /// nothing would be, it says why as information, with its dates, and shows no form.
    @Test func theCardApplicationPageOffersOnlyWhatWouldBeAcceptedAndExplainsTheRest() async throws {
        let harness = try await IssuerHarness()
        // A holder whose digital card ended last month: a renewal is what they can apply for.
        try harness.addHolder(studentID: "B07000002", name: "王過期", email: "lapsed@alumni.example.org", card: "A000000043", validThrough: "2026-12-31")
        try await harness.application.test(.router) { client in
            var browser = Browser()
            _ = try await browser.logIn(client)
            // The harness's alumnus holds a digital card valid through 2030-06-30: not yet renewable.
            let page = try await browser.get(client, "/card/apply")
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            #expect(html.contains("id=\"card-apply-closed\"") && html.contains("role=\"status\"") && html.contains("效期至 2030-06-30")
                    && html.contains("自 2030-05-31 起可以續辦"), "\(html)")
            #expect(!html.contains("action=\"/card/apply\"") && !html.contains("role=\"alert\""), "no form to fill, no error to correct")
            // A form sent from a stale page meets the same rule, shown the same way (the token is the session's, from any page).
            let csrf = try #require(Browser.csrf(try await browser.get(client, "/home")))
            let refused = try await browser.post(client, "/card/apply", ["kind": "renewal", "altcha": try await client.solvedChallenge(), "csrf": csrf])
            let refusedHTML = String(buffer: refused.body)
            #expect(refused.status == .conflict)
            #expect(refusedHTML.contains("效期至 2030-06-30") && refusedHTML.contains("id=\"card-apply-closed\"") && !refusedHTML.contains("role=\"alert\""),
                    "\(refusedHTML)")
            let noCheck = try await browser.post(client, "/card/apply", ["kind": "renewal", "csrf": csrf])
            #expect(noCheck.status == .badRequest && String(buffer: noCheck.body).contains("機器人檢查"))

            var lapsed = Browser()
            _ = try await lapsed.logIn(client, login: "B07000002")
            let renewal = String(buffer: try await lapsed.get(client, "/card/apply").body)
            #expect(renewal.contains("name=\"kind\" value=\"renewal\"") && !renewal.contains("value=\"first\""), "\(renewal)")
            #expect(renewal.contains("申請類別：續辦，費用新臺幣 200 元") && renewal.contains("送出後立即發證"), "\(renewal)")
            #expect(!renewal.contains("card-apply-closed"))
        }
    }

    @Test func badFormInputIsAnsweredWithAPageAndChangesNothing() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/login")
            let cookie = browser.cookieHeader
            func post(_ body: [UInt8], type: String = "application/x-www-form-urlencoded") async throws -> TestResponse {
                try await client.execute(uri: "/login", method: .post, headers: [.contentType: type, .cookie: cookie], body: ByteBuffer(bytes: body)) { $0 }
            }
            let huge = try await post(Array(repeating: UInt8(ascii: "a"), count: 64 * 1_024))
            #expect(huge.status == .contentTooLarge && huge.headers[.contentType] == "text/html; charset=utf-8")
            #expect(try await post(Array("login=%zz&password=x".utf8)).status == .badRequest)
            #expect(try await post(Array("login=a&login=b".utf8)).status == .badRequest)
            #expect(try await post(Array("{\"login\":\"a\"}".utf8), type: "application/json").status == .unsupportedMediaType)
            #expect(try await post([0xFF, 0xFE, 0x3D]).status == .badRequest)
            let missing = try await client.execute(uri: "/no-such-page", method: .get, headers: [.accept: "text/html,*/*"], body: nil) { $0 }
            #expect(missing.status == .notFound && String(buffer: missing.body).contains("找不到"), "\(missing.status)")
            let api = try await client.execute(uri: "/v1/no-such-thing", method: .get, headers: [.accept: "text/html,*/*"], body: nil) { $0 }
            #expect(api.status == .notFound && api.headers[.contentType]?.hasPrefix("application/json") == true, "the API answers JSON")
        }
    }
}
