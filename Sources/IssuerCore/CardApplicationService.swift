import AccountRules
import CardToken
import Clocks
import Foundation
import IssuerStore
import Logging

/// Digital card applications and their payments (alumni-api.md §7): the
/// rules decide, the store records and issues in one transaction, the
/// confirmation mail goes through the outbox in that same transaction.
package struct CardApplicationService: Sendable {
    package let clock: IssuerClock
    package let settings: FlowSettings
    package let cards: any CardRepository
    package let caches: IssuerCaches
    package let humanCheck: HumanCheckService
    package let composer: MailComposer
    package let mailDelivery: MailDeliveryService
    package let calendar: ReviewCalendar

    package init(clock: IssuerClock, settings: FlowSettings, cards: any CardRepository, caches: IssuerCaches, humanCheck: HumanCheckService,
                 composer: MailComposer, mailDelivery: MailDeliveryService, calendar: ReviewCalendar) {
        self.clock = clock
        self.settings = settings
        self.cards = cards
        self.caches = caches
        self.humanCheck = humanCheck
        self.composer = composer
        self.mailDelivery = mailDelivery
        self.calendar = calendar
    }

    package var policy: CardIssuePolicy {
        let configuration = settings
        return CardIssuePolicy(
            rules: CardApplicationRules(validityMonths: configuration.cardValidityMonths, renewalWindowMonths: configuration.renewalWindowMonths),
            // The prefix was checked when the configuration was read.
            numbers: (try? CardNumberScheme(prefix: configuration.cardNumberPrefix)) ?? .standard,
            fees: [.first: configuration.firstCardFee, .renewal: configuration.renewalFee],
            issueOnSubmission: configuration.issueOn == .submission)
    }

    package var issuedMail: CardIssuedMail {
        let composer = self.composer, clock = self.clock
        return CardIssuedMail { name, email, number, validThrough, renewal, feeOwed in
            composer.compose(kind: renewal ? "card_renewed" : "card_issued", to: email, now: clock.now()) {
                $0.cardIssued(name, number, validThrough.description, renewal, feeOwed, composer.loginURL)
            }
        }
    }

    /// Applies for the caller's digital card, after the human check.
    package func submit(holder: Holder, kind: CardApplicationRules.Kind, altcha: String?, logger: Logger) async throws -> CardApplication {
        let now = clock.now()
        try await humanCheck.check(altcha, now: now)
        let today = calendar.day(of: now)
        let application: CardApplication
        do {
            application = try await cards.submitCardApplication(holderID: holder.id, kind: kind, policy: policy, today: today, now: now,
                                                                         mail: issuedMail)
        } catch let refusal as CardApplicationRules.Refusal {
            throw Self.apiError(refusal)
        }
        if application.status == .issued {
            caches.accountsChanged()
            mailDelivery.wake()
        }
        logger.info("card application", metadata: ["application": "\(application.id)", "status": "\(application.status.rawValue)"])
        return application
    }

    /// What the holder could apply for now: the kind the rules would accept, or the refusal they would meet.
    package func offer(holder: Holder) async throws -> Result<CardApplicationRules.Kind, IssuerError> {
        let today = calendar.day(of: clock.now())
        return try await cards.cardApplicationOffer(holderID: holder.id, rules: policy.rules, today: today).mapError(Self.apiError)
    }

    /// Records a payment; an application awaiting it is issued.
    /// The holder's card applications, newest first.
    package func history(holderID: Int64) async throws -> [CardApplication] {
        try await cards.cardApplications(holderID: holderID)
    }

    /// Applications for staff, by status and payment (each read audited under `actor`).
    package func queue(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String) async throws -> [CardApplication] {
        try await cards.cardApplications(status: status, paid: paid, limit: limit, actor: actor, now: clock.now())
    }

    package func recordPayment(applicationID: String, amount: Int, reference: String, actor: String) async throws -> CardApplication {
        let now = clock.now()
        let today = calendar.day(of: now)
        let application: CardApplication
        do {
            application = try await cards.recordCardPayment(applicationID: applicationID, amount: amount, reference: reference, policy: policy,
                                                                     today: today, now: now, actor: actor, mail: issuedMail)
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError.invalid("invalid_value", field: "amount", error.message)
        }
        caches.accountsChanged()
        mailDelivery.wake()
        return application
    }

    /// The API's answer for each refusal of the rules.
    package static func apiError(_ refusal: CardApplicationRules.Refusal) -> IssuerError {
        switch refusal {
        case .applicationPending:
            return IssuerError(.conflict, code: "application_pending",
                            "an earlier card application is waiting for its payment; pay it at the alumni centre, or ask staff about it")
        case .physicalCardValid(let validThrough):
            var error = IssuerError(.conflict, code: "physical_card_valid",
                                 "your plastic alumni card is valid through \(validThrough); apply for the digital card after that day")
            error.extra = ["valid_through": validThrough.description]
            return error
        case .cardAlreadyValid(let number, let validThrough, let renewableFrom):
            var error = IssuerError(.conflict, code: "card_already_valid",
                                 "digital card \(number) is valid through \(validThrough); it can be renewed from \(renewableFrom)")
            error.extra = ["valid_through": validThrough.description, "renewable_from": renewableFrom.description]
            return error
        case .cardSuspended(let number):
            return IssuerError(.forbidden, code: "card_suspended", "card \(number) was suspended or withdrawn by the alumni centre; contact the centre")
        case .wrongKind(.renewal, let existing):
            return IssuerError.invalid("invalid_value", field: "kind",
                                    "you already have digital card \(existing ?? "?"); apply with kind \"renewal\" to extend it")
        case .wrongKind:
            return IssuerError.invalid("invalid_value", field: "kind", "you have no digital card to renew; apply with kind \"first\"")
        }
    }
}
