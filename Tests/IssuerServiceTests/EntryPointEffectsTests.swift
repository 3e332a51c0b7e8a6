import Foundation
import HTTPTypes
import HummingbirdTesting
import IssuerCore
@testable import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// Issue #26: one action has the same effects whichever entry point calls
/// it. The application page once left the mail outbox asleep where its API
/// twin woke it, and the review API audited a reviewer by bare name where
/// every other API action says `admin:<name>` (the console `staff:<name>`).
@Suite("One action, the same effects from every entry point")
struct EntryPointEffectsTests {
    typealias Browser = PagesTests.Browser

    @Test func theApplicationPageAndTheAPIBothWakeTheOutboxAndAuditAlike() async throws {
        let harness = try await IssuerHarness()
        let delivery = harness.services.mailDelivery
        try await harness.application.test(.router) { client in
            let before = delivery.wakeCount
            #expect(try await client.submit().status == .accepted)
            #expect(delivery.wakeCount == before + 1, "the API woke the outbox")

            var browser = Browser()
            let page = try await browser.get(client, "/apply")
            var other = SampleApplication()
            other.fields["national_id"] = ApplicationLimitsTests.nationalID("B22222222")
            let form = other.form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge(),
                                  extra: ["csrf": try #require(Browser.csrf(page))])
            let sent = try await client.execute(uri: "/apply", method: .post, headers: [.contentType: form.contentType, .cookie: browser.cookieHeader],
                                                body: form.body) { $0 }
            #expect(sent.status == .accepted)
            #expect(delivery.wakeCount == before + 2, "the page woke it too")
        }
        let submitted = try harness.services.audit.recent(limit: 50).filter { $0.action == "application_submitted" }
        #expect(submitted.count == 2 && submitted.allSatisfy { $0.actor == "applicant" })
    }

    @Test func theReviewAPIAuditsItsTokenAsAdminAndWakesTheOutbox() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer, name: "reviewer-chen")
        let delivery = harness.services.mailDelivery
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit().body)["application_id"] as? String)
            let before = delivery.wakeCount
            let asked = try await client.send(.post, "/v1/admin/account-applications/\(id)/request-info", bearer: reviewer, json: ["message": "請補上證件正面"])
            #expect(asked.status == .ok)
            let rejected = try await client.send(.post, "/v1/admin/account-applications/\(id)/reject", bearer: reviewer, json: ["reason": "重複申請"])
            #expect(rejected.status == .ok)
            #expect(delivery.wakeCount == before + 2)
        }
        let review = try harness.services.audit.recent(limit: 50).filter { ["application_info_requested", "application_rejected", "application_read"].contains($0.action) }
        #expect(!review.isEmpty && review.allSatisfy { $0.actor == "admin:reviewer-chen" }, "\(review.map(\.actor))")
    }
}
