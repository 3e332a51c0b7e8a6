import AccountRules
import CardToken

/// Cards and card applications as the services see them, whatever holds
/// them (issue #26): a card's status, the withdrawn cards the key set
/// lists, the tokens-live horizon, and applications with their payments.
/// Every method is one transaction and writes its own audit rows and the
/// mail it is handed; every backend passes `CardRepositoryConformanceTests`.
public protocol CardRepository: Sendable {
    func card(number: String) async throws -> Card?
    /// Suspends, revokes or reinstates a card (the allowed moves only:
    /// `invalidChange` otherwise), audited; returns the card as it now is.
    func setCardStatus(number: String, status: CardStatus, reason: String, now: Int64, actor: String) async throws -> Card
    /// Cards withdrawn since `since` whose handed-out tokens may live past `liveAfter`.
    func withdrawnCards(since: Int64, liveAfter: Int64) async throws -> [String]
    /// Notes that tokens of `card` living until `until` were handed out; only ever moves forward.
    func noteTokensHandedOut(card: String, until: Int64) async throws

    /// Decides (``CardApplicationRules``) and records an application, and
    /// issues the card when `policy` says so; of two racing submissions of
    /// one holder only one passes the rules. Throws
    /// ``CardApplicationRules/Refusal`` for a refused application.
    func submitCardApplication(holderID: Int64, kind: CardApplicationRules.Kind, policy: CardIssuePolicy, today: CalendarDay,
                               now: Int64, mail: CardIssuedMail?) async throws -> CardApplication
    /// What the holder could apply for now, read as a submission reads it.
    func cardApplicationOffer(holderID: Int64, rules: CardApplicationRules, today: CalendarDay) async throws
        -> Result<CardApplicationRules.Kind, CardApplicationRules.Refusal>
    /// Records the fee paid (once: `alreadyPaid` after), issuing an application that awaited it.
    func recordCardPayment(applicationID: String, amount: Int, reference: String, policy: CardIssuePolicy, today: CalendarDay,
                           now: Int64, actor: String, mail: CardIssuedMail?) async throws -> CardApplication
    /// A holder's applications, newest first.
    func cardApplications(holderID: Int64) async throws -> [CardApplication]
    /// Applications for staff, oldest first, by status and payment; the read is audited as `actor`.
    func cardApplications(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String, now: Int64) async throws -> [CardApplication]
}
