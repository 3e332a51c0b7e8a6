import AccountRules
import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing
import TestSupport

/// Issue #28, alumni-api.md §10: the alumnus's own account over the API,
/// in process on SQLite (`TwoInstancesTests`-style pairs run the same
/// calls on PostgreSQL in `OwnAccountAcrossInstancesTests`).
@Suite("Own account API (§10)")
struct OwnAccountAPITests {
    static let address = #"{"region":"domestic","postal_code":"106","county":"臺北市","district":"大安區","line":"羅斯福路四段1號","country":"TW"}"#

    static func object(_ text: String) -> Any { try! JSONSerialization.jsonObject(with: Data(text.utf8)) }

    static func mailedCode(_ mail: DeliveredMail) throws -> String {
        String(try #require(mail.body.split(whereSeparator: { !($0.isASCII && $0.isNumber) }).first { $0.count == 6 }))
    }

    @Test func theAccountShowsWhatIsHeldAndAChangeIsCheckedKeptAndToldToTheAddressOnFile() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let shown = try jsonObject(try await client.send(.get, "/v1/account", bearer: session).body)
            #expect(shown["student_id"] as? String == IssuerHarness.studentID && shown["email"] as? String == IssuerHarness.email)
            #expect(shown["reminders"] as? Bool == true && (shown["cards"] as? [[String: Any]])?.first?["card_number"] as? String == IssuerHarness.cardNumber)
            #expect(try await client.send(.get, "/v1/account", bearer: nil).status == .unauthorized)

            // Each member by the application form's rule, the first problem named.
            let badMobile = try await client.send(.patch, "/v1/account", bearer: session, json: ["mobile": "12345"])
            #expect(try badMobile.status == .unprocessableContent && errorField(badMobile) == "mobile")
            let badAddress = try await client.send(.patch, "/v1/account", bearer: session,
                                                   json: ["permanent_address": Self.object(#"{"region":"domestic","line":"x"}"#)])
            #expect(try badAddress.status == .unprocessableContent && errorField(badAddress) == "permanent_address")
            #expect(try await client.send(.patch, "/v1/account", bearer: session, json: ["permanent_address": "text"]).status == .badRequest)
            #expect(try await client.send(.patch, "/v1/account", bearer: session, json: ["email": "x@y.org"]).status == .badRequest,
                    "the address changes only through its own confirmed flow")
            #expect(try await client.send(.patch, "/v1/account", bearer: session, json: [String: Any]()).status == .badRequest)

            let changed = try await client.send(.patch, "/v1/account", bearer: session, json: [
                "mobile": "0911-222-333", "phone": "02 3366 1234", "permanent_address": Self.object(Self.address),
                "mailing_address": Self.object(#"{"same_as":"permanent"}"#), "reminders": false,
            ])
            #expect(changed.status == .ok)
            let after = try jsonObject(changed.body)
            #expect(after["mobile"] as? String == "0911222333" && after["phone"] as? String == "02 3366 1234" && after["reminders"] as? Bool == false)
            #expect((after["permanent_address"] as? [String: Any])?["postal_code"] as? String == "106")
            #expect((after["mailing_address"] as? [String: Any])?["same_as"] as? String == "permanent")
            let notice = try #require(try await harness.deliveredMail().last)
            #expect(notice.recipient == IssuerHarness.email && notice.body.contains("手機號碼") && notice.body.contains("mobile number"))
            #expect(!notice.body.contains("0911222333"), "the notice names what changed, not the new values")
            // The new mobile number is a login name now.
            #expect(try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "0911222333", "password": IssuerHarness.password]).status == .created)
            // Removing the phone.
            let removed = try jsonObject(try await client.send(.patch, "/v1/account", bearer: session, json: ["phone": NSNull()]).body)
            #expect(removed["phone"] == nil)
        }
    }

    @Test func aMobileNumberAnotherAccountUsesIsRefusedWith409() async throws {
        let harness = try await IssuerHarness()
        try harness.addHolder(studentID: "B07000002", name: "王大同", email: "wang@alumni.example.org", card: "A000000043", validThrough: "2030-06-30")
        try await harness.application.test(.router) { client in
            let wang = try await client.login("B07000002")
            let mei = try await client.login()
            // §10 takes the session alone; a password given with it is checked all the same.
            let wrong = try await client.send(.patch, "/v1/account", bearer: wang, json: ["mobile": "0987654321", "current_password": "not it"])
            #expect(try wrong.status == .forbidden && errorCode(wrong) == "wrong_password")
            #expect(try await client.send(.patch, "/v1/account", bearer: wang, json: ["mobile": "0987654321"]).status == .ok)
            let refused = try await client.send(.patch, "/v1/account", bearer: mei, json: ["mobile": "+886 987 654 321", "phone": "02-1111-2222"])
            #expect(try refused.status == .conflict && errorCode(refused) == "mobile_unavailable")
            let mine = try jsonObject(try await client.send(.get, "/v1/account", bearer: mei).body)
            #expect(mine["mobile"] == nil && mine["phone"] == nil, "nothing of the refused change was kept")
        }
    }

    @Test func anEmailChangeIsConfirmedByTheMailedCodeAndTheOldAddressStopsSigningIn() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let wrongPassword = try await client.send(.post, "/v1/account/email", bearer: session, json: ["email": "mei.new@example.org", "current_password": "nope"])
            #expect(try wrongPassword.status == .forbidden && errorCode(wrongPassword) == "wrong_password")
            let badAddress = try await client.send(.post, "/v1/account/email", bearer: session, json: ["email": "not an address", "current_password": IssuerHarness.password])
            #expect(badAddress.status == .unprocessableContent)
            let asked = try await client.send(.post, "/v1/account/email", bearer: session,
                                              json: ["email": "mei.new@example.org", "current_password": IssuerHarness.password])
            #expect(asked.status == .accepted)
            let mails = try await harness.deliveredMail()
            let code = try Self.mailedCode(try #require(mails.first { $0.recipient == "mei.new@example.org" }))
            let told = try #require(mails.first { $0.recipient == IssuerHarness.email })
            #expect(told.body.contains("m•••@example.org") && !told.body.contains(code), "the old address is told, without the code")

            let wrong = try await client.send(.post, "/v1/account/email/confirm", bearer: session, json: ["code": code == "000000" ? "111111" : "000000"])
            #expect(try wrong.status == .badRequest && errorCode(wrong) == "code_invalid")
            let confirmed = try await client.send(.post, "/v1/account/email/confirm", bearer: session, json: ["code": code])
            #expect(try confirmed.status == .ok && (jsonObject(confirmed.body)["email"] as? String) == "mei.new@example.org")
            #expect(try await client.send(.post, "/v1/session", bearer: nil, json: ["login": IssuerHarness.email, "password": IssuerHarness.password])
                .status == .unauthorized, "the old address no longer signs in")
            #expect(try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "mei.new@example.org", "password": IssuerHarness.password])
                .status == .created)
            #expect(try await client.send(.post, "/v1/account/email/confirm", bearer: session, json: ["code": code]).status == .badRequest, "used")
            let afterwards = try await harness.deliveredMail()
            #expect(afterwards.last?.recipient == IssuerHarness.email && afterwards.last?.body.contains("m•••@example.org") == true,
                    "the old address is told the change is done")
        }
    }

    @Test func anAddressAnotherAccountUsesGetsTheSameAnswerAndNoWorkingCodeAndFiveWrongCodesVoidAChange() async throws {
        let harness = try await IssuerHarness()
        try harness.addHolder(studentID: "B07000002", name: "王大同", email: "wang@alumni.example.org", card: "A000000043", validThrough: "2030-06-30")
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let taken = try await client.send(.post, "/v1/account/email", bearer: session,
                                              json: ["email": "Wang@Alumni.Example.org", "current_password": IssuerHarness.password])
            let free = try await client.send(.post, "/v1/account/email", bearer: session,
                                             json: ["email": "free@example.org", "current_password": IssuerHarness.password])
            #expect(taken.status == .accepted && free.status == .accepted && taken.body == free.body, "the same answer either way")
            let mails = try await harness.deliveredMail()
            let toWang = try #require(mails.first { $0.recipient.lowercased() == "wang@alumni.example.org" })
            #expect(toWang.body.contains("nothing was changed") && toWang.body.split(whereSeparator: { !$0.isNumber }).allSatisfy { $0.count != 6 },
                    "the owner is told, and gets no code")
            // The later request replaced the first; five wrong codes then void it.
            let code = try Self.mailedCode(try #require(mails.first { $0.recipient == "free@example.org" }))
            var statuses: [HTTPResponse.Status] = []
            for wrong in ["000001", "000002", "000003", "000004", "000005"] where wrong != code {
                statuses.append(try await client.send(.post, "/v1/account/email/confirm", bearer: session, json: ["code": wrong]).status)
            }
            #expect(statuses.last == .tooManyRequests && statuses.dropLast().allSatisfy { $0 == .badRequest }, "\(statuses)")
            #expect(try await client.send(.post, "/v1/account/email/confirm", bearer: session, json: ["code": code]).status == .badRequest,
                    "a void change takes no code")
        }
    }

    @Test func sessionsAreListedWithTheBrowserAndEndedOneByOneOrAllOthersAtOnce() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            func login(_ agent: String) async throws -> String {
                let response = try await client.execute(uri: "/v1/session", method: .post,
                                                        headers: [.contentType: "application/json", .userAgent: agent],
                                                        body: json(["login": IssuerHarness.studentID, "password": IssuerHarness.password])) { $0 }
                return try #require(try jsonObject(response.body)["session_token"] as? String)
            }
            let phone = try await login("Mozilla/5.0 (iPhone)\u{202E}evil\n")
            harness.clock.advance(by: 60)
            let laptop = try await login("Firefox/140")
            harness.clock.advance(by: 60)
            let tablet = try await login("Safari")
            let listed = try jsonObject(try await client.send(.get, "/v1/account/sessions", bearer: laptop).body)["sessions"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["user_agent"] as? String } == ["Safari", "Firefox/140", "Mozilla/5.0 (iPhone)evil"],
                    "newest first; control and formatting characters dropped")
            #expect(listed.map { $0["current"] as? Bool } == [false, true, false])
            let phoneID = try #require(listed.last?["session_id"] as? String)
            #expect(!phone.contains(phoneID) && phoneID.count == 32, "the id is not the token")

            #expect(try await client.send(.delete, "/v1/account/sessions/\(phoneID)", bearer: laptop).status == .noContent)
            #expect(try await client.send(.get, "/v1/account", bearer: phone).status == .unauthorized, "ended at once on this instance")
            #expect(try await client.send(.delete, "/v1/account/sessions/\(phoneID)", bearer: laptop).status == .notFound)
            #expect(try await client.send(.delete, "/v1/account/sessions/nonsense", bearer: laptop).status == .notFound)

            #expect(try await client.send(.post, "/v1/account/sessions/end-others", bearer: laptop).status == .noContent)
            #expect(try await client.send(.get, "/v1/account", bearer: tablet).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/account", bearer: laptop).status == .ok, "the current session stays")
            let left = try jsonObject(try await client.send(.get, "/v1/account/sessions", bearer: laptop).body)["sessions"] as? [[String: Any]] ?? []
            #expect(left.count == 1 && left.first?["current"] as? Bool == true)
        }
    }

    @Test func theAccountEndpointsWaitForThePasswordChange() async throws {
        let harness = try await IssuerHarness()
        // A registrar's holder whose first password is the national ID: signed in, the change not yet made.
        var row = RegistrarRow(studentID: "B07000003", displayName: "李首登", email: "li@alumni.example.org", cardNumber: nil, validThrough: nil)
        row.nationalID = try IdentityNumber("A123456789")
        _ = try harness.services.accounts.upsert(row, now: harness.clock.now, actor: "test")
        try await harness.application.test(.router) { client in
            let session = try await client.login("B07000003", password: "A123456789")
            let refused = try await client.send(.get, "/v1/account", bearer: session)
            #expect(try refused.status == .forbidden && errorCode(refused) == "password_change_required")
        }
    }
}

/// The `error.field` of a JSON error body.
func errorField(_ response: TestResponse) throws -> String? {
    (try jsonObject(response.body)["error"] as? [String: Any])?["field"] as? String
}
