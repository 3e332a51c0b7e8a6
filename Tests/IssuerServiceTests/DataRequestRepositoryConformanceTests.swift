import AccountRules
import CardToken
import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing

/// Issue #28: personal-data requests behave alike on every backend — the
/// statutory queue, one extension, one decision, the copy's contents, and
/// a deletion that closes the account in its transaction.
@Suite("Data request repository: every backend behaves alike")
struct DataRequestRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    struct Fixture {
        let requests: any DataRequestRepository
        let holders: any HolderRepository
        let sessions: any SessionRepository
        let cards: any CardRepository
        let applications: any AccountApplicationRepository
        let outbox: any OutboxRepository
        let lin: Holder
        let wang: Holder
    }

    static func make(_ backend: StorageBackend) async throws -> Fixture {
        let store = try await backend.store()
        let holders = store.holders(kek: kek)
        let (lin, wang) = try await TwoHolders.add(to: holders, wangCard: true)
        return Fixture(requests: store.dataRequests(kek: kek), holders: holders, sessions: store.sessions(kek: kek), cards: store.cards(kek: kek),
                       applications: store.applications(kek: kek), outbox: store.outbox(kek: kek),
                       lin: lin, wang: wang)
    }

    static func mail(_ kind: String) -> @Sendable (DataRequest, MailRecipient?) -> [OutgoingMail] {
        { _, recipient in
            recipient.map { [OutgoingMail(kind: kind, recipient: $0.email, message: Array("Subject: \(kind) \($0.name)\r\n\r\nbody\r\n".utf8))] } ?? []
        }
    }

    @Test(arguments: StorageBackend.allCases)
    func aCopyIsCompletedAtOnceAndTheOthersWaitInTheQueueOverdueFirst(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let copy = try await fixture.requests.file(holderID: fixture.lin.id, kind: .copy, details: nil, due: 20_270_130, exportUntil: 1_000 + 604_800,
                                                   now: 1_000, mails: Self.mail("data_request_received"))
        #expect(copy.status == .completed && copy.exportUntil == 605_800 && copy.studentID == "R09000001")
        let correction = try await fixture.requests.file(holderID: fixture.lin.id, kind: .correction, details: "my department is 電機系", due: 20_270_214,
                                                         exportUntil: nil, now: 1_001, mails: Self.mail("data_request_received"))
        let stop = try await fixture.requests.file(holderID: fixture.wang.id, kind: .stopProcessing, details: nil, due: 20_270_201, exportUntil: nil,
                                                   now: 1_002, mails: Self.mail("data_request_received"))
        #expect(correction.status == .open && correction.details == "my department is 電機系")
        let mails = try await fixture.outbox.due(now: 1_002, limit: 10)
        #expect(mails.map(\.recipient).sorted() == ["lin@alumni.example.org", "lin@alumni.example.org", "wang@alumni.example.org"])
        #expect(String(decoding: mails[0].message, as: UTF8.self).contains("林小明"), "the mail is given the name on file")

        // On 2027-02-10 Wang's request (due 02-01) is overdue and comes first, although Lin's was filed first.
        #expect(try await fixture.requests.queue(status: .open, today: 20_270_210, limit: 10).map(\.id) == [stop.id, correction.id])
        #expect(try await fixture.requests.overdueCount(today: 20_270_210) == 1)
        #expect(try await fixture.requests.queue(status: .completed, today: 20_270_210, limit: 10).map(\.id) == [copy.id])
        #expect(try await fixture.requests.requests(holderID: fixture.lin.id).map(\.id) == [correction.id, copy.id], "newest first, only Lin's")
        #expect(try await fixture.requests.request(id: "dr-NOSUCHREQUEST00") == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aRequestIsExtendedOnceAndDecidedOnce(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        let request = try await fixture.requests.file(holderID: fixture.lin.id, kind: .correction, details: nil, due: 20_270_214, exportUntil: nil,
                                                      now: 1_000, mails: { _, _ in [] })
        let extended = try await fixture.requests.extend(id: request.id, reason: "the registrar must confirm", newDue: 20_270_316, actor: "admin:mei",
                                                         now: 2_000, mails: Self.mail("data_request_extended"))
        #expect(extended.due == 20_270_316 && extended.extendedAt == 2_000 && extended.extensionReason == "the registrar must confirm")
        await #expect(throws: IssuerStoreError(.invalidChange, "")) {
            _ = try await fixture.requests.extend(id: request.id, reason: "again", newDue: 20_270_415, actor: "admin:mei", now: 2_001, mails: { _, _ in [] })
        }
        let (refused, closure) = try await fixture.requests.decide(id: request.id, decision: .refuse(reason: "the record is right"), actor: "admin:mei",
                                                                   now: 3_000, mails: Self.mail("data_request_decided"))
        #expect(refused.status == .refused && refused.outcome == "the record is right" && refused.decidedBy == "admin:mei" && closure == nil)
        await #expect(throws: IssuerStoreError(.alreadyDecided, "")) {
            _ = try await fixture.requests.decide(id: request.id, decision: .complete(note: "done"), actor: "admin:ming", now: 3_001, mails: { _, _ in [] })
        }
        await #expect(throws: IssuerStoreError(.alreadyDecided, "")) {
            _ = try await fixture.requests.extend(id: request.id, reason: "late", newDue: 20_270_415, actor: "admin:mei", now: 3_002, mails: { _, _ in [] })
        }
        #expect(try await fixture.outbox.due(now: 3_002, limit: 10).map(\.kind) == ["data_request_extended", "data_request_decided"])
    }

    @Test(arguments: StorageBackend.allCases)
    func theCopyHoldsThePersonsDataAndNobodyElses(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.applications.submit(AccountApplicationRepositoryConformanceTests.submission("APTEST001", token: "ast_one"), mails: { _ in [] }, now: 50)
        try await fixture.sessions.createHolderSession(holderID: fixture.lin.id, tokenHash: BearerToken.digest("acs_lin"), now: 200, expiresAt: 9_000,
                                                       userAgent: "Firefox")
        try await fixture.sessions.createHolderSession(holderID: fixture.wang.id, tokenHash: BearerToken.digest("acs_wang"), now: 200, expiresAt: 9_000,
                                                       userAgent: "Safari")
        let copy = try await fixture.requests.file(holderID: fixture.lin.id, kind: .copy, details: nil, due: 20_270_130, exportUntil: 9_000, now: 300,
                                                   mails: { _, _ in [] })
        let record = try #require(try await fixture.requests.personalData(holderID: fixture.lin.id))
        #expect(record.details.chineseName == "林小明" && record.nationalID == "A123456789" && record.details.mobile == "0912345678")
        #expect(record.cards.map(\.number.rawValue) == ["A000000001"])
        #expect(record.accountApplications.map(\.id) == ["APTEST001"], "the application filed under the person's national ID")
        #expect(record.accountApplications.first?.documents.count == 2)
        #expect(record.sessions.map(\.userAgent) == ["Firefox"] && record.sessions.allSatisfy { $0.tokenHash.isEmpty }, "no session secret in a copy")
        #expect(record.dataRequests.map(\.id) == [copy.id])
        let subjects = Set(record.auditEvents.compactMap(\.subject))
        #expect(subjects == ["APTEST001", copy.id], "the events about the person's application and request, none of Wang's: \(record.auditEvents)")
        #expect(try await fixture.requests.personalData(holderID: fixture.wang.id)?.accountApplications.isEmpty == true)
    }

    @Test(arguments: StorageBackend.allCases)
    func completingADeletionClosesTheAccountInOneTransaction(backend: StorageBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.applications.submit(AccountApplicationRepositoryConformanceTests.submission("APTEST001", token: "ast_one"), mails: { _ in [] }, now: 50)
        try await fixture.sessions.createHolderSession(holderID: fixture.lin.id, tokenHash: BearerToken.digest("acs_lin"), now: 200, expiresAt: 9_000)
        let request = try await fixture.requests.file(holderID: fixture.lin.id, kind: .deletion, details: "please forget me", due: 20_270_214,
                                                      exportUntil: nil, now: 300, mails: { _, _ in [] })
        let (done, closure) = try await fixture.requests.decide(id: request.id, decision: .complete(note: "erased"), actor: "admin:mei", now: 400,
                                                                mails: Self.mail("data_request_decided"))
        #expect(done.status == .completed)
        #expect(closure?.revokedCards == ["A000000001"])
        #expect(Set(closure?.documentFiles ?? []) == ["APTEST001-photo.sealed", "APTEST001-id.sealed"])
        // The completion mail went to the address before it was erased.
        #expect(try await fixture.outbox.due(now: 400, limit: 10).map(\.recipient) == ["lin@alumni.example.org"])

        #expect(try await fixture.holders.holder(login: try #require(LoginName("lin@alumni.example.org"))) == nil)
        #expect(try await fixture.holders.holder(login: try #require(LoginName("0912345678"))) == nil)
        let closed = try #require(try await fixture.holders.holder(studentID: "R09000001"))
        #expect(closed.status == .suspended && closed.passwordHash == nil && !closed.hasNationalID && closed.email == nil && closed.mobile == nil)
        #expect(closed.displayName != "林小明")
        #expect(try await !fixture.holders.nationalIDMatches(holderID: fixture.lin.id, candidate: "A123456789"))
        #expect(try await fixture.cards.card(number: "A000000001")?.status == .revoked)
        #expect(try await fixture.cards.withdrawnCards(since: 399, liveAfter: 0).contains("A000000001"), "the key set lists the revoked card")
        #expect(try await fixture.sessions.holderSession(tokenHash: BearerToken.digest("acs_lin"), now: 500) == nil)
        #expect(try await fixture.applications.count() == 0, "the applications naming the person are gone")
        #expect(try await fixture.requests.request(id: request.id)?.details == nil, "the request's own text about the person is erased; its outcome stays")
        let after = try #require(try await fixture.requests.personalData(holderID: fixture.lin.id))
        #expect(after.nationalID == nil && after.details.profile == HolderProfile() && after.accountApplications.isEmpty && after.sessions.isEmpty)
        // Wang is untouched.
        #expect(try await fixture.cards.card(number: "A000000002")?.status == .active)
        #expect(try await fixture.holders.holder(login: try #require(LoginName("wang@alumni.example.org")))?.id == fixture.wang.id)
    }
}
