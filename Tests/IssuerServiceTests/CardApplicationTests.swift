import AccountRules
import CardToken
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing
import TestSupport

/// Digital card applications and renewals, fees and payments, the
/// physical-card rule (alumni-api.md §7), against the real router and database.
@Suite("Digital card applications")
struct CardApplicationTests {
    static let applicant = "B07000002"

    /// A harness with a second alumnus who has no card yet (and, with `plastic`, a plastic card valid through it).
    static func harness(plastic: String? = nil, configure: @escaping (inout IssuerConfiguration) -> Void = { _ in }) async throws -> IssuerHarness {
        let harness = try await IssuerHarness(configure: configure)
        var row = RegistrarRow(studentID: applicant, displayName: "張家豪", email: "hao@alumni.example.org", cardNumber: nil, validThrough: nil)
        if let plastic {
            row.cardNumber = try CardNumber("P000000777")
            row.validThrough = try CardDate(iso8601: plastic)
            row.cardKind = .physical
        }
        #expect(try harness.services.accounts.upsert(row, now: harness.clock.now, actor: "test").applied)
        try harness.services.accounts.setPasswordHash(studentID: applicant, hash: harness.services.hasher.hash(IssuerHarness.password),
                                                      now: harness.clock.now, actor: "test")
        return harness
    }

    static func apply(_ client: some TestClientProtocol, _ session: String, kind: String = "first") async throws -> TestResponse {
        try await client.send(.post, "/v1/card-applications", bearer: session, json: ["kind": kind, "altcha": try await client.solvedChallenge()])
    }

