import CardToken
import Foundation
import IssuerCore
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import Testing
import TestSupport

/// Issue #28: card reminders 30 and 7 days before a digital card ends and
/// the day after, once each, whatever restarts and passes there are; off
/// when the holder says so.
@Suite("Card reminders")
struct CardReminderTests {
    static func day(_ text: String) -> CardDate { try! CardDate(iso8601: text) }

    @Test func theReminderDueDependsOnTheDaysLeftWithAWeekToCatchUp() {
        let through = Self.day("2027-02-14")
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-01-14")) == nil, "31 days left")
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-01-15")) == .days30)
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-06")) == .days30, "8 days left")
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-07")) == .days7)
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-14")) == .days7, "its last day")
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-15")) == .ended, "the day after")
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-21")) == .ended)
        #expect(CardReminderKind.due(validThrough: through, today: Self.day("2027-02-22")) == nil, "a week after, it is too late to say")
    }

    static func reminders(_ mails: [DeliveredMail], card: String) -> [String] {
        mails.filter { $0.body.contains(card) && ($0.body.contains("將於") || $0.body.contains("已於")) }
            .map { $0.body.contains("已於") ? "ended" : "soon" }
    }

    @Test func eachReminderGoesOnceAcrossPassesAndARestartAndNotToWhoeverTurnedThemOff() async throws {
        var harness = try await IssuerHarness(onDisk: true)
        // 2027-01-15 in Taipei: one card ends in 30 days; another holder's too, with reminders turned off.
        try harness.addHolder(studentID: "B07000002", name: "王大同", email: "wang@alumni.example.org", card: "A000000050", validThrough: "2027-02-14")
        try harness.addHolder(studentID: "B07000003", name: "李不擾", email: "li@alumni.example.org", card: "A000000051", validThrough: "2027-02-14")
        let li = try #require(try await harness.services.repositories.holders.holder(studentID: "B07000003"))
        _ = try await harness.services.accountSelfService.accounts.updateContact(holderID: li.id, ContactUpdate(reminders: false),
                                                                                 now: harness.clock.now) { _, _ in [] }
        await harness.services.maintenanceTick()
        await harness.services.maintenanceTick()
        var mails = try await harness.deliveredMail()
        #expect(Self.reminders(mails, card: "A000000050") == ["soon"], "once, with the second pass sending nothing")
        let first = try #require(mails.first { $0.body.contains("A000000050") })
        #expect(first.recipient == "wang@alumni.example.org" && first.body.contains("/card/apply") && first.body.contains("2027-02-14"))
        #expect(Self.reminders(mails, card: "A000000051").isEmpty, "reminders off")

        harness = try await harness.restarted()
        await harness.services.maintenanceTick()
        #expect(Self.reminders(try await harness.deliveredMail(), card: "A000000050") == ["soon"], "a restart sends no second copy")

        harness.clock.advance(by: 23 * 86_400) // 2027-02-07: 7 days left
        await harness.services.maintenanceTick()
        await harness.services.maintenanceTick()
        harness.clock.advance(by: 8 * 86_400) // 2027-02-15: the day after it ended
        await harness.services.maintenanceTick()
        harness.clock.advance(by: 86_400)
        await harness.services.maintenanceTick()
        mails = try await harness.deliveredMail()
        #expect(Self.reminders(mails, card: "A000000050") == ["soon", "soon", "ended"])
        #expect(Self.reminders(mails, card: "A000000051").isEmpty)
        // The default holder's card runs to 2030: nothing for it.
        #expect(Self.reminders(mails, card: IssuerHarness.cardNumber).isEmpty)
    }
}

/// The reminder repository on every backend.
@Suite("Card reminder repository: every backend behaves alike")
struct CardReminderRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key

    @Test(arguments: StorageBackend.allCases)
    func candidatesAreActiveDigitalCardsOfHoldersWhoWantThemAndARecordIsKeptOnce(backend: StorageBackend) async throws {
        let store = try await backend.store()
        let kek = Self.kek
        let holders = store.holders(kek: kek), accounts = store.accounts(kek: kek), reminders = store.reminders(kek: kek)
        let outbox = store.outbox(kek: kek)
        var rows = [
            RegistrarRow(studentID: "R1", displayName: "甲", email: "a@example.org", cardNumber: try CardNumber("A000000001"), validThrough: CardReminderTests.day("2027-02-14")),
            RegistrarRow(studentID: "R2", displayName: "乙", email: "b@example.org", cardNumber: try CardNumber("A000000002"), validThrough: CardReminderTests.day("2027-02-14")),
            RegistrarRow(studentID: "R3", displayName: "丙", email: nil, cardNumber: try CardNumber("A000000003"), validThrough: CardReminderTests.day("2027-02-14")),
            RegistrarRow(studentID: "R4", displayName: "丁", email: "d@example.org", cardNumber: try CardNumber("A000000004"), validThrough: CardReminderTests.day("2027-02-14")),
            RegistrarRow(studentID: "R5", displayName: "戊", email: "e@example.org", cardNumber: try CardNumber("A000000005"), validThrough: CardReminderTests.day("2028-02-14")),
        ]
        rows[3].cardKind = .physical
        for row in rows { _ = try await holders.upsert(row, now: 100, actor: "test") }
        let second = try #require(try await holders.holder(studentID: "R2"))
        _ = try await accounts.updateContact(holderID: second.id, ContactUpdate(reminders: false), now: 100) { _, _ in [] }

        let from = CardReminderTests.day("2027-01-08"), through = CardReminderTests.day("2027-02-14")
        let found = try await reminders.reminderCandidates(from: from, through: through, limit: 10)
        #expect(found.map(\.cardNumber) == ["A000000001"], "not reminders off, no address, physical, or outside the window")
        #expect(found.first?.name == "甲" && found.first?.email == "a@example.org" && found.first?.sent == Set<CardReminderKind>())
        let mail = OutgoingMail(kind: "card_reminder_days_30", recipient: "a@example.org", message: Array("Subject: r\r\n\r\nbody\r\n".utf8))
        #expect(try await reminders.recordReminder(card: "A000000001", kind: .days30, validThrough: through, mail: mail, now: 200))
        #expect(try await !reminders.recordReminder(card: "A000000001", kind: .days30, validThrough: through, mail: mail, now: 201), "recorded once")
        #expect(try await reminders.reminderCandidates(from: from, through: through, limit: 10).first?.sent == Set([CardReminderKind.days30]))
        #expect(try await outbox.due(now: 201, limit: 10).count == 1, "one mail")
    }
}
