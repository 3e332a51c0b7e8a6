import CardToken
import Crypto
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import TestSupport
import Testing

/// Issue #28, alumni-api.md §10: personal-data requests over the API, in
/// process — the copy as a ZIP read by Python's zipfile, staff's
/// statutory queue, and a deletion after which the database file and the
/// document store hold nothing of the person.
@Suite("Personal-data requests API (§10)")
struct DataRequestAPITests {
    static let password = "Tr1cky-but-fine"

    /// An applicant approved as B96902001 (with both documents), given a card by the registrar, signed in with a password of their own.
    static func approvedApplicant(_ client: some TestClientProtocol, _ harness: IssuerHarness) async throws -> String {
        let reviewer = try harness.staffToken(.reviewer)
        let submitted = try await client.submit()
        let id = try #require(try jsonObject(submitted.body)["application_id"] as? String)
        let approved = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "b96902001"])
        #expect(approved.status == .ok, "\(String(buffer: approved.body))")
        let row = RegistrarRow(studentID: "B96902001", displayName: "林申請", email: SampleApplication.email, cardNumber: try CardNumber("A000000077"),
                               validThrough: try CardDate(iso8601: "2030-06-30"))
        _ = try harness.services.accounts.upsert(row, now: harness.clock.now, actor: "test")
        let first = try await client.login("B96902001", password: "A123456789")
        let changed = try await client.send(.post, "/v1/account/password", bearer: first, json: ["current_password": "A123456789", "new_password": password])
        #expect(changed.status == .noContent, "\(String(buffer: changed.body))")
        return try await client.login("B96902001", password: password)
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test func aCopyIsAZipOfThePersonsDataAndDocumentsForTheirOwnSessionForSevenDays() async throws {
        let harness = try await IssuerHarness()
        try await harness.application.test(.router) { client in
            let session = try await Self.approvedApplicant(client, harness)
            let other = try await client.login()
            let filed = try await client.send(.post, "/v1/account/data-requests", bearer: session, json: ["kind": "copy", "current_password": Self.password])
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            let request = try jsonObject(filed.body)
            let id = try #require(request["request_id"] as? String)
            // 2027-01-15 in Taipei, plus 15 calendar days (Art. 13).
            #expect(request["status"] as? String == "completed" && request["kind"] as? String == "copy" && request["due"] as? String == "2027-01-30")
            #expect(try await client.send(.post, "/v1/account/data-requests", bearer: session, json: ["kind": "copy", "current_password": "wrong"]).status
                == .forbidden)
            #expect(try await client.send(.post, "/v1/account/data-requests", bearer: session,
                                          json: ["kind": "everything", "current_password": Self.password]).status == .unprocessableContent)

            let download = try await client.send(.get, "/v1/account/data-requests/\(id)/export", bearer: session)
            #expect(download.status == .ok && download.headers[.contentType] == "application/zip")
            let zip = Array(download.body.readableBytesView)
            let read = try #require(try JSONSerialization.jsonObject(with: ExternalTool.python("zip_inspect.py", input: Data(zip))) as? [String: Any])
            #expect(read["bad"] is NSNull)
            let entries = read["entries"] as? [[String: Any]] ?? []
            let sums = Dictionary(uniqueKeysWithValues: entries.compactMap { entry in (entry["name"] as? String).map { ($0, entry["sha256"] as? String ?? "") } })
            let account = try #require(read["account"] as? [String: Any])
            let person = try #require(account["account"] as? [String: Any])
            #expect(person["national_id"] as? String == "A123456789" && person["student_id"] as? String == "B96902001")
            #expect((person["records"] as? [[String: Any]])?.first?["department"] as? String == "資訊工程學系")
            let applications = account["account_applications"] as? [[String: Any]] ?? []
            #expect(applications.count == 1 && (applications.first?["consent"] as? [String: Any])?["version"] != nil)
            let documents = applications.first?["documents"] as? [String] ?? []
            #expect(documents.count == 2)
            #expect(documents.compactMap { sums[$0] }.sorted() == [Self.sha256(Fixture.jpeg), Self.sha256(Fixture.pdf)].sorted(), "the documents as uploaded")
            #expect((account["cards"] as? [[String: Any]])?.first?["card_number"] as? String == "A000000077")
            #expect((account["sessions"] as? [[String: Any]])?.isEmpty == false)
            // Nobody else's data: not the other holder's name, student ID or address.
            let text = String(decoding: zip, as: UTF8.self)
            #expect(!text.contains("陳美玲") && !text.contains(IssuerHarness.studentID) && !text.contains(IssuerHarness.email))

            #expect(try await client.send(.get, "/v1/account/data-requests/\(id)/export", bearer: other).status == .notFound, "only the holder's own session")
            let listed = try jsonObject(try await client.send(.get, "/v1/account/data-requests", bearer: session).body)["requests"] as? [[String: Any]]
            #expect(listed?.map { $0["request_id"] as? String } == [id])
            let audit = try await harness.services.repositories.audit.recent(limit: 50)
            #expect(audit.contains { $0.action == "data_copy_downloaded" && $0.subject == id && $0.actor == "holder:B96902001" })

            harness.clock.advance(by: 7 * 86_400)
            let later = try await client.login("B96902001", password: Self.password) // the first session has ended by now
            let late = try await client.send(.get, "/v1/account/data-requests/\(id)/export", bearer: later)
            #expect(try late.status == .notFound && errorCode(late) == "export_expired")
        }
    }

    @Test func staffSeeTheStatutoryClockExtendOnceAndDecideOnceWithMail() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer), auditor = try harness.staffToken(.auditor)
        try await harness.application.test(.router) { client in
            let session = try await client.login()
            let filed = try jsonObject(try await client.send(.post, "/v1/account/data-requests", bearer: session,
                                                             json: ["kind": "correction", "details": "my English name is Mei-Ling Chen",
                                                                    "current_password": IssuerHarness.password]).body)
            let id = try #require(filed["request_id"] as? String)
            #expect(filed["status"] as? String == "open" && filed["due"] as? String == "2027-02-14", "30 calendar days (Art. 13)")
            #expect(try await client.send(.get, "/v1/admin/data-requests", bearer: auditor).status == .forbidden)
            let queue = try jsonObject(try await client.send(.get, "/v1/admin/data-requests?status=open", bearer: reviewer).body)
            let entry = try #require((queue["requests"] as? [[String: Any]])?.first)
            #expect(entry["request_id"] as? String == id && entry["details"] as? String == "my English name is Mei-Ling Chen" && entry["overdue"] as? Bool == false)

            let extended = try await client.send(.post, "/v1/admin/data-requests/\(id)/extend", bearer: reviewer, json: ["reason": "the registrar must confirm the spelling"])
            #expect(try extended.status == .ok && (jsonObject(extended.body)["due"] as? String) == "2027-03-16")
            let again = try await client.send(.post, "/v1/admin/data-requests/\(id)/extend", bearer: reviewer, json: ["reason": "more"])
            #expect(try again.status == .conflict && errorCode(again) == "already_extended")
            let mails = try await harness.deliveredMail()
            #expect(mails.contains { $0.recipient == IssuerHarness.email && $0.body.contains("the registrar must confirm the spelling") && $0.body.contains("2027-03-16") })

            // Past the new due date it is overdue: first in the queue and counted in the metrics.
            harness.clock.advance(by: 61 * 86_400)
            let overdue = try jsonObject(try await client.send(.get, "/v1/admin/data-requests", bearer: reviewer).body)
            #expect(overdue["overdue"] as? Int == 1 && (overdue["requests"] as? [[String: Any]])?.first?["overdue"] as? Bool == true)
            await harness.services.maintenanceTick()
            let metrics = try await client.get("/metrics", bearer: nil) { String(buffer: $0.body) }
            #expect(metrics.contains("alumnicard_data_requests_overdue 1"), "\(metrics.split(separator: "\n").filter { $0.contains("data_requests") })")

            let refused = try await client.send(.post, "/v1/admin/data-requests/\(id)/refuse", bearer: reviewer, json: ["reason": "the registrar's spelling stands"])
            #expect(try refused.status == .ok && (jsonObject(refused.body)["status"] as? String) == "refused")
            let twice = try await client.send(.post, "/v1/admin/data-requests/\(id)/complete", bearer: reviewer, json: ["note": "done"])
            #expect(try twice.status == .conflict && errorCode(twice) == "already_decided")
            #expect(try await harness.deliveredMail().last?.body.contains("the registrar's spelling stands") == true)
            let later = try await client.login() // two months on, the first session has ended
            let mine = try jsonObject(try await client.send(.get, "/v1/account/data-requests", bearer: later).body)["requests"] as? [[String: Any]]
            #expect(mine?.first?["status"] as? String == "refused")
        }
    }

    @Test func aCompletedDeletionClosesTheAccountAndLeavesNothingOfThePersonInTheFileOrTheDocumentStore() async throws {
        let harness = try await IssuerHarness(onDisk: true)
        let reviewer = try harness.staffToken(.reviewer)
        let documents = harness.configuration.documentDirectory
        try await harness.application.test(.router) { client in
            let session = try await Self.approvedApplicant(client, harness)
            let filesBefore = try FileManager.default.contentsOfDirectory(atPath: documents)
            #expect(filesBefore.count == 2)
            let filed = try jsonObject(try await client.send(.post, "/v1/account/data-requests", bearer: session,
                                                             json: ["kind": "deletion", "current_password": Self.password]).body)
            let id = try #require(filed["request_id"] as? String)
            let done = try await client.send(.post, "/v1/admin/data-requests/\(id)/complete", bearer: reviewer, json: ["note": "all erased"])
            #expect(done.status == .ok, "\(String(buffer: done.body))")

            #expect(try await client.send(.get, "/v1/account", bearer: session).status == .unauthorized, "its sessions ended")
            for login in ["B96902001", SampleApplication.email, "0912345678"] {
                #expect(try await client.send(.post, "/v1/session", bearer: nil, json: ["login": login, "password": Self.password]).status == .unauthorized)
            }
            #expect(try await harness.merchantKeys().revokedCards.contains("A000000077"), "the card is revoked in the next key set")
            #expect(try FileManager.default.contentsOfDirectory(atPath: documents).isEmpty, "its documents are gone")
            let last = try #require(try await harness.deliveredMail().last)
            #expect(last.recipient == SampleApplication.email && last.body.contains("all erased"))
        }
        // Nothing of the person, in the clear or sealed, is left in the database file.
        let path = harness.configuration.database
        let queue = try DatabaseQueue(path: path)
        try await queue.read { db in
            let holder = try #require(try Row.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = 'B96902001'"))
            for column in ["sealed_email", "email_index", "sealed_national_id", "national_id_index", "sealed_mobile", "mobile_index", "password_hash", "sealed_profile"] {
                #expect((holder[column] as DatabaseValue).isNull, "\(column) is erased")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM account_application") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM session WHERE holder_id = ?", arguments: [holder["id"] as Int64]) == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM password_history WHERE holder_id = ?", arguments: [holder["id"] as Int64]) == 0)
        }
        try queue.close()
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data() }
        let text = String(decoding: bytes, as: UTF8.self)
        for datum in ["林申請", "Lin Applicant", SampleApplication.email, "A123456789", "0912345678", "羅斯福路", "資訊工程學系"] {
            #expect(!text.contains(datum), "\(datum) is not in the database file")
        }
    }
}
