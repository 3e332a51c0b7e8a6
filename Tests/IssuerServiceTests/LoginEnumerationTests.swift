import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// Review 2, #6, #7, #10, #11, #12: what a login name, a lockout, a first
/// login, a password change and a reset request give away, and how often
/// a never-activated account's national ID can be guessed.
@Suite("Login names, lockouts and guessing")
struct LoginEnumerationTests {
    func attempt(_ client: some TestClientProtocol, _ login: String, _ password: String, mailCode: String? = nil) async throws -> (HTTPResponse.Status, String?) {
        var body: [String: Any] = ["login": login, "password": password]
        if let mailCode { body["mail_code"] = mailCode }
        let response = try await client.send(.post, "/v1/session", bearer: nil, json: body)
        return (response.status, response.status == .created ? nil : try errorCode(response))
    }

    @Test func aNationalIDTypedAsTheLoginNameIsNeitherLoggedNorStored() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let refused = try await attempt(client, " a123456789 ", "A123456789")
            #expect(refused == (.unprocessableContent, "national_id_as_login"))
            #expect(try await attempt(client, "Secret.Typed@nowhere.example", "wrong").0 == .unauthorized)
        }
        let keys = try await harness.services.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT account FROM login_failure UNION ALL SELECT account FROM login_account_failure")
        }
        #expect(keys.count == 2)
        #expect(keys.allSatisfy { $0.range(of: #"^name:[0-9a-f]{32}$"#, options: .regularExpression) != nil }, "\(keys)")
        #expect(!keys.contains { $0.lowercased().contains("secret") || $0.lowercased().contains("a123456789") })
    }

    @Test func aLockoutIsToldOnlyForTheSpellingThatWasLocked() async throws {
        let harness = try await IssuerHarness { $0.maxLoginFailures = 3 }
        try await harness.application.test(.router) { client in
            for _ in 0..<3 { #expect(try await attempt(client, IssuerHarness.studentID, "wrong password").0 == .unauthorized) }
            #expect(try await attempt(client, IssuerHarness.studentID, IssuerHarness.password) == (.tooManyRequests, "too_many_attempts"))
            // The account's own address, even with the right password, answers as an unknown address does.
            let own = try await attempt(client, IssuerHarness.email, IssuerHarness.password)
            let unknown = try await attempt(client, "nobody@alumni.example.org", IssuerHarness.password)
            #expect(own == (.unauthorized, "invalid_credentials") && own == unknown)
            for _ in 0..<2 {
                _ = try await attempt(client, IssuerHarness.email, IssuerHarness.password)
                _ = try await attempt(client, "nobody@alumni.example.org", IssuerHarness.password)
            }
            #expect(try await attempt(client, IssuerHarness.email, IssuerHarness.password).0 == .tooManyRequests)
            #expect(try await attempt(client, "nobody@alumni.example.org", IssuerHarness.password).0 == .tooManyRequests)
            harness.clock.advance(by: 15 * 60 + 1)
            _ = try await client.login(IssuerHarness.email)
        }
    }

    static let firstLoginHolders = """
        student_id,display_name,email,national_id
        R12000001,王本人,owner@example.org,A123456789
        R12000002,陳無信箱,,F131104093

        """

    @Test func firstLoginGuessesHaveADailyCeilingPerAccountThenNeedTheMailedCode() async throws {
        let harness = try await IssuerHarness { $0.firstLoginDailyLimit = 3; $0.maxLoginFailures = 100 }
        #expect(try harness.services.accounts.importCSV(Data(Self.firstLoginHolders.utf8), now: harness.clock.now, actor: "registrar").applied)
        try await harness.application.test(.router) { client in
            for guess in ["A123456780", "A123456781", "A123456782"] { #expect(try await attempt(client, "R12000001", guess).0 == .unauthorized) }
            let warned = try await harness.deliveredMail()
            #expect(warned.count == 1 && warned[0].recipient == "owner@example.org" && warned[0].body.contains("3 attempts"))
            // Past the ceiling the answer is the same whatever the password: a code is mailed to the address on file.
            #expect(try await attempt(client, "R12000001", "A123456783") == (.forbidden, "mail_code_required"))
            #expect(try await attempt(client, "R12000001", "A123456789") == (.forbidden, "mail_code_required"))
            let codeMail = try #require(try await harness.deliveredMail().last)
            #expect(codeMail.recipient == "owner@example.org")
            let code = try #require(codeMail.body.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init))
            #expect(try await attempt(client, "R12000001", "A123456789", mailCode: code).0 == .created)

            // No address on file: the first login waits for the next day, whatever the password.
            for guess in ["F131104090", "F131104091", "F131104092"] { #expect(try await attempt(client, "R12000002", guess).0 == .unauthorized) }
            #expect(try await attempt(client, "R12000002", "F131104093") == (.tooManyRequests, "too_many_attempts"))
            harness.clock.advance(by: 86_400)
            #expect(try await attempt(client, "R12000002", "F131104093").0 == .created)
        }
    }

    @Test func changingThePasswordIsThrottledLikeALogin() async throws {
        let harness = try await IssuerHarness { $0.maxLoginFailures = 3 }
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            for _ in 0..<3 {
                let wrong = try await client.send(.post, "/v1/account/password", bearer: session, json: ["current_password": "guess", "new_password": "Tr1cky-but-fine"])
                #expect(try errorCode(wrong) == "wrong_password")
            }
            let right = try await client.send(.post, "/v1/account/password", bearer: session,
                                              json: ["current_password": IssuerHarness.password, "new_password": "x"])
            #expect(right.status == .tooManyRequests)
            #expect(try errorCode(right) == "too_many_attempts")
            harness.clock.advance(by: 15 * 60 + 1)
            let changed = try await client.send(.post, "/v1/account/password", bearer: session,
                                                json: ["current_password": IssuerHarness.password, "new_password": "Tr1cky-but-fine"])
            #expect(changed.status == .noContent)
        }
    }

    @Test func aResetRequestWritesTheSameForAnyLoginAndMailsAnAccountAtMostFiveTimesADay() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            for login in [IssuerHarness.studentID, "nobody@alumni.example.org"] {
                let answer = try await client.send(.post, "/v1/password-reset", bearer: nil, json: ["login": login, "altcha": try await client.solvedChallenge()])
                #expect(answer.status == .accepted)
            }
            let audit = try harness.services.audit.recent(limit: 10).filter { $0.action == "password_reset_requested" }
            #expect(audit.count == 2)
            for _ in 0..<5 {
                let answer = try await client.send(.post, "/v1/password-reset", bearer: nil, json: ["login": IssuerHarness.email, "altcha": try await client.solvedChallenge()])
                #expect(answer.status == .accepted)
            }
            #expect(try await harness.deliveredMail().filter { $0.recipient == IssuerHarness.email }.count == 5)
            harness.clock.advance(by: 86_400)
            _ = try await client.send(.post, "/v1/password-reset", bearer: nil, json: ["login": IssuerHarness.email, "altcha": try await client.solvedChallenge()])
            #expect(try await harness.deliveredMail().filter { $0.recipient == IssuerHarness.email }.count == 6)
        }
    }
}
