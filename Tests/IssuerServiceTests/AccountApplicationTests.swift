import AccountRules
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import NIOCore
import SecureFiles
import Testing
import TestSupport

/// alumni-api.md §3, §4 in process: apply, review, first login with the
/// national ID, the forced password change, and the refusals on the way.
@Suite("Account applications")
struct AccountApplicationTests {
    @Test func anApplicantIsApprovedAndFirstSignsInWithTheNationalID() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        let auditor = try harness.staffToken(.auditor)
        try await harness.application.test(.router) { client in
            let submitted = try await client.submit()
            #expect(submitted.status == .accepted, "\(String(buffer: submitted.body))")
            let answer = try jsonObject(submitted.body)
            let id = try #require(answer["application_id"] as? String)
            #expect(answer["status"] as? String == "pending")
            // Friday 15 January 2027 (Taipei): seven working days later is Tuesday the 26th.
            #expect(answer["review_due"] as? String == "2027-01-26")

            #expect(try await client.send(.get, "/v1/admin/account-applications", bearer: auditor).status == .forbidden)
            let queue = try await client.send(.get, "/v1/admin/account-applications?status=pending", bearer: reviewer)
            #expect(queue.status == .ok)
            let listed = try #require((try jsonObject(queue.body)["applications"] as? [[String: Any]])?.first)
            #expect(listed["application_id"] as? String == id)
            #expect(listed["national_id_masked"] as? String == "A1******89")
            #expect(!String(buffer: queue.body).contains(SampleApplication.nationalID))

            let detail = try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer)
            #expect(try jsonObject(detail.body)["consent_version"] as? String == (try await client.consentVersion()))
            let photo = try await client.send(.get, "/v1/admin/account-applications/\(id)/documents/photo", bearer: reviewer)
            #expect(photo.headers[.contentType] == "image/jpeg")
            #expect(Array(photo.body.readableBytesView) == Fixture.jpeg)
            let document = try await client.send(.get, "/v1/admin/account-applications/\(id)/documents/id_document", bearer: reviewer)
            #expect(document.headers[.contentType] == "application/pdf")
            #expect(Array(document.body.readableBytesView) == Fixture.pdf)

