import CardToken
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

/// Review finding #1 and #2 (2026-12 review 2): a registrar match is a
/// claim to check. An approval keeps what the registrar provided unless
/// staff, having seen both, choose the applicant's; the address on file is
/// told; a different registrar national ID refuses the approval.
@Suite("Registrar matches in the review")
struct RegistrarMatchTests {
    /// The sample applicant's national ID, imported with the owner's own
    /// contact data and a diploma on 20 January (the account opens on the 22nd).
    static let imported = """
        student_id,display_name,email,national_id,mobile,diploma_date
        R12000001,王本人,owner@example.org,A123456789,0987654321,2027-01-20

        """

    static func claiming(_ studentID: String, email: String = SampleApplication.email) -> SampleApplication {
        var application = SampleApplication()
        application.fields["records"] = #"[{"degree":"bachelor","department":"資訊工程學系","admission_year":2010,"graduation_year":2014,"student_id":"\#(studentID)"}]"#
        application.fields["email"] = email
        return application
    }

    static func importOwner(_ harness: IssuerHarness, _ csv: String = imported) throws {
        let report = try harness.services.accounts.importCSV(Data(csv.utf8), now: harness.clock.now, actor: "registrar")
        #expect(report.applied, "\(report)")
    }

    @Test func aRegistrarMatchDoesNotReplaceTheAddressOnFile() async throws {
        let harness = try await IssuerHarness()
        try Self.importOwner(harness)
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let submitted = try await client.submit(Self.claiming("r12000001"))
            let id = try #require(try jsonObject(submitted.body)["application_id"] as? String)
            let entry = try #require((try jsonObject(try await client.send(.get, "/v1/admin/account-applications", bearer: reviewer).body)["applications"] as? [[String: Any]])?.first)
            #expect(entry["registrar_match"] as? String == "R12000001")
            #expect(entry["identity_already_known"] as? Bool == true)
            // The owner is told at the address on file, in words the applicant did not choose.
            let notice = try #require(try await harness.deliveredMail().first { $0.recipient == "owner@example.org" })
            #expect(!notice.body.contains("林申請") && notice.body.contains("national ID"))

            // The reviewer sees the registrar's record beside the application.
            let detail = try jsonObject(try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer).body)
            let record = try #require((detail["registrar_records"] as? [[String: Any]])?.first)
            #expect(record["email"] as? String == "owner@example.org" && record["national_id"] as? String == "same" && record["diploma_date"] as? String == "2027-01-20")

