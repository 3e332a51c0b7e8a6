import CardKeys
import CardToken
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The alumni pages in a real browser (headless Chromium through selenium,
/// Tests/Interop/alumni_pages.py) against the real `alumnicard` binary and
/// a merchant verifier daemon over loopback: the how-to from the first
/// login to the card page, and the card page offline.
@Suite("Alumni pages in a browser", .serialized, .onItsOwnThread)
struct AlumniPagesTests {
    static let newPassword = "Card-holder-2026"
    static let studentID = "R05000011"
    static let applicantEmail = "pages.applicant@example.org"

    @Test func firstLoginPasswordChangeCardApplicationAndTheCardPageOnlineAndOffline() async throws {
        // Short windows, so the test sees two switches in about a minute.
        let setup = try await AccountFlowTests.setUp("pages-e2e", environment: [
            "ALUMNICARD_TOKENS_REFRESH_INTERVAL": "30", "ALUMNICARD_TOKENS_GRACE": "30", "ALUMNICARD_TOKENS_NEXT_TOKEN_LEAD": "10",
            "ALUMNICARD_HUMAN_CHECK_MAX_NUMBER": "2000",
        ])
        defer { setup.sink?.stop(); try? FileManager.default.removeItem(at: setup.directory) }
        let base = setup.daemon.baseURL
        let rootPath = setup.directory.appendingPathComponent("data/root.pub.jwk").path
        let verifier = try MerchantVerifierTests.startVerifier(setup.directory, issuerPort: setup.daemon.port, root: rootPath)
        try await MerchantVerifierTests.waitUntil("the verifier is ready") {
            try await MerchantVerifierTests.request(.GET, verifier.baseURL + "/readyz").status == 200
        }
        let jws = String(decoding: try await LoopbackHTTP.request(.GET, base + "/.well-known/alumni-card/keyset.jws").data, as: UTF8.self)
        let root = try RootPublicKey(jwk: try JSONDecoder().decode(JSONWebKey.self, from: Data(contentsOf: URL(fileURLWithPath: rootPath))))
        let keys = try #require(KeySetVerifier(pinnedRoots: [root]).verify(jws, heldSeq: nil, now: Int64(Date().timeIntervalSince1970)).document).trustedKeys()

        let shots = try ProjectPaths.screenshotDirectory("web")
        // A photo over applications.max_photo_bytes (5 MiB), which the page refuses before uploading.
        let large = setup.directory.appendingPathComponent("large-photo.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 0, count: 6 << 20)).write(to: large)
        let fixtures = ProjectPaths.packageRoot.appendingPathComponent("Tests/Fixtures")
        let applicant: [String: String] = [
            "chinese_name": "林網頁", "national_id": AccountFlowTests.nationalID, "birth_date": "1990-05-01", "department": "資訊工程學系",
            "admission_year": "2008", "graduation_year": "2012", "postal_code": "106", "county": "臺北市", "district": "大安區",
            "line": "羅斯福路四段 1 號", "mobile": "0912-345-678", "email": Self.applicantEmail,
        ]
        let config: [String: Any] = [
            "base": base, "shots": shots.path, "mails": setup.mailDirectory.path, "applicant": applicant, "staff": ["name": "demo-staff", "password": "demo-password"],
            "second": ["login": "R09000001", "password": "demo-password"],
            "student_id": Self.studentID, "national_id": AccountFlowTests.nationalID, "weak_password": "Sh0rt!", "new_password": Self.newPassword,
            "issuer_pid": Int(setup.daemon.process.processIdentifier),
            "fixtures": ["document": fixtures.appendingPathComponent("id-document.pdf").path, "photo": fixtures.appendingPathComponent("photo.jpg").path,
                         "large_photo": large.path],
        ]
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let output = try await offCooperativePool { try ExternalTool.python("alumni_pages.py", [argument]) }
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let steps = try #require(result["steps"] as? [String: Any])

        // Every page, in both languages: no serious or critical accessibility finding.
        let axe = try #require(result["axe"] as? [String: [[String: Any]]])
        let checked = Set(axe.keys)
        for page in ["welcome", "apply", "status", "reset", "reset-confirm", "login", "password", "card-apply", "home", "merchants", "card", "staff-login", "staff-queue", "staff-application",
                     "staff-cards", "staff-keys", "staff-merchants", "staff-data-requests", "account", "account-email", "account-sessions", "account-data"] {
            #expect(checked.isSuperset(of: ["\(page)-zh-Hant", "\(page)-en"]), "\(page) in both languages: \(checked.sorted())")
        }
        for (page, findings) in axe.sorted(by: { $0.key < $1.key }) { #expect(findings.isEmpty, "\(page): \(findings)") }
        // No CSP violation (Chromium reports them on the console).
        let console = result["console"] as? [String] ?? []
        #expect(!console.contains { $0.contains("Content Security Policy") || $0.contains("Refused to") }, "\(console)")

        // The application, by keyboard, in three steps: refused empty, kept across Back, a too-large file refused on the page.
        let applied = try #require(steps["apply"] as? [String: Any])
        #expect((applied["empty_step_errors"] as? [String])?.count ?? 0 >= 3, "\(applied)")
        #expect(applied["kept_after_back"] as? String == "林網頁")
        #expect((applied["large_photo"] as? String)?.contains("檔案太大") == true, "\(applied)")
        // Step 3 checks the address before sending: the two-digit postal code is named beside its field, which has the focus.
        let postal = try #require(applied["postal_code"] as? [String: Any])
        #expect(postal["error"] as? String == "郵遞區號為 3 到 6 位數字" && postal["focused"] as? String == "permanent-postal_code"
                && (postal["url"] as? String)?.hasSuffix("/apply") == true, "\(postal)")
        #expect((applied["received"] as? String)?.contains("申請編號 AP") == true, "\(applied)")
        let status = try #require(steps["status"] as? [String: Any])
        #expect(status["state"] as? String == "審核中", "the mailed link's page: \(status)")
        #expect(((steps["reset"] as? [String: Any])?["refused"] as? String)?.contains("重設連結無效") == true, "\(steps["reset"] ?? "")")
        // The console: enrolment by the QR code our encoder drew, the queue, the approval.
        let staff = try #require(steps["staff"] as? [String: Any])
        #expect((staff["qr_uri"] as? String)?.hasPrefix("otpauth://totp/") == true && (staff["qr_uri"] as? String)?.contains(staff["secret"] as? String ?? "?") == true,
                "zxing-cpp read the enrolment QR code: \(staff)")
        #expect((staff["queue"] as? [String])?.contains { $0.contains("林網頁") && $0.contains("A1******89") } == true, "\(staff)")
        #expect((staff["after"] as? [String])?.contains { $0.contains("林網頁") } == false, "approved, so no longer waiting")
        #expect((staff["documents"] as? [String])?.count == 2)

        // Keyboard only: Tab to the field, type, Tab, type, Enter — to the forced change.
        let login = try #require(steps["login"] as? [String: Any])
        #expect((login["landed"] as? String)?.hasSuffix("/password") == true, "\(login)")
        let password = try #require(steps["password"] as? [String: Any])
        let refused = try #require(password["refused"] as? [String: Any])
        #expect((refused["field_error"] as? String)?.contains("密碼至少需要 8 個字元") == true, "\(refused)")
        #expect((refused["live_rules"] as? [String: String])?["length"]?.contains("unmet") == true, "the page showed the length rule unmet as typed: \(refused)")
        let retyped = try #require(refused["after_retyping"] as? [String: Any])
        #expect(retyped["summary"] as? Int == 0 && retyped["field_error"] as? Int == 0 && retyped["invalid"] is NSNull, "the old refusal cleared: \(retyped)")
        #expect((password["accepted_to"] as? String)?.contains("/card/apply") == true)
        let cardApplied = try #require(steps["card_apply"] as? [String: Any])
        #expect(cardApplied["offered"] as? String == "first" && (cardApplied["notice"] as? String)?.contains("已發證") == true, "\(cardApplied)")
        // The alumnus now owes the fee of the card issued at once: the page offers nothing and says so as a status, not an error.
        #expect(cardApplied["forms"] as? Int == 0 && (cardApplied["closed"] as? String)?.contains("待繳費") == true, "\(cardApplied)")

        // The directory: the dev setup's five current merchants, one category, a search in Chinese.
        let merchants = try #require(steps["merchants"] as? [String: Any])
        #expect(merchants["all"] as? Int == 5, "\(merchants)")
        #expect(merchants["books"] as? [String] == ["示範書店（虛構）"], "\(merchants)")
        #expect(merchants["coffee"] as? [String] == ["範例咖啡（虛構）"], "\(merchants)")

        // The card page: the QR code on screen is the token the page holds, and it verifies.
        let card = try #require(steps["card"] as? [String: Any])
        let online = try #require(card["online"] as? [String: Any])
        let shown = try #require(online["decoded"] as? String, "zxing-cpp read no QR code from the card page: \(online)")
        #expect(shown == online["token_attr"] as? String)
        let seen = Int64((online["at"] as? Double) ?? 0)
        let verdict = TokenVerifier(keys: keys).verify(shown, now: seen)
        #expect(verdict.reason == .ok, "\(verdict.detail)")
        #expect(online["name"] as? String == "林○頁" && (online["number"] as? String)?.hasPrefix("D") == true, "\(online)")
        #expect((online["countdown"] as? String)?.wholeMatch(of: /剩 00:[0-3]\d 自動更新/) != nil, "\(online)")
        let english = try #require(card["english"] as? [String: Any])
        #expect((english["countdown"] as? String)?.wholeMatch(of: /refreshes in 00:[0-3]\d/) != nil, "\(english)")
        #expect(card["worker"] as? Bool == true, "the service worker is active")

        // At refresh_at the code changes to the next window's, with no blank frame.
        try Self.checkSwitch(try #require(card["switch"] as? [String: Any]), keys: keys)

        // A second holder signs in on the same browser without logging out: every code
        // the page drew from its first frame is the second holder's own, under their name,
        // and nothing of the first holder's is kept (review 2, item 2).
        let firstNumber = try #require(online["number"] as? String)
        let secondHolder = try #require(steps["second_holder"] as? [String: Any])
        let secondCard = try #require(secondHolder["card"] as? [String: Any])
        let secondNumber = try #require(secondCard["number"] as? String)
        #expect(secondNumber != firstNumber && secondCard["name"] as? String != online["name"] as? String, "\(secondCard)")
        let secondShown = try #require(secondCard["decoded"] as? String, "no QR code for the second holder: \(secondCard)")
        #expect(TokenVerifier(keys: keys).verify(secondShown, now: Int64((secondCard["at"] as? Double) ?? 0)).reason == .ok)
        #expect(try ParsedToken(text: secondShown).claims.cardNumber.rawValue == secondNumber)
        let drawn = try #require(secondHolder["shown"] as? [[String: String]])
        #expect(!drawn.isEmpty)
        for frame in drawn {
            #expect(try ParsedToken(text: frame["token"] ?? "").claims.cardNumber.rawValue == secondNumber, "\(frame)")
            #expect(frame["name"] == secondCard["name"] as? String, "\(frame)")
        }
        let kept = try #require(secondHolder["kept_tokens"] as? [String])
        #expect(!kept.isEmpty && kept.allSatisfy { (try? ParsedToken(text: $0).claims.cardNumber.rawValue) == secondNumber })

        // The second holder's own account (issue #28): a contact change saved, the e-mail address changed with the
        // code read from the SMTP sink, the sessions listed with this one marked, a copy of the data ready to download.
        let own = try #require(steps["own_account"] as? [String: Any])
        let saved = own["saved"] as? [String: Any]
        #expect(saved?["phone"] as? String == "02-3366-1234" && (saved?["notice"] as? String ?? "").isEmpty == false, "\(own)")
        #expect((own["email"] as? [String: Any])?["shown"] as? Bool == true, "\(own)")
        let listedSessions = own["sessions"] as? [String: Any]
        #expect((listedSessions?["listed"] as? Int ?? 0) >= 1 && listedSessions?["current"] as? Int == 1, "\(own)")
        let downloads = (own["data"] as? [String: Any])?["downloads"] as? [String] ?? []
        #expect(downloads.count == 1 && downloads.first?.contains("/account/data/dr-") == true, "\(own)")

        // Offline, with the issuer stopped: the reloaded page still shows a valid code (the second holder's) and switches.
        let offline = try #require(steps["offline"] as? [String: Any])
        let first = try #require(offline["first"] as? [String: Any])
        #expect(first["state"] as? String == "offline", "\(first)")
        // The note names the day as well as the time it has codes until.
        #expect((first["offline"] as? String)?.wholeMatch(of: /離線中：已預備到 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 的條碼/) != nil, "\(first)")
        let offlineToken = try #require(first["decoded"] as? String, "no QR code on the offline page: \(first)")
        #expect(TokenVerifier(keys: keys).verify(offlineToken, now: Int64((first["at"] as? Double) ?? 0)).reason == .ok)
        #expect(try ParsedToken(text: offlineToken).claims.cardNumber.rawValue == secondNumber)
        let last = try Self.checkSwitch(try #require(offline["switch"] as? [String: Any]), keys: keys)
        // The merchant's daemon, from its cached key set, accepts what the offline phone shows.
        let merchant = try await MerchantVerifierTests.verify(verifier, last)
        #expect(merchant["reason"] as? String == "ok", "\(merchant)")

        // The mails: the receipt with the status link, then the approval with the student ID.
        let mails = try await AccountFlowTests.mails(setup.mailDirectory, atLeast: 2)
        #expect(mails.contains { $0.to == Self.applicantEmail && $0.text.contains("/applications/status?token=") })
        #expect(mails.contains { $0.to == Self.applicantEmail && $0.text.contains(Self.studentID) && !$0.text.contains(AccountFlowTests.nationalID) })
    }

    /// The code before and after a switch: different, both valid in their
    /// windows, the second window the one after the first, no blank frame.
    @discardableResult
    static func checkSwitch(_ step: [String: Any], keys: TrustedKeySet) throws -> String {
        let before = try #require(step["before"] as? [String: Any]), after = try #require(step["after"] as? [String: Any])
        let frames = try #require(step["frames"] as? [String: Int])
        #expect(frames["blank"] == 0 && (frames["changes"] ?? 0) >= 1, "\(frames)")
        #expect(after["window_start"] as? Int == before["refresh_at"] as? Int, "\(before) → \(after)")
        let old = try #require(before["decoded"] as? String), new = try #require(after["decoded"] as? String)
        #expect(old != new)
        #expect(new == after["token_attr"] as? String)
        #expect(TokenVerifier(keys: keys).verify(new, now: Int64((after["at"] as? Double) ?? 0)).reason == .ok)
        return new
    }
}
