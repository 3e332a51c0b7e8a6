import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The digital card as the how-to walks through it, against the real
/// `alumnicard` binary over loopback with a real SMTP sink: first login and
/// the forced password change, the first card and its token, a renewal, the
/// physical-card refusal, and the fee paid at the desk when cards are
/// issued on payment.
@Suite("Digital card end to end", .serialized, .onItsOwnThread)
struct CardFlowTests {
    static let applicantID = AccountFlowTests.nationalID
    static let plasticID = AccountFlowTests.graduateID

    static func importHolders(_ base: String, admin: String, _ csv: String) async throws {
        let imported = try await LoopbackHTTP.request(.POST, base + "/v1/admin/cards/import", bearer: admin, text: csv)
        #expect(imported.status == 200, "\(String(decoding: imported.data, as: UTF8.self))")
    }

    /// The first login with the national ID, the forced change, and a normal login: a session that may apply.
    static func firstLogin(_ base: String, studentID: String, nationalID: String, refusedFirst: Bool = false) async throws -> String {
        let first = try await AccountFlowTests.login(base, studentID, nationalID)
        #expect(first.status == 201 && first.object["password_change_required"] as? Bool == true, "\(first.object)")
        let forced = try #require(first.object["session_token"] as? String)
        if refusedFirst {
            let refused = try await apply(base, forced)
            #expect(refused.status == 403 && code(refused) == "password_change_required", "\(refused.object)")
        }
        let changed = try await LoopbackHTTP.request(.POST, base + "/v1/account/password", bearer: forced,
                                                     json: ["current_password": nationalID, "new_password": "Card-holder-2026"])
        #expect(changed.status == 204)
        return try #require(try await AccountFlowTests.login(base, studentID, "Card-holder-2026").object["session_token"] as? String)
    }

    static func apply(_ base: String, _ session: String, kind: String = "first") async throws -> LoopbackHTTP.Answer {
        try await LoopbackHTTP.request(.POST, base + "/v1/card-applications", bearer: session,
                                       json: ["kind": kind, "altcha": try await AccountFlowTests.altcha(base)])
    }

    static func code(_ answer: LoopbackHTTP.Answer) -> String? { (answer.object["error"] as? [String: Any])?["code"] as? String }

