import AccountRules
import CardToken
import Clocks
import Foundation
import IssuerStore
import Logging
import NIOPosix

/// Staff's changes to accounts and cards (docs/admin-api.md): a card
/// suspended, revoked or reinstated, an account suspended or reinstated or
/// given a password, the registrar's file imported. Each
/// has the same effects whoever calls it (the admin API or the command
/// line): the change audited under its actor in its own transaction, this
/// process's caches forgotten, the key set re-signed at once when this
/// host holds the root (so that `revoked_cards` is right), mail woken.
package struct AccountAdministrationService: Sendable {
    package let cards: any CardRepository
    package let holders: any HolderRepository
    package let publisher: KeySetPublisher
    package let caches: IssuerCaches
    package let composer: MailComposer
    package let calendar: ReviewCalendar
    package let mailDelivery: MailDeliveryService
    package let hasher: PasswordHasher
    package let clock: IssuerClock
    package let logger: Logger

    package init(cards: any CardRepository, holders: any HolderRepository, publisher: KeySetPublisher, caches: IssuerCaches, composer: MailComposer,
                 calendar: ReviewCalendar, mailDelivery: MailDeliveryService, hasher: PasswordHasher, clock: IssuerClock, logger: Logger) {
        self.hasher = hasher
        self.cards = cards
        self.holders = holders
        self.publisher = publisher
        self.caches = caches
        self.composer = composer
        self.calendar = calendar
        self.mailDelivery = mailDelivery
        self.clock = clock
        self.logger = logger
    }

    package func card(number: String) async throws -> Card {
        guard let card = try await cards.card(number: number) else { throw IssuerError.notFound("there is no card \(number.prefix(40))") }
        return card
    }

    /// Suspends, revokes or reinstates a card, with a reason for the audit log.
    package func setStatus(number: String, status: CardStatus, reason: String, actor: String) async throws -> Card {
        let card: Card
        do {
            card = try await cards.setCardStatus(number: number, status: status, reason: reason, now: clock.now(), actor: actor)
        } catch let error as IssuerStoreError where error.code == .notFound {
            throw IssuerError.notFound("there is no card \(number.prefix(40))")
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError(.conflict, code: "card_change_refused", error.message)
        }
        await cardStatusesChanged(actor: actor)
        return card
    }

    /// Suspends or reinstates an account; a suspension ends its sessions.
    package func setHolderStatus(studentID: String, status: HolderStatus, reason: String, actor: String) async throws {
        try await holders.setHolderStatus(studentID: studentID, status: status, reason: reason, now: clock.now(), actor: actor)
        caches.accountsChanged()
    }

    /// Sets an account's password (staff, for someone who cannot use the
    /// reset link); the account's sessions end.
    package func setPassword(studentID: String, password: String, actor: String) async throws {
        if let problem = PasswordHasher.problem(with: password) { throw IssuerError.invalid("password_too_simple", field: "password", problem) }
        let hasher = hasher
        let hash = try await NIOThreadPool.singleton.runIfActive { hasher.hash(password) }
        try await holders.setPasswordHash(studentID: studentID, hash: hash, now: clock.now(), actor: actor)
        caches.accountsChanged()
    }

    /// Imports the registrar's CSV (docs/registrar-import.md), or says what it would do.
    package func importRegistrar(_ data: Data, actor: String, dryRun: Bool) async throws -> CardImportReport {
        let report: CardImportReport
        do {
            report = try await holders.importRegistrar(data, now: clock.now(), actor: actor, dryRun: dryRun, accountReady: accountReadyMail)
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError(.invalidValue, code: "invalid_csv", error.message)
        }
        if report.applied {
            await cardStatusesChanged(actor: actor)
            mailDelivery.wake()
        }
        return report
    }

    /// The "your account is open" mail an import queues for new graduates
    /// (and anyone it gives a national ID), sent when the account opens.
    package var accountReadyMail: AccountReadyMail {
        let composer = composer, calendar = calendar, clock = clock
        return AccountReadyMail(compose: { studentID, name, email in
            composer.compose(kind: "account_ready", to: email, now: clock.now()) { $0.accountReady(name, studentID, composer.loginURL) }
        }, opensAt: { diploma in
            guard let diploma, let opens = try? diploma.adding(days: 2) else { return 0 }
            return calendar.start(of: opens)
        })
    }

    /// After card statuses changed here: forget the caches, and re-sign the
    /// key set (when this host holds the root) so that its `revoked_cards` is right at once.
    package func cardStatusesChanged(actor: String) async {
        caches.accountsChanged()
        do { try await publisher.refreshIfNeeded(now: clock.now(), actor: actor) } catch {
            logger.error("cannot re-sign the key set after a card change", metadata: ["error": "\(error.message)"])
        }
    }
}
