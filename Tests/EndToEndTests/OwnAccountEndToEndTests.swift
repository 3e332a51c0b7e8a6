import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Issue #28 with the real `alumnicard serve --dev` on a loopback socket
/// and a real SMTP server (aiosmtpd): the §10 endpoints as an app would
/// call them, codes read from the mail that arrived, and a deletion that
/// reaches the published key set.
@Suite("Own account end to end", .serialized, .onItsOwnThread)
struct OwnAccountEndToEndTests {
    static let demo = "R09000001", password = "demo-password", card = "A000001234"

    static func login(_ base: String, _ login: String, _ password: String = password) async throws -> LoopbackHTTP.Answer {
        try await LoopbackHTTP.request(.POST, base + "/v1/session", json: ["login": login, "password": password, "altcha": try await AccountFlowTests.altcha(base)],
                                       headers: ["User-Agent": "e2e-\(login)"])
    }

    /// The six-digit code in the newest mail to `recipient`, read from its decoded text (not its headers).
    static func code(in mails: [(to: String, text: String)], to recipient: String) -> String? {
        mails.last { $0.to == recipient }.flatMap { mail in
            let decoded = mail.text.components(separatedBy: "\nX-Envelope-From:").first ?? ""
            return decoded.split(whereSeparator: { !($0.isASCII && $0.isNumber) }).first { $0.count == 6 }.map(String.init)
        }
    }

