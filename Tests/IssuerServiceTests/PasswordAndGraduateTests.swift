import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import Testing
import TestSupport

/// alumni-api.md §4 (reset), §6 (new graduates), and the mailed first-login code.
@Suite("Password resets and new graduates")
struct PasswordAndGraduateTests {
    @Test func aResetLinkWorksOnceEndsEverySessionAndExpires() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let unknown = try await client.send(.post, "/v1/password-reset", bearer: nil,
                                                json: ["login": "nobody@example.org", "altcha": try await client.solvedChallenge()])
            let known = try await client.send(.post, "/v1/password-reset", bearer: nil,
                                              json: ["login": " \(IssuerHarness.email.uppercased()) ", "altcha": try await client.solvedChallenge()])
            #expect(unknown.status == .accepted && known.status == .accepted)
            #expect(Array(unknown.body.readableBytesView) == Array(known.body.readableBytesView))
            #expect(try errorCode(try await client.send(.post, "/v1/password-reset", bearer: nil, json: ["login": "x"])) == "human_check_required")

            let mails = try await harness.deliveredMail()
            #expect(mails.count == 1)
            let link = try #require(mails.first?.link("http://"))
            #expect(link.contains("/reset?token="))
            let token = try #require(link.components(separatedBy: "token=").last)

            let weak = try await client.send(.post, "/v1/password-reset/confirm", bearer: nil, json: ["token": token, "new_password": "short"])
            #expect(try errorCode(weak) == "password_too_short")
            let done = try await client.send(.post, "/v1/password-reset/confirm", bearer: nil, json: ["token": token, "new_password": "N3w-and-long-enough"])
            #expect(done.status == .noContent, "\(String(buffer: done.body))")
            #expect(try await client.send(.get, "/v1/card", bearer: session).status == .unauthorized)
            let again = try await client.send(.post, "/v1/password-reset/confirm", bearer: nil, json: ["token": token, "new_password": "An0ther-good-one"])
            #expect(again.status == .badRequest)
            #expect(try errorCode(again) == "reset_token_invalid")
            _ = try await client.login(password: "N3w-and-long-enough")

            // A second link expires after login.reset_lifetime (30 minutes).
            _ = try await client.send(.post, "/v1/password-reset", bearer: nil, json: ["login": IssuerHarness.studentID, "altcha": try await client.solvedChallenge()])
            let second = try #require(try await harness.deliveredMail().last?.link("http://")?.components(separatedBy: "token=").last)
            harness.clock.advance(by: 31 * 60)
            let late = try await client.send(.post, "/v1/password-reset/confirm", bearer: nil, json: ["token": second, "new_password": "An0ther-good-one"])
            #expect(try errorCode(late) == "reset_token_invalid")
        }
        let audit = try harness.services.audit.recent(limit: 20).map(\.action)
        #expect(audit.contains("password_reset") && audit.contains("password_reset_requested"))
    }

    static let graduates = """
        student_id,display_name,email,national_id,mobile,diploma_date
        R12000001,張畢業,grad@example.org,F131104093,0987654321,2027-01-20

        """

    @Test func aNewGraduateOpensTwoDaysAfterTheDiploma() async throws {
        let harness = try await IssuerHarness()
        let report = try harness.services.accounts.importCSV(Data(Self.graduates.utf8), now: harness.clock.now, actor: "test",
                                                             accountReady: harness.services.accountReadyMail)
        #expect(report.applied, "\(report)")
        #expect(report.rows.first?.cardNumber == nil)
        #expect(report.rows.first?.detail.contains("F131104093") == false)
        try await harness.application.test(.router) { client in
            // 15 January: the diploma is on the 20th, the account opens on the 22nd (Taipei).
            let early = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "r12000001", "password": "F131104093"])
            #expect(early.status == .forbidden)
            #expect(try errorCode(early) == "account_not_open")
            // The "account open" mail waits for the opening day.
            #expect(try await harness.deliveredMail().isEmpty)
            harness.clock.advance(by: 6 * 86_400 + 8 * 3_600) // 22 January, 00:00 Taipei
            let ready = try await harness.deliveredMail()
            #expect(ready.count == 1 && ready.first?.recipient == "grad@example.org")
            #expect(ready.first?.body.contains("Congratulations on your graduation") == true && ready.first?.body.contains("R12000001") == true)
            #expect(ready.first.map { !$0.body.contains("F131104093") } == true)
            let wrong = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "0987-654-321", "password": "F131104094"])
            #expect(wrong.status == .unauthorized)
            let first = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "0987-654-321", "password": "f131104093"])
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(try jsonObject(first.body)["password_change_required"] as? Bool == true)
        }
    }

    @Test func theImportRefusesABadNationalIDWithoutRepeatingIt() throws {
        let csv = "student_id,display_name,national_id\nR12000002,李錯誤,F131104094\n"
        let lines = try RegistrarCSV.parse(Data(csv.utf8))
        let problem = try #require(lines.first?.problem)
        #expect(problem.contains("national_id"))
        #expect(!problem.contains("F131104094"))
    }

    @Test func theMailedCodeIsNeededOnTheFirstLoginWhenConfigured() async throws {
        let harness = try await IssuerHarness { $0.firstLogin = .nationalIDAndMailCode }
        _ = try harness.services.accounts.importCSV(Data(Self.graduates.replacingOccurrences(of: "2027-01-20", with: "2027-01-01").utf8),
                                                     now: harness.clock.now, actor: "test")
        try await harness.application.test(.router) { client in
            let ask = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "R12000001", "password": "F131104093"])
            #expect(try errorCode(ask) == "mail_code_required")
            let mail = try #require(try await harness.deliveredMail().last)
            #expect(mail.recipient == "grad@example.org")
            let runs = mail.body.split(whereSeparator: { !($0.isASCII && $0.isNumber) })
            let code = String(try #require(runs.first { $0.count == 6 }))
            let wrong = try await client.send(.post, "/v1/session", bearer: nil,
                                              json: ["login": "R12000001", "password": "F131104093", "mail_code": code == "000000" ? "111111" : "000000"])
            #expect(try errorCode(wrong) == "mail_code_invalid")
            let right = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "R12000001", "password": "F131104093", "mail_code": code])
            #expect(right.status == .created, "\(String(buffer: right.body))")
            // Single use.
            let reused = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "R12000001", "password": "F131104093", "mail_code": code])
            #expect(try errorCode(reused) == "mail_code_invalid")
        }
    }
}
