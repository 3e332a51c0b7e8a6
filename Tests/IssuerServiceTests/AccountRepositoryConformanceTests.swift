import AccountRules
import CardToken
import Crypto
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #28: the holder's own account behaves alike on every backend —
/// details, contact changes with their notice, the e-mail change, and the
/// sessions list.
@Suite("Account repository: every backend behaves alike")
struct AccountRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    struct Fixture {
        let store: TestStore
        let accounts: any AccountRepository
        let holders: any HolderRepository
        let sessions: any SessionRepository
        let outbox: any OutboxRepository
        let audit: any AuditRepository
        let lin: Holder
        let wang: Holder
    }

    /// Two holders: Lin (national ID, mobile, e-mail) and Wang (another e-mail and mobile).
    static func make(_ backend: StorageBackend) async throws -> Fixture {
        let store = try await backend.store()
        let holders = store.holders(kek: kek)
        let (lin, wang) = try await TwoHolders.add(to: holders, wangMobile: true)
        return Fixture(store: store, accounts: store.accounts(kek: kek), holders: holders, sessions: store.sessions(kek: kek), outbox: store.outbox(kek: kek),
                       audit: store.audit(), lin: lin, wang: wang)
    }

    static func mail(_ kind: String, to recipient: String) -> OutgoingMail {
        OutgoingMail(kind: kind, recipient: recipient, message: Array("Subject: \(kind)\r\n\r\nbody\r\n".utf8))
    }

    static let taipei = PostalAddress(region: "domestic", postalCode: "106", county: "臺北市", district: "大安區", line: "羅斯福路四段1號", country: "TW")
    static let tokyo = PostalAddress(region: "overseas", postalCode: "100-0001", county: "", district: "", line: "1-1 Chiyoda", country: "Japan")

    @Test(arguments: StorageBackend.allCases)
    func theDetailsShowTheNationalIDOnlyMaskedAndARegistrarHolderHasNoProfileYet(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let details = try #require(try await fixture.accounts.details(holderID: fixture.lin.id))
        #expect(details.studentID == "R09000001" && details.chineseName == "林小明" && details.email == "lin@alumni.example.org")
        #expect(details.nationalIDMasked == "A1******89" && details.mobile == "0912345678" && details.reminders)
        #expect(details.profile == HolderProfile(), "the registrar gave no addresses")
        #expect(try await fixture.accounts.details(holderID: fixture.lin.id + 1_000) == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aContactChangeIsWrittenAuditedAndToldToTheAddressOnFileOnce(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let update = ContactUpdate(phone: .some("02-3366-1234"), mobile: "0911222333", permanentAddress: Self.taipei, mailingAddress: .some(Self.tokyo))
        let outcome = try await fixture.accounts.updateContact(holderID: fixture.lin.id, update, now: 1_000) { before, changed in
            #expect(before.mobile == "0912345678", "the notice is composed from the details before the change")
            return [Self.mail("contact_changed", to: before.email!)]
        }
        #expect(outcome.changed == [.phone, .mobile, .permanentAddress, .mailingAddress])
        #expect(outcome.details.profile.phone == "02-3366-1234" && outcome.details.profile.permanentAddress == Self.taipei)
        #expect(outcome.details.profile.mailingAddress == Self.tokyo && outcome.details.mobile == "0911222333")
        // The new mobile signs in; the old one no longer.
        #expect(try await fixture.holders.holder(login: try #require(LoginName("0911222333")))?.id == fixture.lin.id)
        #expect(try await fixture.holders.holder(login: try #require(LoginName("0912345678"))) == nil)
        #expect(try await fixture.outbox.due(now: 1_000, limit: 10).map(\.kind) == ["contact_changed"])
        let audit = try await fixture.audit.recent(limit: 5).first { $0.action == "account_changed" }
        #expect(audit?.actor == "holder:R09000001" && audit?.detail == "mailing_address,mobile,permanent_address,phone")
        #expect(!(audit?.detail.contains("0911") ?? true), "the audit names fields, not values")

        // The same values again change nothing and tell no one; the reminder switch alone is no contact data.
        let again = try await fixture.accounts.updateContact(holderID: fixture.lin.id, update, now: 1_010) { _, _ in [Self.mail("contact_changed", to: "x@y.org")] }
        #expect(again.changed.isEmpty)
        let reminders = try await fixture.accounts.updateContact(holderID: fixture.lin.id, ContactUpdate(reminders: false), now: 1_020) { _, _ in
            [Self.mail("contact_changed", to: "x@y.org")]
        }
        #expect(reminders.changed == [.reminders] && !reminders.details.reminders)
        #expect(try await fixture.outbox.due(now: 1_020, limit: 10).count == 1)
        // Removing the phone and making the mailing address the permanent one.
        let cleared = try await fixture.accounts.updateContact(holderID: fixture.lin.id, ContactUpdate(phone: .some(nil), mailingAddress: .some(nil)),
                                                               now: 1_030) { _, _ in [] }
        #expect(cleared.details.profile.phone == nil && cleared.details.profile.mailingAddress == nil && cleared.details.profile.permanentAddress == Self.taipei)
    }

    @Test(arguments: StorageBackend.allCases)
    func aMobileNumberAnotherAccountUsesRefusesTheWholeChange(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        await #expect(throws: IssuerStoreError.self) {
            _ = try await fixture.accounts.updateContact(holderID: fixture.lin.id, ContactUpdate(phone: .some("02-1234-5678"), mobile: "0987654321"),
                                                         now: 1_000) { _, _ in [Self.mail("contact_changed", to: "lin@alumni.example.org")] }
        }
        let details = try #require(try await fixture.accounts.details(holderID: fixture.lin.id))
        #expect(details.mobile == "0912345678" && details.profile.phone == nil, "nothing of the change was kept")
        #expect(try await fixture.outbox.due(now: 1_000, limit: 10).isEmpty)
    }

    static func code(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Data(text.utf8))) }

    @Test(arguments: StorageBackend.allCases)
    func anEmailChangeCompletesOnlyWithItsCodeAndMovesTheLogin(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.accounts.startEmailChange(holderID: fixture.lin.id, email: "Lin.New@Example.org", codeHash: Self.code("123456"),
                                                    expiresAt: 1_900, now: 1_000) { taken in
            #expect(!taken)
            return [Self.mail("email_change_code", to: "Lin.New@Example.org"), Self.mail("email_change_requested", to: "lin@alumni.example.org")]
        }
        #expect(try await fixture.outbox.due(now: 1_000, limit: 10).map(\.kind).sorted() == ["email_change_code", "email_change_requested"])
        let wrong = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("000000"), now: 1_100, maximumAttempts: 5) { _, _ in [] }
        #expect(wrong == .invalid)
        let other = try await fixture.accounts.confirmEmailChange(holderID: fixture.wang.id, codeHash: Self.code("123456"), now: 1_100, maximumAttempts: 5) { _, _ in [] }
        #expect(other == .invalid, "a code belongs to its holder's change")
        let done = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("123456"), now: 1_200, maximumAttempts: 5) { old, new in
            [Self.mail("email_changed", to: old!)]
        }
        #expect(done == .changed(old: "lin@alumni.example.org", new: "Lin.New@Example.org"))
        #expect(try await fixture.holders.holder(login: try #require(LoginName("lin.new@example.org")))?.id == fixture.lin.id)
        #expect(try await fixture.holders.holder(login: try #require(LoginName("lin@alumni.example.org"))) == nil, "the old address no longer signs in")
        let used = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("123456"), now: 1_210, maximumAttempts: 5) { _, _ in [] }
        #expect(used == .invalid, "a code works once")
        #expect(try await fixture.audit.recent(limit: 10).map(\.action).contains("email_changed"))
    }

    @Test(arguments: StorageBackend.allCases)
    func anAddressAnotherAccountHasGetsNoWorkingCodeAndWrongCodesVoidTheChange(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.accounts.startEmailChange(holderID: fixture.lin.id, email: "WANG@alumni.example.org", codeHash: Self.code("123456"),
                                                    expiresAt: 1_900, now: 1_000) { taken in
            #expect(taken, "decided in the transaction, whatever the spelling")
            return [Self.mail("email_address_in_use", to: "wang@alumni.example.org")]
        }
        let outcome = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("123456"), now: 1_100, maximumAttempts: 5) { _, _ in [] }
        #expect(outcome == .invalid, "not even the right code completes it")
        #expect(try await fixture.accounts.details(holderID: fixture.lin.id)?.email == "lin@alumni.example.org")

        try await fixture.accounts.startEmailChange(holderID: fixture.lin.id, email: "lin2@example.org", codeHash: Self.code("654321"),
                                                    expiresAt: 1_900, now: 1_000) { _ in [] }
        var outcomes: [EmailChangeOutcome] = []
        for attempt in 0..<5 {
            outcomes.append(try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("00000\(attempt)"), now: 1_100,
                                                                          maximumAttempts: 5) { _, _ in [] })
        }
        #expect(outcomes == [.invalid, .invalid, .invalid, .invalid, .void])
        let late = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("654321"), now: 1_100, maximumAttempts: 5) { _, _ in [] }
        #expect(late == .invalid, "after the fifth wrong code the right one no longer works")

        try await fixture.accounts.startEmailChange(holderID: fixture.lin.id, email: "lin3@example.org", codeHash: Self.code("111111"),
                                                    expiresAt: 1_900, now: 1_000) { _ in [] }
        let expired = try await fixture.accounts.confirmEmailChange(holderID: fixture.lin.id, codeHash: Self.code("111111"), now: 1_900, maximumAttempts: 5) { _, _ in [] }
        #expect(expired == .invalid, "a code ends with its lifetime")
    }

    @Test(arguments: StorageBackend.allCases)
    func theSessionsListShowsBrowserAndLastUseAndEndsOnlyTheHoldersOwn(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let (one, two, three, wangs) = (BearerToken.digest("acs_1"), BearerToken.digest("acs_2"), BearerToken.digest("acs_3"), BearerToken.digest("acs_w"))
        try await fixture.sessions.createHolderSession(holderID: fixture.lin.id, tokenHash: one, now: 1_000, expiresAt: 9_000, userAgent: "Firefox 140 on Linux")
        try await fixture.sessions.createHolderSession(holderID: fixture.lin.id, tokenHash: two, now: 2_000, expiresAt: 9_000, userAgent: nil)
        try await fixture.sessions.createHolderSession(holderID: fixture.lin.id, tokenHash: three, now: 3_000, expiresAt: 9_000,
                                                       userAgent: String(repeating: "é", count: 200))
        try await fixture.sessions.createHolderSession(holderID: fixture.wang.id, tokenHash: wangs, now: 3_000, expiresAt: 9_000, userAgent: "Safari")
        try await fixture.sessions.touchHolderSession(tokenHash: one, now: 4_000)
        try await fixture.sessions.touchHolderSession(tokenHash: one, now: 3_500) // never backwards
        let listed = try await fixture.sessions.holderSessions(holderID: fixture.lin.id, now: 5_000)
        #expect(listed.map(\.tokenHash) == [three, two, one], "newest first, only the holder's")
        #expect(listed.last?.lastSeenAt == 4_000 && listed.last?.userAgent == "Firefox 140 on Linux" && listed[1].lastSeenAt == nil)
        #expect(try await fixture.sessions.holderSession(tokenHash: one, now: 5_000)?.lastSeenAt == 4_000)

        #expect(try await !fixture.sessions.endHolderSession(holderID: fixture.lin.id, tokenHash: wangs, now: 5_000), "another holder's session is not one's own")
        #expect(try await fixture.sessions.holderSession(tokenHash: wangs, now: 5_000) != nil)
        #expect(try await fixture.sessions.endHolderSession(holderID: fixture.lin.id, tokenHash: two, now: 5_000))
        #expect(try await fixture.sessions.endOtherHolderSessions(holderID: fixture.lin.id, keep: three, now: 5_000) == 1)
        #expect(try await fixture.sessions.holderSessions(holderID: fixture.lin.id, now: 5_000).map(\.tokenHash) == [three])
        #expect(try await fixture.sessions.holderSession(tokenHash: wangs, now: 5_000) != nil, "Wang's session is untouched")
        let ended = try await fixture.audit.recent(limit: 10).filter { $0.action == "sessions_ended" }
        #expect(ended.count == 2 && ended.allSatisfy { $0.actor == "holder:R09000001" })
    }
}