    @Test func theAccountEndpointsOverLoopbackWithRealMail() async throws {
        let setup = try await AccountFlowTests.setUp("own-account-e2e")
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        let base = setup.daemon.baseURL
        let phone = try #require(try await Self.login(base, Self.demo).object["session_token"] as? String)
        let laptop = try #require(try await Self.login(base, Self.demo).object["session_token"] as? String)
        let applicant = try #require(try await Self.login(base, "R09000002").object["session_token"] as? String)

        // Profile and its refusals.
        #expect(try await LoopbackHTTP.request(.GET, base + "/v1/account").status == 401)
        let shown = try await LoopbackHTTP.request(.GET, base + "/v1/account", bearer: laptop)
        #expect(shown.status == 200 && shown.object["student_id"] as? String == Self.demo && shown.object["national_id"] == nil)
        #expect(try await LoopbackHTTP.request(.PATCH, base + "/v1/account", bearer: laptop, json: ["mobile": "0900"]).status == 422)
        #expect(try await LoopbackHTTP.request(.PATCH, base + "/v1/account", bearer: laptop, json: ["nickname": "x"]).status == 400)
        #expect(try await LoopbackHTTP.request(.PATCH, base + "/v1/account", bearer: laptop, json: ["phone": "02-3366-1234"]).status == 200)

        // The e-mail change end to end; the old address is told, then no longer signs in.
        #expect(try await LoopbackHTTP.request(.POST, base + "/v1/account/email", bearer: laptop,
                                               json: ["email": "demo.moved@example.org", "current_password": "wrong"]).status == 403)
        let asked = try await LoopbackHTTP.request(.POST, base + "/v1/account/email", bearer: laptop,
                                                   json: ["email": "demo.moved@example.org", "current_password": Self.password])
        #expect(asked.status == 202)
        var mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 3)
        let code = try #require(Self.code(in: mails, to: "demo.moved@example.org"), "\(mails.map(\.to))")
        #expect(mails.contains { $0.to == "demo@alumni.example.org" && $0.text.contains("d•••@example.org") })
        #expect(try await LoopbackHTTP.request(.POST, base + "/v1/account/email/confirm", bearer: laptop, json: ["code": "12345"]).status == 400)
        #expect(try await LoopbackHTTP.request(.POST, base + "/v1/account/email/confirm", bearer: laptop, json: ["code": code]).status == 200)
        #expect(try await Self.login(base, "demo@alumni.example.org").status == 401)
        #expect(try await Self.login(base, "demo.moved@example.org").status == 201)

        // Another account's address: the same 202, its owner told, no code anywhere.
        let taken = try await LoopbackHTTP.request(.POST, base + "/v1/account/email", bearer: applicant,
                                                   json: ["email": "demo.moved@example.org", "current_password": Self.password])
        #expect(taken.status == 202 && taken.text == asked.text)
        let before = mails.count
        mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: before + 2)
        let warned = mails.dropFirst(before).filter { $0.to == "demo.moved@example.org" }
        #expect(warned.count == 1 && Self.code(in: Array(warned), to: "demo.moved@example.org") == nil, "told, and no code: \(warned.map(\.text))")
        for guess in ["000000", "111111"] {
            #expect(try await LoopbackHTTP.request(.POST, base + "/v1/account/email/confirm", bearer: applicant, json: ["code": guess]).status == 400)
        }

        // Sessions: the phone's is ended from the laptop and stops at once.
        let listed = try await LoopbackHTTP.request(.GET, base + "/v1/account/sessions", bearer: laptop).object["sessions"] as? [[String: Any]] ?? []
        #expect(listed.count >= 3 && listed.allSatisfy { ($0["user_agent"] as? String)?.hasPrefix("e2e-") == true })
        for session in listed where session["current"] as? Bool != true {
            let id = try #require(session["session_id"] as? String)
            #expect(try await LoopbackHTTP.request(.DELETE, base + "/v1/account/sessions/\(id)", bearer: laptop).status == 204)
        }
        #expect(try await LoopbackHTTP.request(.GET, base + "/v1/account", bearer: phone).status == 401)

        // A copy of the data, read by Python's zipfile: the demo alumnus's, not the applicant's.
        let copy = try await LoopbackHTTP.request(.POST, base + "/v1/account/data-requests", bearer: laptop, json: ["kind": "copy", "current_password": Self.password])
        let copyID = try #require(copy.object["request_id"] as? String)
        let zip = try await LoopbackHTTP.request(.GET, base + "/v1/account/data-requests/\(copyID)/export", bearer: laptop)
        #expect(zip.status == 200 && zip.headers.first(name: "Content-Type") == "application/zip")
        let read = try #require(try JSONSerialization.jsonObject(with: ExternalTool.python("zip_inspect.py", input: zip.data)) as? [String: Any])
        let account = (read["account"] as? [String: Any])?["account"] as? [String: Any]
        #expect(read["bad"] is NSNull && account?["student_id"] as? String == Self.demo && account?["phone"] as? String == "02-3366-1234")
        #expect(!zip.text.contains("R09000002") && !zip.text.contains("陳小華"), "nobody else's data")

        // Deletion, completed by staff: no more sign-in, the card in the next key set's revoked list.
        let deletion = try await LoopbackHTTP.request(.POST, base + "/v1/account/data-requests", bearer: laptop,
                                                      json: ["kind": "deletion", "current_password": Self.password])
        let deletionID = try #require(deletion.object["request_id"] as? String)
        #expect(deletion.status == 201 && deletion.object["status"] as? String == "open")
        let queue = try await LoopbackHTTP.request(.GET, base + "/v1/admin/data-requests", bearer: setup.admin)
        #expect((queue.object["requests"] as? [[String: Any]])?.contains { $0["request_id"] as? String == deletionID } == true)
        let done = try await LoopbackHTTP.request(.POST, base + "/v1/admin/data-requests/\(deletionID)/complete", bearer: setup.admin, json: ["note": "erased"])
        #expect(done.status == 200, "\(done.text)")
        #expect(try await LoopbackHTTP.request(.POST, base + "/v1/admin/data-requests/\(deletionID)/complete", bearer: setup.admin, json: ["note": "again"]).status == 409)
        #expect(try await Self.login(base, Self.demo).status == 401)
        #expect(try await Self.login(base, "demo.moved@example.org").status == 401)
        #expect(try await LoopbackHTTP.request(.GET, base + "/v1/account", bearer: laptop).status == 401)
        let jws = try await LoopbackHTTP.request(.GET, base + "/.well-known/alumni-card/keyset.jws").text
        let payload = try #require(jws.split(separator: ".").dropFirst().first.map(String.init))
        let padded = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - payload.count % 4) % 4)
        let decoded = try #require(Data(base64Encoded: padded))
        let keySet = try #require(try JSONSerialization.jsonObject(with: decoded) as? [String: Any])
        #expect((keySet["revoked_cards"] as? [String])?.contains(Self.card) == true, "\(keySet["revoked_cards"] ?? "none")")
        mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: mails.count + 1)
        #expect(mails.last?.to == "demo.moved@example.org" && mails.last?.text.contains("erased") == true)
        // The database file and its log hold none of the person's contact data in the clear, not even the
        // browser names of the ended sessions (this test's User-Agent carries the login), which the log kept until its checkpoint.
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += (try? Data(contentsOf: setup.directory.appendingPathComponent("data/issuer.sqlite" + suffix))) ?? Data() }
        let text = String(decoding: bytes, as: UTF8.self)
        let left = ["demo.moved@example.org", "demo@alumni.example.org", "02-3366-1234", "林小明"].filter { text.contains($0) }
        #expect(left.isEmpty, "in the database file: \(left)")
        #expect(setup.daemon.stop() == 0)
    }
}