    @Test func aFirstApplicationIssuesACardAtOnceWithTheFeeOwed() async throws {
        let harness = try await Self.harness()
        let (body, token) = try await harness.application.test(.router) { client in
            let session = try await client.login(Self.applicant)
            let applied = try await Self.apply(client, session)
            #expect(applied.status == .created, "\(String(buffer: applied.body))")
            let token = try await client.get("/v1/card/token", bearer: session) { try jsonObject($0.body)["token"] as? String }
            return (try jsonObject(applied.body), token)
        }
        #expect(body["status"] as? String == "issued")
        let fee = try #require(body["fee"] as? [String: Any])
        #expect(fee["amount"] as? Int == 200 && fee["currency"] as? String == "TWD")
        let number = try #require(body["card_number"] as? String)
        #expect(try CardNumberScheme(prefix: "D").isWellFormed(number), "\(number)")
        // Issued 2027-01-15 (Taipei) for 12 months: through 2027-01-14 the next year.
        #expect(body["valid_through"] as? String == "2028-01-14")
        let verdict = TokenVerifier(keys: try await harness.merchantKeys()).verify(try #require(token), now: harness.clock.now)
        #expect(verdict.reason == .ok && verdict.claims?.cardNumber.rawValue == number)
        let mail = try await harness.deliveredMail().filter { $0.recipient == "hao@alumni.example.org" }
        #expect(mail.count == 1 && mail[0].body.contains(number) && mail[0].body.contains("2028-01-14"))
        #expect(mail[0].body.contains("新臺幣 200 元") && mail[0].body.contains("Fee owed: 200 TWD"))
        let audit = try harness.services.audit.recent(limit: 20).map(\.action)
        #expect(audit.contains("card_application_submitted") && audit.contains("card_issued"))
    }

    @Test func aValidCardRefusesAnotherApplicationUntilItsRenewalWindow() async throws {
        let harness = try await Self.harness()
        let cashier = try harness.staffToken(.operator)
        let outcome = try await harness.application.test(.router) { client in
            let session = try await client.login(Self.applicant)
            let first = try jsonObject(try await Self.apply(client, session).body)
            // Issued at once with its fee owed: nothing more is taken until it is paid (review 2, #13).
            #expect(try errorCode(try await Self.apply(client, session, kind: "renewal")) == "application_pending")
            let id = try #require(first["application_id"] as? String)
            #expect(try await client.send(.post, "/v1/admin/card-applications/\(id)/payment", bearer: cashier, json: ["amount": 200, "reference": "R-9"]).status == .ok)
            let again = try await Self.apply(client, session, kind: "renewal")
            let wrongKind = try await Self.apply(client, session, kind: "first")
            // 2027-12-15 is within a month of 2028-01-14.
            harness.clock.set(IssuerHarness.start + 334 * 86_400)
            let later = try await client.login(Self.applicant)
            let firstAgain = try await Self.apply(client, later, kind: "first")
            let renewed = try await Self.apply(client, later, kind: "renewal")
            return (first, again, wrongKind, firstAgain, renewed)
        }
        #expect(outcome.1.status == .conflict)
        #expect(try errorCode(outcome.1) == "card_already_valid")
        let refusal = try #require(try jsonObject(outcome.1.body)["error"] as? [String: Any])
        #expect(refusal["valid_through"] as? String == "2028-01-14" && refusal["renewable_from"] as? String == "2027-12-15")
        #expect(outcome.2.status == .conflict, "a valid card refuses a first application too")
        #expect(outcome.3.status == .unprocessableContent)
        #expect(try jsonObject(outcome.3.body)["error"].flatMap { ($0 as? [String: Any])?["field"] as? String } == "kind")
        let renewed = try jsonObject(outcome.4.body)
        #expect(outcome.4.status == .created)
        // Extended from the current end, not from today: no paid day is lost.
        #expect(renewed["card_number"] as? String == outcome.0["card_number"] as? String)
        #expect(renewed["valid_through"] as? String == "2029-01-14")
        #expect(renewed["kind"] as? String == "renewal")
    }

    @Test func aValidPlasticCardRefusesTheDigitalOneWithItsDate() async throws {
        let harness = try await Self.harness(plastic: "2027-06-30")
        let (refused, later) = try await harness.application.test(.router) { client in
            let session = try await client.login(Self.applicant)
            let refused = try await Self.apply(client, session)
            harness.clock.set(IssuerHarness.start + 200 * 86_400) // 2027-08-03
            return (refused, try await Self.apply(client, try await client.login(Self.applicant)))
        }
        #expect(refused.status == .conflict)
        #expect(try errorCode(refused) == "physical_card_valid")
        #expect((try jsonObject(refused.body)["error"] as? [String: Any])?["valid_through"] as? String == "2027-06-30")
        #expect(later.status == .created, "after the plastic card's date the digital card is issued")
    }

    @Test func withIssueOnPaymentTheCardWaitsForStaffToRecordTheFee() async throws {
        let harness = try await Self.harness { $0.issueOn = .payment; $0.firstCardFee = 300 }
        let reviewer = try harness.staffToken(.reviewer), cashier = try harness.staffToken(.operator)
        let outcome = try await harness.application.test(.router) { client in
            let session = try await client.login(Self.applicant)
            let applied = try jsonObject(try await Self.apply(client, session).body)
            let pending = try await Self.apply(client, session)
            let noCard = try await client.send(.get, "/v1/card/token", bearer: session)
            let queue = try jsonObject(try await client.send(.get, "/v1/admin/card-applications?status=awaiting_payment", bearer: reviewer).body)
            let id = try #require(applied["application_id"] as? String)
            let byReviewer = try await client.send(.post, "/v1/admin/card-applications/\(id)/payment", bearer: reviewer, json: ["amount": 300, "reference": "R-1"])
            let short = try await client.send(.post, "/v1/admin/card-applications/\(id)/payment", bearer: cashier, json: ["amount": 200, "reference": "R-1"])
            let paid = try await client.send(.post, "/v1/admin/card-applications/\(id)/payment", bearer: cashier, json: ["amount": 300, "reference": "R-1"])
            let twice = try await client.send(.post, "/v1/admin/card-applications/\(id)/payment", bearer: cashier, json: ["amount": 300, "reference": "R-2"])
            let token = try await client.send(.get, "/v1/card/token", bearer: session)
            let mine = try jsonObject(try await client.send(.get, "/v1/card-applications", bearer: session).body)
            return (applied, pending, noCard, queue, byReviewer, short, paid, twice, token, mine)
        }
        #expect(outcome.0["status"] as? String == "awaiting_payment")
        #expect((outcome.0["fee"] as? [String: Any])?["amount"] as? Int == 300)
        #expect(outcome.0["card_number"] == nil && outcome.0["valid_through"] == nil)
        #expect(try errorCode(outcome.1) == "application_pending")
        #expect(try errorCode(outcome.2) == "no_card")
        let queued = try #require(outcome.3["applications"] as? [[String: Any]])
        #expect(queued.count == 1 && queued[0]["student_id"] as? String == Self.applicant && queued[0]["paid"] as? Bool == false)
        #expect(outcome.4.status == .forbidden, "a reviewer may not record money")
        #expect(outcome.5.status == .unprocessableContent)
        let paid = try jsonObject(outcome.6.body)
        #expect(outcome.6.status == .ok && paid["status"] as? String == "issued" && paid["paid"] as? Bool == true)
        #expect(paid["payment_reference"] as? String == "R-1")
        #expect(try errorCode(outcome.7) == "already_paid")
        #expect(outcome.8.status == .ok)
        #expect((outcome.9["applications"] as? [[String: Any]])?.first?["status"] as? String == "issued")
        #expect(((outcome.9["fees"] as? [String: Any])?["first"] as? [String: Any])?["amount"] as? Int == 300)
        #expect(outcome.9["issue_on"] as? String == "payment")
        let audit = try harness.services.audit.recent(limit: 30).map(\.action)
        #expect(audit.contains("card_payment_recorded") && audit.contains("card_applications_listed"))
    }

    @Test func aPasswordChangeRequiredBlocksApplications() async throws {
        let harness = try await Self.harness()
        // As after a first login with the national ID.
        try await harness.services.database.writer.write { db in
            try db.execute(sql: "UPDATE holder SET password_change_required = 1 WHERE student_id = ?", arguments: [Self.applicant])
        }
        let answer = try await harness.application.test(.router) { client in
            try await Self.apply(client, try await client.login(Self.applicant))
        }
        #expect(answer.status == .forbidden)
        #expect(try errorCode(answer) == "password_change_required")
    }

    @Test func applicationsNeedTheHumanCheckAndAKnownKind() async throws {
        let harness = try await Self.harness()
        let (noCheck, badKind, extra) = try await harness.application.test(.router) { client in
            let session = try await client.login(Self.applicant)
            return (try await client.send(.post, "/v1/card-applications", bearer: session, json: ["kind": "first"]),
                    try await client.send(.post, "/v1/card-applications", bearer: session, json: ["kind": "plastic", "altcha": "x"]),
                    try await client.send(.post, "/v1/card-applications", bearer: session, json: ["kind": "first", "fee": 0]))
        }
        #expect(try errorCode(noCheck) == "human_check_required")
        #expect(badKind.status == .unprocessableContent)
        #expect(try errorCode(badKind) == "invalid_value")
        #expect(try errorCode(extra) == "unknown_field")
        #expect(try harness.services.accounts.cardApplications(holderID: try #require(try harness.services.accounts.holder(studentID: Self.applicant)).id).isEmpty)
    }
}