    /// The current token, checked by the issuer's own verify endpoint.
    static func verifiedCard(_ base: String, _ session: String) async throws -> String? {
        let token = try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: session)
        #expect(token.status == 200, "\(token.object)")
        let verdict = try await LoopbackHTTP.request(.POST, base + "/v1/verify", json: ["token": try #require(token.object["token"] as? String)])
        #expect(verdict.object["reason"] as? String == "ok", "\(verdict.object)")
        return verdict.object["card_number"] as? String
    }

    @Test func firstCardTokenRenewalAndThePlasticCardRule() async throws {
        let setup = try await AccountFlowTests.setUp("cards-e2e", environment: ["ALUMNICARD_CARDS_RENEWAL_WINDOW": "24mo"])
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        let base = setup.daemon.baseURL
        try await Self.importHolders(base, admin: setup.admin, """
            student_id,display_name,email,national_id,card_number,valid_through,card_kind
            R05000001,周數位,digital.applicant@example.org,\(Self.applicantID),,,
            R05000002,吳塑膠,plastic.holder@example.org,\(Self.plasticID),P000000099,2099-12-31,physical

            """)
        let session = try await Self.firstLogin(base, studentID: "R05000001", nationalID: Self.applicantID, refusedFirst: true)
        let issued = try await Self.apply(base, session)
        #expect(issued.status == 201, "\(issued.object)")
        #expect(issued.object["status"] as? String == "issued")
        let number = try #require(issued.object["card_number"] as? String)
        let validThrough = try #require(issued.object["valid_through"] as? String)
        let verified = try await Self.verifiedCard(base, session)
        #expect(verified == number)
        let card = try await LoopbackHTTP.request(.GET, base + "/v1/card", bearer: session)
        #expect(card.object["card_number"] as? String == number && card.object["valid_through"] as? String == validThrough)

        // Issued at once, its fee owed: a renewal waits until the desk records the payment.
        let unpaid = try await Self.apply(base, session, kind: "renewal")
        #expect(unpaid.status == 409 && ((unpaid.object["error"] as? [String: Any])?["code"] as? String) == "application_pending", "\(unpaid.object)")
        let fee = try #require((issued.object["fee"] as? [String: Any])?["amount"] as? Int)
        let applicationID = try #require(issued.object["application_id"] as? String)
        let payment = try await LoopbackHTTP.request(.POST, base + "/v1/admin/card-applications/\(applicationID)/payment", bearer: setup.admin,
                                                     json: ["amount": fee, "reference": "E2E-1"])
        #expect(payment.status == 200, "\(payment.object)")
        let renewed = try await Self.apply(base, session, kind: "renewal")
        #expect(renewed.status == 201 && renewed.object["card_number"] as? String == number, "\(renewed.object)")
        let end = try #require(renewed.object["valid_through"] as? String)
        #expect(Int(end.prefix(4)) == Int(validThrough.prefix(4))! + 1 && end.dropFirst(4) == validThrough.dropFirst(4),
                "a renewal adds the validity to the current end: \(validThrough) → \(end)")

        let plastic = try await Self.firstLogin(base, studentID: "R05000002", nationalID: Self.plasticID)
        let refused = try await Self.apply(base, plastic)
        #expect(refused.status == 409 && Self.code(refused) == "physical_card_valid")
        #expect((refused.object["error"] as? [String: Any])?["valid_through"] as? String == "2099-12-31")

        // Two "your account is open" mails from the import, then the card's two.
        let mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 4)
        #expect(mails.contains { $0.to == "digital.applicant@example.org" && $0.text.contains("您的數位校友證已核發") && $0.text.contains(number) })
        #expect(mails.contains { $0.to == "digital.applicant@example.org" && $0.text.contains("Your digital alumni card was renewed") && $0.text.contains(end) })
    }

    @Test func whenCardsAreIssuedOnPaymentTheFeeComesFirst() async throws {
        let setup = try await AccountFlowTests.setUp("cards-payment-e2e", environment: ["ALUMNICARD_CARDS_ISSUE_ON": "payment",
                                                                                        "ALUMNICARD_CARDS_FEES_FIRST": "250"])
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        let base = setup.daemon.baseURL
        try await Self.importHolders(base, admin: setup.admin, """
            student_id,display_name,email,national_id
            R05000003,鄭付款,payer@example.org,\(Self.applicantID)

            """)
        let session = try await Self.firstLogin(base, studentID: "R05000003", nationalID: Self.applicantID)
        let waiting = try await Self.apply(base, session)
        #expect(waiting.status == 201 && waiting.object["status"] as? String == "awaiting_payment", "\(waiting.object)")
        #expect((waiting.object["fee"] as? [String: Any])?["amount"] as? Int == 250)
        let id = try #require(waiting.object["application_id"] as? String)
        let pending = try await Self.apply(base, session)
        #expect(pending.status == 409 && Self.code(pending) == "application_pending")
        let noToken = try await LoopbackHTTP.request(.GET, base + "/v1/card/token", bearer: session)
        #expect(noToken.status == 404 && Self.code(noToken) == "no_card")

        let queue = try await LoopbackHTTP.request(.GET, base + "/v1/admin/card-applications?status=awaiting_payment", bearer: setup.admin)
        #expect((queue.object["applications"] as? [[String: Any]])?.map { $0["application_id"] as? String } == [id])
        let paid = try await LoopbackHTTP.request(.POST, base + "/v1/admin/card-applications/\(id)/payment", bearer: setup.admin,
                                                  json: ["amount": 250, "reference": "CASH-0001"])
        #expect(paid.status == 200 && paid.object["status"] as? String == "issued", "\(paid.object)")
        let number = try #require(paid.object["card_number"] as? String)
        let verified = try await Self.verifiedCard(base, session)
        #expect(verified == number)
        let mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 2) // the account's, then the card's
        #expect(mails.contains { $0.to == "payer@example.org" && $0.text.contains(number) })
    }
}
