import CardToken
import Clocks
import IssuerStore
import Logging

/// Card reminders (alumni-api.md §10): 30 and 7 days before a digital
/// card's `valid_through` and the day after it ends, once each, to holders
/// who have not turned them off, with the renewal link. Run by the
/// maintenance loop; a reminder is recorded with its mail in one
/// transaction, so a restart, a second pass or another instance sends no
/// second copy.
package struct CardReminderService: Sendable {
    package let reminders: any CardReminderRepository
    package let clock: IssuerClock
    package let calendar: ReviewCalendar
    package let composer: MailComposer
    package let mailDelivery: MailDeliveryService

    /// Cards looked at in one pass; the rest wait for the next (ten minutes on).
    package static let batch = 2_000

    package init(reminders: any CardReminderRepository, clock: IssuerClock, calendar: ReviewCalendar, composer: MailComposer, mailDelivery: MailDeliveryService) {
        self.reminders = reminders
        self.clock = clock
        self.calendar = calendar
        self.composer = composer
        self.mailDelivery = mailDelivery
    }

    /// One pass; returns how many reminders were queued.
    @discardableResult
    package func sendDue(logger: Logger) async -> Int {
        let now = clock.now(), today = calendar.day(of: now)
        var queued = 0
        do {
            let window = try CardReminderKind.window(today: today)
            let renew = composer.pageURL("/card/apply"), account = composer.pageURL("/account")
            for candidate in try await reminders.reminderCandidates(from: window.from, through: window.through, limit: Self.batch) {
                guard let kind = CardReminderKind.due(validThrough: candidate.validThrough, today: today), !candidate.sent.contains(kind) else { continue }
                guard let mail = composer.compose(kind: "card_reminder_\(kind.rawValue)", to: candidate.email, now: now, { catalogue in
                    catalogue.cardReminder(candidate.name, candidate.cardNumber, candidate.validThrough.description, kind.rawValue, renew, account)
                }) else { continue }
                if try await reminders.recordReminder(card: candidate.cardNumber, kind: kind, validThrough: candidate.validThrough, mail: mail, now: now) {
                    queued += 1
                }
            }
        } catch {
            logger.error("card reminders: a pass failed; the next one tries again", metadata: ["error": "\(error)"])
        }
        if queued > 0 {
            mailDelivery.wake()
            logger.info("card reminders queued", metadata: ["count": "\(queued)"])
        }
        return queued
    }
}
