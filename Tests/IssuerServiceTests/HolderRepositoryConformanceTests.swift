import AccountRules
import CardToken
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #26, item 4: the alumni accounts behave alike on every backend.
@Suite("Holder repository: every backend behaves alike")
struct HolderRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    struct Fixture {
        let holders: any HolderRepository
        let sessions: any SessionRepository
        let outbox: any OutboxRepository
        let audit: any AuditRepository
        let holderID: Int64
    }

    /// A backend with one imported holder (student ID, address, mobile, national ID, no password yet).
    static func make(_ backend: StorageBackend) async throws -> Fixture {
        let store = try await backend.store()
        let holders = store.holders(kek: kek)
        let csv = "student_id,display_name,email,mobile,national_id,card_number,valid_through\nR09000001,林小明,lin@alumni.example.org,0912345678,A123456789,A000000001,2030-12-31\n"
        let report = try await holders.importRegistrar(Data(csv.utf8), now: 100, actor: "cli:test", dryRun: false, accountReady: nil)
        #expect(report.applied)
        let holder = try #require(try await holders.holder(studentID: "R09000001"))
        return Fixture(holders: holders, sessions: store.sessions(kek: kek), outbox: store.outbox(kek: kek), audit: store.audit(), holderID: holder.id)
    }

    static func mail(_ kind: String) -> OutgoingMail {
        OutgoingMail(kind: kind, recipient: "lin@alumni.example.org", message: Array("Subject: \(kind)\r\n\r\nbody\r\n".utf8))
    }

    @Test(arguments: StorageBackend.allCases)
    func everyLoginNamesTheHolderAndTheNationalIDIsComparedNotStored(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        for typed in ["R09000001", " r09000001 ", "LIN@alumni.example.org", "+886 912 345 678"] {
            let login = try #require(LoginName(typed))
            #expect(try await fixture.holders.holder(login: login)?.id == fixture.holderID, "\(typed)")
        }
        #expect(try await fixture.holders.holder(login: #require(LoginName("R09000002"))) == nil)
        #expect(try await fixture.holders.nationalIDMatches(holderID: fixture.holderID, candidate: "A123456789"))
        #expect(try await !fixture.holders.nationalIDMatches(holderID: fixture.holderID, candidate: "A223456788"))
        let key = fixture.holders.loginKey(try #require(LoginName("nobody@example.org")))
        #expect(key == fixture.holders.loginKey(try #require(LoginName(" NOBODY@example.org"))) && !key.contains("nobody"))
        #expect(try await fixture.holders.counts() == (holders: 1, cards: 1))
    }

    @Test(arguments: StorageBackend.allCases)
    func aPasswordChangeKeepsThreeInTheHistoryAndEndsTheOtherSessions(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let holders = fixture.holders, sessions = fixture.sessions, id = fixture.holderID
        let kept = BearerToken.digest("acs_kept"), other = BearerToken.digest("acs_other")
        try await sessions.createHolderSession(holderID: id, tokenHash: kept, now: 200, expiresAt: 9_000, userAgent: "Firefox on Android")
        try await sessions.createHolderSession(holderID: id, tokenHash: other, now: 200, expiresAt: 9_000)
        for (index, hash) in ["h1", "h2", "h3", "h4"].enumerated() {
            try await holders.changePassword(holderID: id, hash: hash, keepSession: kept, consumeReset: nil, newSession: nil, action: "password_changed",
                                             now: 300 + Int64(index))
        }
        #expect(try await holders.recentPasswordHashes(holderID: id) == ["h4", "h3", "h2"])
        #expect(try await holders.holder(studentID: "R09000001")?.passwordHash == "h4")
        #expect(try await sessions.holderSession(tokenHash: kept, now: 400) != nil)
        #expect(try await sessions.holderSession(tokenHash: other, now: 400) == nil)
        // With a new session, every session ends and the new one takes their
        // place, listed with the browser of the one it replaces.
        let fresh = BearerToken.digest("acs_fresh")
        try await holders.changePassword(holderID: id, hash: "h5", keepSession: kept, consumeReset: nil, newSession: (fresh, 9_000), action: "password_changed",
                                         now: 500)
        #expect(try await sessions.holderSession(tokenHash: kept, now: 600) == nil)
        #expect(try await sessions.holderSession(tokenHash: fresh, now: 600)?.holder.id == id)
        let listed = try await sessions.holderSessions(holderID: id, now: 600)
        #expect(listed.count == 1 && listed.first?.userAgent == "Firefox on Android" && listed.first?.createdAt == 500)
        #expect(try await fixture.audit.recent(limit: 20).filter { $0.action == "password_changed" }.count == 5)
    }

    @Test(arguments: StorageBackend.allCases)
    func aResetLinkIsCappedFoundAndSpentOnceWhenTwoUsesRace(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let holders = fixture.holders, id = fixture.holderID
        let scope = RateCounters.Scope("test_reset_mails", window: 86_400)
        let link = BearerToken.digest("acr_one")
        #expect(try await holders.createPasswordReset(holderID: id, tokenHash: link, expiresAt: 2_000, mail: Self.mail("password_reset"), now: 1_000,
                                                      cap: (scope, 2)))
        #expect(try await holders.createPasswordReset(holderID: id, tokenHash: BearerToken.digest("acr_two"), expiresAt: 2_000, mail: nil, now: 1_001,
                                                      cap: (scope, 2)))
        #expect(try await !holders.createPasswordReset(holderID: id, tokenHash: BearerToken.digest("acr_three"), expiresAt: 2_000,
                                                       mail: Self.mail("password_reset"), now: 1_002, cap: (scope, 2)), "past the cap: nothing made")
        #expect(try await fixture.outbox.due(now: 1_002, limit: 10).filter { $0.kind == "password_reset" }.count == 1)
        #expect(try await holders.passwordReset(tokenHash: BearerToken.digest("acr_three"), now: 1_003) == nil)
        #expect(try await holders.passwordReset(tokenHash: link, now: 1_003)?.id == id)
        #expect(try await holders.passwordReset(tokenHash: link, now: 2_000) == nil, "expired")

        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for hash in ["r1", "r2"] {
                group.addTask {
                    do {
                        try await holders.changePassword(holderID: id, hash: hash, keepSession: nil, consumeReset: link, newSession: nil, action: "password_reset",
                                                         now: 1_010)
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "one of two racing uses of a link wins")
        #expect(try await holders.passwordReset(tokenHash: BearerToken.digest("acr_two"), now: 1_011) == nil, "a new password spends the other links")
        try await holders.recordResetForNoAccount(now: 1_020)
        #expect(try await fixture.audit.recent(limit: 5).contains { $0.action == "password_reset_requested" && $0.actor == "anonymous" })
    }

    @Test(arguments: StorageBackend.allCases)
    func aFirstLoginCodeIsSpentOnceAndFiveWrongTriesEndIt(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let holders = fixture.holders, id = fixture.holderID
        let code = BearerToken.digest("123456")
        #expect(try await !holders.hasFirstLoginCode(holderID: id, now: 100))
        try await holders.createFirstLoginCode(holderID: id, codeHash: code, expiresAt: 1_000, mail: Self.mail("first_login_code"), now: 100)
        #expect(try await holders.hasFirstLoginCode(holderID: id, now: 100))
        #expect(try await fixture.outbox.due(now: 100, limit: 10).contains { $0.kind == "first_login_code" })
        let spent = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 { group.addTask { try await holders.consumeFirstLoginCode(holderID: id, codeHash: code, now: 200) } }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(spent == 1)
        try await holders.createFirstLoginCode(holderID: id, codeHash: code, expiresAt: 1_000, mail: Self.mail("first_login_code"), now: 300)
        for _ in 0..<5 { #expect(try await !holders.consumeFirstLoginCode(holderID: id, codeHash: BearerToken.digest("000000"), now: 300)) }
        #expect(try await !holders.consumeFirstLoginCode(holderID: id, codeHash: code, now: 300), "five wrong tries end the code")
        #expect(try await !holders.hasFirstLoginCode(holderID: id, now: 300))
    }

    @Test(arguments: StorageBackend.allCases)
    func statusAndPasswordsSetByTheCentreAreAuditedAndAnImportIsAllOrNothing(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let holders = fixture.holders
        try await holders.setHolderStatus(studentID: "R09000001", status: .suspended, reason: "reported", now: 500, actor: "admin:ops")
        #expect(try await holders.holder(studentID: "R09000001")?.status == .suspended)
        try await holders.setPasswordHash(studentID: "R09000001", hash: "set-by-cli", now: 501, actor: "cli:ops")
        #expect(try await holders.holder(studentID: "R09000001")?.passwordHash == "set-by-cli")
        #expect(try await fixture.audit.recent(limit: 10).contains { $0.actor == "admin:ops" })
        let bad = "student_id,display_name,email,card_number,valid_through\nR09000002,王小美,mei@example.org,A000000002,2030-12-31\nR09000003,,x@example.org,A000000003,2030-02-30\n"
        let report = try await holders.importRegistrar(Data(bad.utf8), now: 600, actor: "cli:test", dryRun: false, accountReady: nil)
        #expect(!report.applied && report.rejected == 1)
        #expect(try await holders.holder(studentID: "R09000002") == nil, "nothing of a refused file is written")
        let good = "student_id,display_name,email,card_number,valid_through\nR09000002,王小美,mei@example.org,A000000002,2030-12-31\n"
        let dry = try await holders.importRegistrar(Data(good.utf8), now: 600, actor: "cli:test", dryRun: true, accountReady: nil)
        #expect(dry.rejected == 0 && !dry.applied)
        #expect(try await holders.holder(studentID: "R09000002") == nil, "a dry run writes nothing")
    }
}
