import AccountRules
import IssuerStore

/// ``CardRepository`` on the SQLite database: the account store's card
/// calls on the database threads.
public struct SQLiteCardRepository: CardRepository {
    let accounts: AccountStore
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        accounts = AccountStore(database: database, kek: kek)
        self.threads = threads
    }

    public func card(number: String) async throws -> Card? {
        let accounts = accounts
        return try await threads.read { try accounts.card(number: number) }
    }

    public func setCardStatus(number: String, status: CardStatus, reason: String, now: Int64, actor: String) async throws -> Card {
        let accounts = accounts
        return try await threads.write { try accounts.setCardStatus(number: number, status: status, reason: reason, now: now, actor: actor) }
    }

    public func withdrawnCards(since: Int64, liveAfter: Int64) async throws -> [String] {
        let accounts = accounts
        return try await threads.read { try accounts.withdrawnCards(since: since, liveAfter: liveAfter) }
    }

    public func noteTokensHandedOut(card: String, until: Int64) async throws {
        let accounts = accounts
        try await threads.write { try accounts.noteTokensHandedOut(card: card, until: until) }
    }

    public func submitCardApplication(holderID: Int64, kind: CardApplicationRules.Kind, policy: CardIssuePolicy, today: CalendarDay,
                                      now: Int64, mail: CardIssuedMail?) async throws -> CardApplication {
        let accounts = accounts
        return try await threads.write {
            try accounts.submitCardApplication(holderID: holderID, kind: kind, policy: policy, today: today, now: now, mail: mail)
        }
    }

    public func cardApplicationOffer(holderID: Int64, rules: CardApplicationRules, today: CalendarDay) async throws
        -> Result<CardApplicationRules.Kind, CardApplicationRules.Refusal> {
        let accounts = accounts
        return try await threads.read { try accounts.cardApplicationOffer(holderID: holderID, rules: rules, today: today) }
    }

    public func recordCardPayment(applicationID: String, amount: Int, reference: String, policy: CardIssuePolicy, today: CalendarDay,
                                  now: Int64, actor: String, mail: CardIssuedMail?) async throws -> CardApplication {
        let accounts = accounts
        return try await threads.write {
            try accounts.recordCardPayment(applicationID: applicationID, amount: amount, reference: reference, policy: policy, today: today,
                                           now: now, actor: actor, mail: mail)
        }
    }

    public func cardApplications(holderID: Int64) async throws -> [CardApplication] {
        let accounts = accounts
        return try await threads.read { try accounts.cardApplications(holderID: holderID) }
    }

    public func cardApplications(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String, now: Int64) async throws -> [CardApplication] {
        let accounts = accounts
        return try await threads.write { try accounts.cardApplications(status: status, paid: paid, limit: limit, actor: actor, now: now) }
    }
}