            let approved = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "R12000001"])
            #expect(approved.status == .ok, "\(String(buffer: approved.body))")
            // How to sign in goes to the owner; the applicant hears only that it went there.
            let mails = try await harness.deliveredMail()
            #expect(mails.contains { $0.recipient == "owner@example.org" && $0.body.contains("R12000001") && $0.body.contains("王本人") })
            let toApplicant = mails.filter { $0.recipient == SampleApplication.email }
            #expect(toApplicant.contains { $0.body.contains("university's record") } && !toApplicant.contains { $0.body.contains("R12000001") })

            // The applicant's address is not a login; the diploma-date wait holds for the owner's.
            let applicantLogin = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": SampleApplication.email, "password": "A123456789"])
            #expect(applicantLogin.status == .unauthorized)
            let early = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "owner@example.org", "password": "A123456789"])
            #expect(try errorCode(early) == "account_not_open")
        }
        let holder = try #require(try harness.services.accounts.holder(studentID: "R12000001"))
        #expect(holder.displayName == "王本人" && holder.email == "owner@example.org" && holder.mobile == "0987654321")
        #expect(holder.diplomaDate?.yyyymmdd == 20_270_120)
    }

    @Test func approveMatchesLeavesAMismatchedContactForAReviewer() async throws {
        let harness = try await IssuerHarness()
        try Self.importOwner(harness, Self.imported + "R12000002,陳本人,chen@example.org,F131104093,,\n")
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let foreign = try #require(try jsonObject(try await client.submit(Self.claiming("R12000001")).body)["application_id"] as? String)
            var own = Self.claiming("R12000002", email: "CHEN@example.org")
            own.fields["national_id"] = "F131104093"
            let genuine = try #require(try jsonObject(try await client.submit(own).body)["application_id"] as? String)
            let run = try await client.send(.post, "/v1/admin/account-applications/approve-matches", bearer: reviewer)
            let body = try jsonObject(run.body)
            #expect(body["approved"] as? [String] == [genuine])
            let refused = try #require(body["refused"] as? [String: String])
            #expect(refused[foreign]?.contains("differs from the registrar's record") == true, "\(refused)")
            let pending = try jsonObject(try await client.send(.get, "/v1/admin/account-applications", bearer: reviewer).body)
            #expect((pending["applications"] as? [[String: Any]])?.map { $0["application_id"] as? String } == [foreign])
        }
        #expect(try harness.services.accounts.holder(studentID: "R12000001")?.email == "owner@example.org")
    }

    @Test func theMailCodeGoesToTheRegistrarsAddressAfterAnApproval() async throws {
        let harness = try await IssuerHarness { $0.firstLogin = .nationalIDAndMailCode }
        try Self.importOwner(harness)
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit(Self.claiming("R12000001")).body)["application_id"] as? String)
            #expect(try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "R12000001"]).status == .ok)
            harness.clock.advance(by: 7 * 86_400)
            let before = try await harness.deliveredMail().count
            let ask = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "R12000001", "password": "A123456789"])
            #expect(try errorCode(ask) == "mail_code_required")
            let code = try await harness.deliveredMail().dropFirst(before)
            #expect(code.count == 1 && code.first?.recipient == "owner@example.org")
        }
    }

    @Test func approvingWithAStudentIDWhoseRegistrarNationalIDDiffersIsRefused() async throws {
        let harness = try await IssuerHarness()
        try Self.importOwner(harness, "student_id,display_name,email,national_id\nR12000002,陳本人,chen@example.org,F131104093\n")
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit(Self.claiming("R12000002")).body)["application_id"] as? String)
            let detail = try jsonObject(try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer).body)
            #expect((detail["registrar_records"] as? [[String: Any]])?.first?["national_id"] as? String == "different")
            let refused = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "R12000002"])
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("different national ID"))
            // The alumna's own first login still works with her registrar national ID.
            let own = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "chen@example.org", "password": "F131104093"])
            #expect(own.status == .created, "\(String(buffer: own.body))")
        }
    }

    @Test func staffMayTakeTheApplicantsAddressAndTheOldOneIsTold() async throws {
        let harness = try await IssuerHarness()
        try Self.importOwner(harness)
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let id = try #require(try jsonObject(try await client.submit(Self.claiming("R12000001")).body)["application_id"] as? String)
            let bad = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer,
                                            json: ["student_id": "R12000001", "take_from_application": ["password"]])
            #expect(try errorCode(bad) == "invalid_field")
            let approved = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer,
                                                 json: ["student_id": "R12000001", "take_from_application": ["email"]])
            #expect(approved.status == .ok)
            let mails = try await harness.deliveredMail()
            #expect(mails.contains { $0.recipient == "owner@example.org" && $0.body.contains("replaced the e-mail address") })
            #expect(mails.contains { $0.recipient == SampleApplication.email && $0.body.contains("First password") })
        }
        let holder = try #require(try harness.services.accounts.holder(studentID: "R12000001"))
        #expect(holder.email == SampleApplication.email && holder.displayName == "王本人")
        let audit = try harness.services.audit.recent(limit: 20)
        #expect(audit.contains { $0.action == "application_approved" && $0.detail.contains("from the application: email") })
    }

    @Test func theReviewQueuePagesAndSaysHowManyThereAre() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            var submitted: [String] = []
            for _ in 0..<3 { submitted.append(try #require(try jsonObject(try await client.submit().body)["application_id"] as? String)) }
            let first = try jsonObject(try await client.send(.get, "/v1/admin/account-applications?limit=2", bearer: reviewer).body)
            #expect(first["total"] as? Int == 3)
            let next = try #require(first["next"] as? String)
            let second = try jsonObject(try await client.send(.get, "/v1/admin/account-applications?limit=2&after=\(next)", bearer: reviewer).body)
            #expect(second["next"] == nil || second["next"] is NSNull)
            let listed = ((first["applications"] as? [[String: Any]]) ?? []) + ((second["applications"] as? [[String: Any]]) ?? [])
            #expect(Set(listed.compactMap { $0["application_id"] as? String }) == Set(submitted) && listed.count == 3)
            #expect(try errorCode(try await client.send(.get, "/v1/admin/account-applications?after=x.y", bearer: reviewer)) == "invalid_value")
            #expect(try errorCode(try await client.send(.get, "/v1/admin/account-applications?limit=501", bearer: reviewer)) == "invalid_value")
        }
    }
}