            let approved = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "b96902001"])
            #expect(approved.status == .ok, "\(String(buffer: approved.body))")
            let again = try await client.send(.post, "/v1/admin/account-applications/\(id)/reject", bearer: reviewer, json: ["reason": "late"])
            #expect(again.status == .conflict)
            #expect(try errorCode(again) == "already_decided")

            let mails = try await harness.deliveredMail()
            #expect(mails.count == 2)
            #expect(mails.allSatisfy { $0.recipient == SampleApplication.email })
            #expect(mails[0].body.contains("同意") && mails[0].body.contains("consent"))
            #expect(mails[1].body.contains("B96902001") && mails[1].body.contains("首次登入") && mails[1].body.contains("First password"))
            for mail in mails { #expect(!(mail.body + mail.headers).uppercased().contains(SampleApplication.nationalID)) }

            // First login: the national ID in any case, by student ID, e-mail or mobile.
            let first = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "+886 912 345 678", "password": "a123456789"])
            #expect(first.status == .created, "\(String(buffer: first.body))")
            let session = try jsonObject(first.body)
            #expect(session["password_change_required"] as? Bool == true)
            let token = try #require(session["session_token"] as? String)
            let refused = try await client.send(.get, "/v1/card/token", bearer: token)
            #expect(refused.status == .forbidden)
            #expect(try errorCode(refused) == "password_change_required")

            let attempts: [(String, String, String)] = [
                ("A123456788", "Tr1cky-but-fine", "wrong_password"),
                ("A123456789", "Ab1!", "password_too_short"),
                ("A123456789", String(repeating: "Ab1!", count: 17), "password_too_long"),
                ("A123456789", "alllowercase", "password_too_simple"),
                ("A123456789", "Lin.Applicant@Example.org", "password_is_identifier"),
                ("A123456789", "P@ssw0rd", "password_common"),
            ]
            for (current, new, code) in attempts {
                let response = try await client.send(.post, "/v1/account/password", bearer: token,
                                                     json: ["current_password": current, "new_password": new])
                #expect(try errorCode(response) == code, "\(new)")
                #expect(response.status == (code == "wrong_password" ? .forbidden : .unprocessableContent))
            }
            let changed = try await client.send(.post, "/v1/account/password", bearer: token,
                                                json: ["current_password": "A123456789", "new_password": "Tr1cky-but-fine"])
            #expect(changed.status == .noContent, "\(String(buffer: changed.body))")
            // The national ID no longer opens the account.
            let old = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "B96902001", "password": "A123456789"])
            #expect(old.status == .unauthorized)
            let normal = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": "b96902001", "password": "Tr1cky-but-fine"])
            #expect(try jsonObject(normal.body)["password_change_required"] as? Bool == false)
            let fresh = try #require(try jsonObject(normal.body)["session_token"] as? String)
            let card = try await client.send(.get, "/v1/card", bearer: fresh)
            #expect(card.status == .notFound)
            #expect(try errorCode(card) == "no_card")
            // The last passwords are remembered.
            let reused = try await client.send(.post, "/v1/account/password", bearer: fresh,
                                               json: ["current_password": "Tr1cky-but-fine", "new_password": "Tr1cky-but-fine"])
            #expect(try errorCode(reused) == "password_reused")
        }
        let audit = try harness.services.audit.recent(limit: 100).map(\.action)
        for action in ["application_submitted", "applications_listed", "application_read", "application_document_read", "application_approved", "password_changed"] {
            #expect(audit.contains(action), "\(action)")
        }
    }

    @Test func badApplicationsAreRefusedWithTheirFieldAndKeepNothing() async throws {
        let harness = try await IssuerHarness { $0.maxDocumentBytes = 64 * 1024 }
        try await harness.application.test(.router) { client in
            func refusal(_ change: (inout SampleApplication) -> Void, consent: String? = nil) async throws -> (HTTPResponse.Status, String?, String?) {
                var application = SampleApplication()
                change(&application)
                let response = try await client.submit(application, consent: consent)
                let error = try jsonObject(response.body)["error"] as? [String: Any]
                if response.status != .accepted && error?["field"] == nil { Issue.record("\(response.status) \(String(buffer: response.body))") }
                return (response.status, error?["code"] as? String, error?["field"] as? String)
            }
            #expect(try await refusal { $0.fields["national_id"] = "A123456788" } == (.unprocessableContent, "national_id_invalid", "national_id"))
            #expect(try await refusal { $0.fields["chinese_name"] = nil } == (.unprocessableContent, "missing_field", "chinese_name"))
            #expect(try await refusal { $0.fields["sex"] = "other" } == (.unprocessableContent, "invalid_field", "sex"))
            #expect(try await refusal { $0.fields["birth_date"] = "2099-01-01" } == (.unprocessableContent, "invalid_field", "birth_date"))
            #expect(try await refusal { $0.fields["records"] = #"[{"degree":"bachelor","department":"x","admission_year":2023,"graduation_year":2027}]"# }
                    == (.unprocessableContent, "current_graduate", "records"))
            #expect(try await refusal { $0.fields["records"] = #"[{"degree":"bachelor","department":"x","admission_year":"2010","graduation_year":2014}]"# }
                    == (.unprocessableContent, "invalid_field", "records"))
            #expect(try await refusal({ _ in }, consent: "1999-01") == (.unprocessableContent, "consent_outdated", "consent_version"))
            #expect(try await refusal { $0.photo = Array("this is not a picture".utf8) } == (.unprocessableContent, "unsupported_file", "photo"))
            // A PDF is no photo, whatever its name says.
            #expect(try await refusal { $0.photo = Fixture.pdf; $0.photoName = "photo.jpg" } == (.unprocessableContent, "unsupported_file", "photo"))
            // A JPEG cut short has no end marker.
            #expect(try await refusal { $0.photo = Array(Fixture.jpeg.dropLast(200)) } == (.unprocessableContent, "unsupported_file", "photo"))
            #expect(try await refusal { $0.document = nil } == (.unprocessableContent, "missing_field", "id_document"))
            #expect(try await refusal { $0.document = Fixture.largeJPEG(70 * 1024) } == (.contentTooLarge, "file_too_large", "id_document"))
            #expect(try await refusal { $0.fields["extra"] = "x" } == (.unprocessableContent, "invalid_field", "extra"))
            // Review 2, §C: a bidi override in a name, an address the relay would refuse.
            #expect(try await refusal { $0.fields["english_name"] = "Lin \u{202E}tnacilppA" } == (.unprocessableContent, "invalid_field", "english_name"))
            #expect(try await refusal { $0.fields["email"] = #"a,"x"@evil.example"# } == (.unprocessableContent, "invalid_field", "email"))

            // A body cut off before its closing boundary.
            var form = SampleApplication().form(consent: try await client.consentVersion(), altcha: try await client.solvedChallenge())
            let whole = form.bytes
            let truncated = try await client.execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: form.contentType],
                                                     body: ByteBuffer(bytes: whole.prefix(whole.count - 300))) { $0 }
            #expect(truncated.status == .badRequest)
            #expect(try errorCode(truncated) == "invalid_multipart")
            // A part's header name with a byte above 0x7F, as the fuzzer found it: the parser
            // used before indexed a 128-entry table with that byte and brought the daemon down.
            let nonASCIIName = Array("--x1\r\nContent-Disp".utf8) + [0xD2] + Array("osition: form-data; name=\"sex\"\r\n\r\nmale\r\n--x1--\r\n".utf8)
            let refused = try await client.execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: "multipart/form-data; boundary=x1"],
                                                   body: ByteBuffer(bytes: nonASCIIName)) { $0 }
            #expect(refused.status == .badRequest)
            #expect(try errorCode(refused) == "invalid_multipart")
            form.parts.removeAll()
            let plain = try await client.execute(uri: "/v1/account-applications", method: .post, headers: [.contentType: "application/json"],
                                                 body: json(["chinese_name": "x"])) { $0 }
            #expect(plain.status == .unsupportedMediaType)
        }
        // Nothing refused is kept: no rows, no files.
        #expect(try await harness.services.repositories.applications.queue(statuses: [.pending], after: nil, limit: 100, actor: "test", now: harness.clock.now).entries.isEmpty)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory)) ?? []
        #expect(files.isEmpty, "\(files)")
    }

    @Test func theHumanCheckIsNeededOnceAndOnlyOnce() async throws {
        let harness = try await IssuerHarness(onDisk: true) { $0.humanCheckLogin = .always }
        let spent = try await harness.application.test(.router) { client in
            let missing = try await client.submit(altcha: nil)
            #expect(try errorCode(missing) == "human_check_required")
            #expect(missing.status == .badRequest)
            #expect(try errorCode(try await client.submit(altcha: "bm90IGpzb24=")) == "human_check_failed")
            let altcha = try await client.solvedChallenge()
            #expect(try await client.submit(altcha: altcha).status == .accepted)
            #expect(try errorCode(try await client.submit(altcha: altcha)) == "human_check_failed")
            // Logins need it too (human_check.login: always).
            let login = try await client.send(.post, "/v1/session", bearer: nil, json: ["login": IssuerHarness.studentID, "password": IssuerHarness.password])
            #expect(try errorCode(login) == "human_check_required")
            let solved = try await client.send(.post, "/v1/session", bearer: nil,
                                               json: ["login": IssuerHarness.studentID, "password": IssuerHarness.password, "altcha": try await client.solvedChallenge()])
            #expect(solved.status == .created)
            // Expired: the challenge lives 10 minutes.
            let late = try await client.solvedChallenge()
            harness.clock.advance(by: 601)
            #expect(try errorCode(try await client.submit(altcha: late)) == "human_check_failed")
            return altcha
        }
        // After a restart the spent challenge is still refused (it is in the database).
        harness.clock.advance(by: -601)
        let restarted = try await harness.restarted()
        try await restarted.application.test(.router) { client in
            var application = SampleApplication()
            application.fields["national_id"] = "F131104093"
            let reused = try await client.submit(application, altcha: spent)
            #expect(try errorCode(reused) == "human_check_failed")
        }
    }

    @Test func documentsAreSealedOnDiskAndDeletedAfterRetention() async throws {
        let harness = try await IssuerHarness { $0.documentRetention = 30 * 86_400 }
        let reviewer = try harness.staffToken(.reviewer)
        let id = try await harness.application.test(.router) { client in
            try #require(try jsonObject(try await client.submit().body)["application_id"] as? String)
        }
        let directory = harness.configuration.documentDirectory
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 2)
        #expect(SecureFile.permissions(of: directory) == 0o700)
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            #expect(SecureFile.permissions(of: path) == 0o600)
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(!bytes.starts(with: [0xFF, 0xD8, 0xFF]) && !bytes.starts(with: Array("%PDF".utf8)))
            // No run of the original's bytes survives in the sealed file.
            #expect(!MultipartSearch.contains(bytes, Array(Fixture.jpeg[100..<132])) && !MultipartSearch.contains(bytes, Array(Fixture.pdf[100..<132])))
        }
        // A file an interrupted upload left behind (written over an hour ago) is cleared; the
        // application's stay, and so does an unknown file written just now (an upload in flight),
        // however far the service's clock has run: a file's age is the file system's.
        let stray = (directory as NSString).appendingPathComponent("0123456789abcdef0123456789abcdef.sealed")
        try Data("cut off".utf8).write(to: URL(fileURLWithPath: stray))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7_200)], ofItemAtPath: stray)
        let inFlight = (directory as NSString).appendingPathComponent("fedcba9876543210fedcba9876543210.sealed")
        try Data("still arriving".utf8).write(to: URL(fileURLWithPath: inFlight))
        harness.clock.advance(by: 86_400)
        await harness.services.maintenanceTick()
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(FileManager.default.fileExists(atPath: inFlight))
        try FileManager.default.removeItem(atPath: inFlight)
        harness.clock.advance(by: -86_400)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 2)
        try await harness.application.test(.router) { client in
            _ = try await client.send(.post, "/v1/admin/account-applications/\(id)/reject", bearer: reviewer, json: ["reason": "not a graduate of ours"])
        }
        harness.clock.advance(by: 29 * 86_400)
        await harness.services.maintenanceTick()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 2)
        harness.clock.advance(by: 2 * 86_400)
        await harness.services.maintenanceTick()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        try await harness.application.test(.router) { client in
            let gone = try await client.send(.get, "/v1/admin/account-applications/\(id)/documents/photo", bearer: reviewer)
            #expect(gone.status == .notFound)
            let detail = try jsonObject(try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer).body)
            #expect(detail["documents_deleted_at"] is String)
        }
    }

    @Test func anAlreadyKnownNationalIDGetsTheSameAnswerAndTheOwnerIsTold() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let first = try await client.submit()
            let id = try #require(try jsonObject(first.body)["application_id"] as? String)
            _ = try await client.send(.post, "/v1/admin/account-applications/\(id)/approve", bearer: reviewer, json: ["student_id": "B96902001"])
            let token = try #require(try jsonObject(try await client.send(.post, "/v1/session", bearer: nil,
                                                                           json: ["login": "B96902001", "password": "A123456789"]).body)["session_token"] as? String)
            _ = try await client.send(.post, "/v1/account/password", bearer: token, json: ["current_password": "A123456789", "new_password": "Tr1cky-but-fine"])
            var again = SampleApplication()
            again.fields["email"] = "someone.else@example.org"
            let second = try await client.submit(again)
            #expect(second.status == first.status)
            #expect(Set(try jsonObject(second.body).keys) == Set(try jsonObject(first.body).keys))
            let queue = try jsonObject(try await client.send(.get, "/v1/admin/account-applications", bearer: reviewer).body)
            let entry = try #require((queue["applications"] as? [[String: Any]])?.first)
            #expect(entry["identity_already_known"] as? Bool == true)
        }
        let mails = try await harness.deliveredMail()
        #expect(mails.contains { $0.recipient == SampleApplication.email && $0.body.contains("If it was you, sign in") && !$0.body.contains("林申請") })
        #expect(mails.contains { $0.recipient == "someone.else@example.org" && $0.body.contains("We have received your application") })
    }

    /// Review 2, #16.
    /// Submits the sample application; its id and the status token from the receipt mail.
    static func submitWithStatusToken(_ client: some TestClientProtocol, _ harness: IssuerHarness) async throws -> (id: String, token: String) {
        let id = try #require(try jsonObject(try await client.submit().body)["application_id"] as? String)
        let receipt = try #require(try await harness.deliveredMail().first)
        let link = try #require(receipt.link("http://"))
        return (id, try #require(link.components(separatedBy: "token=").last))
    }

    @Test func theStatusLinkExpiresAfterTheDecisionAndItsTokenNeverReachesTheLanguageLink() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let (id, token) = try await Self.submitWithStatusToken(client, harness)
            let page = try await client.execute(uri: "/applications/status?token=\(token)&x=1", method: .get) { $0 }
            let html = String(buffer: page.body)
            // The language switch stays on the URL the token came in, never /lang?…&back=…token….
            #expect(page.status == .ok && html.contains("href=\"/applications/status?token=\(token)&amp;x=1&amp;lang=en\""), "\(html.prefix(2_000))")
            #expect(!html.contains("/lang?") || !html.contains("back=/applications/status%3Ftoken"))
            let english = try await client.execute(uri: "/applications/status?token=\(token)&x=1&lang=en", method: .get) { $0 }
            #expect(english.status == .ok && String(buffer: english.body).contains("<html lang=\"en\">"))
            #expect(english.headers[values: .setCookie].contains { $0.hasPrefix("ac_lang=en") })
            #expect(String(buffer: english.body).contains("href=\"/applications/status?token=\(token)&amp;x=1&amp;lang=zh-Hant\""))
            #expect(try await client.send(.post, "/v1/admin/account-applications/\(id)/reject", bearer: reviewer, json: ["reason": "no record"]).status == .ok)
            harness.clock.advance(by: 30 * 86_400 - 60)
            #expect(try await client.send(.get, "/v1/account-applications/status?token=\(token)", bearer: nil).status == .ok)
            harness.clock.advance(by: 120)
            let expired = try await client.send(.get, "/v1/account-applications/status?token=\(token)", bearer: nil)
            #expect(expired.status == .notFound)
            #expect(try errorCode(expired) == "status_token_invalid")
        }
    }

    /// Review 2, #4 and §C: a request for more that goes unanswered closes
    /// the application (mailed, audited); a rejected application is erased
    /// after its retention; staff's words to the applicant are sealed, and
    /// those an earlier version stored in clear are sealed by the maintenance loop.
    @Test func anUnansweredRequestLapsesAndARejectedApplicationIsErasedAfterItsRetention() async throws {
        let harness = try await IssuerHarness {
            $0.unansweredLapse = 60 * 86_400
            $0.documentRetention = 30 * 86_400
            $0.rejectedRetention = 180 * 86_400
        }
        let reviewer = try harness.staffToken(.reviewer)
        let database = harness.services.database
        @Sendable func raw(_ id: String) async throws -> (message: String?, reason: String?, status: String)? {
            try await database.writer.read { db in
                try Row.fetchOne(db, sql: "SELECT typeof(message) AS m, typeof(decision_reason) AS r, status FROM account_application WHERE id = ?", arguments: [id])
                    .map { ($0["m"], $0["r"], $0["status"]) }
            }
        }
        try await harness.application.test(.router) { client in
            let (id, token) = try await Self.submitWithStatusToken(client, harness)
            let asked = try await client.send(.post, "/v1/admin/account-applications/\(id)/request-info", bearer: reviewer,
                                              json: ["message": "請上傳清晰的證件正面"])
            #expect(asked.status == .ok)
            let sealed = try await raw(id)
            #expect(sealed?.message == "blob", "the request's words are sealed")
            #expect(try await harness.deliveredMail().last?.body.contains("請於 60 天內") == true)
            // A day short of the lapse nothing happens; past it the application is closed.
            harness.clock.advance(by: 59 * 86_400)
            await harness.services.maintenanceTick()
            let waiting = try await raw(id)
            #expect(waiting?.status == "needs_info")
            harness.clock.advance(by: 86_400 + 1)
            await harness.services.maintenanceTick()
            let closed = try await raw(id)
            #expect(closed?.status == "rejected" && closed?.reason == "blob")
            let lapsed = try #require(try await harness.deliveredMail().last)
            #expect(lapsed.body.contains("60 天內未收到您對補件要求的回覆") && lapsed.body.contains("apply again"), "\(lapsed.body)")
            let status = try jsonObject(try await client.send(.get, "/v1/account-applications/status?token=\(token)", bearer: nil).body)
            #expect(status["status"] as? String == "rejected" && (status["message"] as? String)?.contains("申請已結案") == true, "\(status)")
            // A second tick closes nothing more and mails nobody.
            let mails = try await harness.deliveredMail().count
            await harness.services.maintenanceTick()
            #expect(try await harness.deliveredMail().count == mails)
            // Documents go after 30 days, the whole application after 180.
            harness.clock.advance(by: 31 * 86_400)
            await harness.services.maintenanceTick()
            let kept = try await raw(id)
            let files = try FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory)
            #expect(kept != nil && files.isEmpty)
            harness.clock.advance(by: 150 * 86_400)
            await harness.services.maintenanceTick()
            let erased = try await raw(id)
            #expect(erased == nil)
            #expect(try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer).status == .notFound)
        }
        let actions = try harness.services.audit.recent(limit: 50).map(\.action)
        #expect(actions.contains("application_lapsed") && actions.contains("application_erased"))
    }

    @Test func staffTextsAnEarlierVersionStoredInClearAreSealed() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        let database = harness.services.database
        try await harness.application.test(.router) { client in
            let (id, _) = try await Self.submitWithStatusToken(client, harness)
            #expect(try await client.send(.post, "/v1/admin/account-applications/\(id)/reject", bearer: reviewer, json: ["reason": "不是本校校友"]).status == .ok)
            // As an earlier version wrote it: the reason in clear, in the row and in the audit.
            try await database.writer.write { db in
                try db.execute(sql: "UPDATE account_application SET decision_reason = '不是本校校友' WHERE id = ?", arguments: [id])
                try db.execute(sql: "UPDATE audit_event SET detail = '不是本校校友' WHERE action = 'application_rejected' AND subject = ?", arguments: [id])
            }
            await harness.services.maintenanceTick()
            let (kind, detail) = try await database.writer.read { db in
                (try String.fetchOne(db, sql: "SELECT typeof(decision_reason) FROM account_application WHERE id = ?", arguments: [id]),
                 try String.fetchOne(db, sql: "SELECT detail FROM audit_event WHERE action = 'application_rejected' AND subject = ?", arguments: [id]))
            }
            #expect(kind == "blob" && detail == "")
            let read = try jsonObject(try await client.send(.get, "/v1/admin/account-applications/\(id)", bearer: reviewer).body)
            #expect(read["decision_reason"] as? String == "不是本校校友", "\(read)")
        }
    }

    @Test func staffCanAskForMoreAndTheClockWaitsForTheAnswer() async throws {
        let harness = try await IssuerHarness()
        let reviewer = try harness.staffToken(.reviewer)
        try await harness.application.test(.router) { client in
            let (id, token) = try await Self.submitWithStatusToken(client, harness)
            let status = try jsonObject(try await client.send(.get, "/v1/account-applications/status?token=\(token)", bearer: nil).body)
            #expect(status["status"] as? String == "pending")
            // Monday 18 January: two working days used (18, 19 by the end of the 19th… asked on the 18th).
            harness.clock.advance(by: 3 * 86_400)
            let asked = try await client.send(.post, "/v1/admin/account-applications/\(id)/request-info", bearer: reviewer,
                                              json: ["message": "請上傳清晰的證件正面 / a clearer ID document, please"])
            #expect(asked.status == .ok)
            let waiting = try jsonObject(try await client.send(.get, "/v1/account-applications/status?token=\(token)", bearer: nil).body)
            #expect(waiting["status"] as? String == "needs_info")
            #expect(waiting["review_due"] == nil)
            #expect((waiting["message"] as? String)?.contains("clearer") == true)
            let request = try #require(try await harness.deliveredMail().last)
            #expect(request.body.contains("clearer"))
            // A week later the applicant answers with a new document.
            harness.clock.advance(by: 7 * 86_400)
            var form = MultipartForm()
            form.field("token", token)
            form.field("reply", "已重新上傳 / uploaded again")
            form.file("id_document", filename: "id.jpg", contentType: "image/jpeg", Fixture.jpeg)
            let answered = try await client.execute(uri: "/v1/account-applications/status", method: .post, headers: [.contentType: form.contentType],
                                                    body: form.body) { $0 }
            #expect(answered.status == .ok, "\(String(buffer: answered.body))")
            let resumed = try jsonObject(answered.body)
            #expect(resumed["status"] as? String == "pending")
            // Asked on Monday 18 Jan with 6 working days left (19–22, 25, 26); answered Monday 25 Jan: 26, 27, 28, 29, Feb 1, 2.
            #expect(resumed["review_due"] as? String == "2027-02-02")
            let document = try await client.send(.get, "/v1/admin/account-applications/\(id)/documents/id_document", bearer: reviewer)
            #expect(document.headers[.contentType] == "image/jpeg")
            // Review 2, #14: a sandbox, and saved as the type it is.
            #expect(document.headers[HTTPField.Name("Content-Security-Policy")!]?.hasSuffix("sandbox") == true)
            #expect(document.headers[.contentDisposition] == "attachment; filename=\"\(id)-id_document.jpg\"")
            #expect(try await client.send(.get, "/v1/account-applications/status?token=nonsense", bearer: nil).status == .notFound)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.configuration.documentDirectory).count == 2)
    }
}

enum MultipartSearch {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
