import AccountRules
import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``CardRepository`` on PostgreSQL. A card application locks its holder's
/// row before it reads the cards and applications the rules decide on, so
/// of two racing submissions of one holder, on any instances, one passes;
/// a payment locks its application's row, so a fee is recorded once.
public struct PostgresCardRepository: CardRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    static let applicationColumns = """
        id, holder_id, kind, status, fee_amount, currency, card_number, valid_through, submitted_at, issued_at, paid_at, paid_amount,
        payment_reference, payment_recorded_by
        """

    static func applications(_ rows: PostgresRowSequence) async throws -> [CardApplicationRow] {
        var applications: [CardApplicationRow] = []
        for try await row in rows.decode((String, Int64, String, String, Int, String, String?, Int64?, Int64, Int64?, Int64?, Int?, String?, String?).self) {
            applications.append(CardApplicationRow(id: row.0, holderID: row.1, kind: row.2, status: row.3, feeAmount: row.4, currency: row.5, cardNumber: row.6,
                                               validThrough: row.7, submittedAt: row.8, issuedAt: row.9, paidAt: row.10, paidAmount: row.11,
                                               paymentReference: row.12, paymentRecordedBy: row.13))
        }
        return applications
    }

    // MARK: - Cards

    public func card(number: String) async throws -> Card? {
        try await storage.read("cannot read the card") { connection in
            try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE number = \(number)
                """, logger: PostgresConnection.quiet)).first
        }?.card()
    }

    public func setCardStatus(number: String, status: CardStatus, reason: String, now: Int64, actor: String) async throws -> Card {
        try await storage.transaction("cannot change the card") { connection in
            guard var card = try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE number = \(number) FOR UPDATE
                """, logger: PostgresConnection.quiet)).first else {
                throw IssuerStoreError(.notFound, "there is no card \(number)")
            }
            if card.status == CardStatus.revoked.rawValue && status != .revoked {
                throw IssuerStoreError(.invalidChange, "card \(number) is revoked, and a revoked card is never reinstated; issue a new card number instead")
            }
            let before = card.status
            card.status = status.rawValue
            card.statusReason = reason
            card.updatedAt = now
            try await PostgresHolderRows.update(card, connection)
            let action = status == .active ? "card_reinstated" : "card_\(status.rawValue)"
            try await connection.audit(at: now, actor: actor, action: action, subject: number, detail: "\(before) → \(status.rawValue): \(reason)")
            return try card.card()
        }
    }

    public func withdrawnCards(since: Int64, liveAfter: Int64) async throws -> [String] {
        try await storage.read("cannot read the withdrawn cards") { connection in
            var numbers: [String] = []
            for try await number in try await connection.query("""
                SELECT number FROM card WHERE status IN ('suspended', 'revoked') AND (updated_at >= \(since) OR tokens_live_until > \(liveAfter))
                ORDER BY number
                """, logger: PostgresConnection.quiet).decode(String.self) { numbers.append(number) }
            return numbers
        }
    }

    public func noteTokensHandedOut(card: String, until: Int64) async throws {
        _ = try await storage.transaction("cannot note the tokens handed out") { connection in
            try await connection.run("UPDATE card SET tokens_live_until = \(until) WHERE number = \(card) AND tokens_live_until < \(until)")
        }
    }

    // MARK: - Applications

    public func submitCardApplication(holderID: Int64, kind: CardApplicationRules.Kind, policy: CardIssuePolicy, today: CalendarDay,
                                      now: Int64, mail: CardIssuedMail?) async throws -> CardApplication {
        let seal = seal
        return try await storage.transaction("cannot record the card application") { connection in
            guard let holder = try await PostgresHolderRows.holders(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.holderColumns) FROM holder WHERE id = \(holderID) FOR UPDATE
                """, logger: PostgresConnection.quiet)).first else {
                throw IssuerStoreError(.notFound, "the account no longer exists")
            }
            let target = try policy.rules.decide(kind, cards: try await Self.cardsOnFile(holderID: holderID, connection),
                                                 pendingApplication: try await Self.hasUnpaidApplication(holderID: holderID, connection), today: today)
            let fee = policy.fees[kind] ?? 0
            var application = CardApplicationRow(id: CardApplication.newID(), holderID: holderID, kind: kind.rawValue,
                                             status: CardApplicationStatus.awaitingPayment.rawValue, feeAmount: fee, currency: "TWD", cardNumber: nil,
                                             validThrough: nil, submittedAt: now)
            if case .renew(let number) = target { application.cardNumber = number }
            try await connection.run("""
                INSERT INTO card_application (id, holder_id, kind, status, fee_amount, currency, card_number, submitted_at)
                VALUES (\(application.id), \(holderID), \(application.kind), \(application.status), \(fee), 'TWD', \(application.cardNumber), \(now))
                """)
            try await connection.audit(at: now, actor: "holder:\(holder.studentID)", action: "card_application_submitted", subject: application.id,
                                       detail: "\(kind.rawValue), fee \(fee) TWD\(application.cardNumber.map { ", renews \($0)" } ?? "")")
            if policy.issueOnSubmission || fee == 0 {
                try await Self.issue(&application, holder: holder, policy: policy, today: today, now: now, actor: "holder:\(holder.studentID)",
                                     mail: mail, seal: seal, connection)
            }
            return try application.application(studentID: holder.studentID)
        }
    }

    public func cardApplicationOffer(holderID: Int64, rules: CardApplicationRules, today: CalendarDay) async throws
        -> Result<CardApplicationRules.Kind, CardApplicationRules.Refusal> {
        try await storage.transaction("cannot read the card applications", isolation: .repeatableRead) { connection in
            rules.offer(cards: try await Self.cardsOnFile(holderID: holderID, connection),
                        pendingApplication: try await Self.hasUnpaidApplication(holderID: holderID, connection), today: today)
        }
    }

    public func recordCardPayment(applicationID: String, amount: Int, reference: String, policy: CardIssuePolicy, today: CalendarDay,
                                  now: Int64, actor: String, mail: CardIssuedMail?) async throws -> CardApplication {
        let seal = seal
        return try await storage.transaction("cannot record the payment") { connection in
            guard var application = try await Self.applications(try await connection.query("""
                SELECT \(unescaped: Self.applicationColumns) FROM card_application WHERE id = \(applicationID) FOR UPDATE
                """, logger: PostgresConnection.quiet)).first,
                let holder = try await PostgresHolderRows.holder(where: "id", application.holderID, connection) else {
                throw IssuerStoreError(.notFound, "there is no card application \(applicationID.prefix(40))")
            }
            if let paidAt = application.paidAt {
                throw IssuerStoreError(.alreadyPaid, "application \(application.id) was paid (\(application.paidAmount ?? 0) TWD, reference \(application.paymentReference ?? "?")) at \(paidAt) by \(application.paymentRecordedBy ?? "?"); nothing was changed")
            }
            guard amount == application.feeAmount else {
                throw IssuerStoreError(.invalidChange, "the fee for application \(application.id) is \(application.feeAmount) TWD, not \(amount); record the whole fee once")
            }
            application.paidAt = now
            application.paidAmount = amount
            application.paymentReference = reference
            application.paymentRecordedBy = actor
            try await connection.run("""
                UPDATE card_application SET paid_at = \(now), paid_amount = \(amount), payment_reference = \(reference), payment_recorded_by = \(actor)
                WHERE id = \(application.id)
                """)
            try await connection.audit(at: now, actor: actor, action: "card_payment_recorded", subject: application.id, detail: "\(amount) TWD, reference \(reference)")
            if application.status == CardApplicationStatus.awaitingPayment.rawValue {
                try await Self.issue(&application, holder: holder, policy: policy, today: today, now: now, actor: actor, mail: mail, seal: seal, connection)
            }
            return try application.application(studentID: holder.studentID)
        }
    }

    public func cardApplications(holderID: Int64) async throws -> [CardApplication] {
        try await storage.transaction("cannot read the card applications", isolation: .repeatableRead) { connection in
            let studentID = try await connection.value("SELECT student_id FROM holder WHERE id = \(holderID)", as: String.self) ?? "?"
            return try await Self.applications(try await connection.query("""
                SELECT \(unescaped: Self.applicationColumns) FROM card_application WHERE holder_id = \(holderID) ORDER BY submitted_at DESC, id
                """, logger: PostgresConnection.quiet)).map { row throws(IssuerStoreError) in try row.application(studentID: studentID) }
        }
    }

    public func cardApplications(status: CardApplicationStatus?, paid: Bool?, limit: Int, actor: String, now: Int64) async throws -> [CardApplication] {
        try await storage.transaction("cannot list the card applications") { connection in
            var applications: [(CardApplicationRow, String)] = []
            for row in try await Self.applications(try await connection.query("""
                SELECT \(unescaped: Self.applicationColumns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                FROM card_application a
                WHERE (\(status?.rawValue)::text IS NULL OR a.status = \(status?.rawValue))
                  AND (\(paid)::boolean IS NULL OR (a.paid_at IS NOT NULL) = \(paid))
                ORDER BY a.submitted_at, a.id LIMIT \(limit)
                """, logger: PostgresConnection.quiet)) {
                let studentID = try await connection.value("SELECT student_id FROM holder WHERE id = \(row.holderID)", as: String.self) ?? "?"
                applications.append((row, studentID))
            }
            try await connection.audit(at: now, actor: actor, action: "card_applications_listed", subject: nil,
                                       detail: "status \(status?.rawValue ?? "any"), paid \(paid.map(String.init) ?? "any"), \(applications.count) shown")
            return try applications.map { pair throws(IssuerStoreError) in try pair.0.application(studentID: pair.1) }
        }
    }

    // MARK: - Internals

    /// An application waiting for its payment, or issued at once (`issue_on: submission`) with its fee still owed.
    static func hasUnpaidApplication(holderID: Int64, _ connection: PostgresConnection) async throws -> Bool {
        try await connection.value("""
            SELECT EXISTS (SELECT 1 FROM card_application WHERE holder_id = \(holderID) AND paid_at IS NULL AND fee_amount > 0)
            """, as: Bool.self) ?? false
    }

    static func cardsOnFile(holderID: Int64, _ connection: PostgresConnection) async throws -> [CardApplicationRules.CardOnFile] {
        try await PostgresHolderRows.cards(try await connection.query("""
            SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE holder_id = \(holderID)
            """, logger: PostgresConnection.quiet)).compactMap(\.onFile)
    }

    /// Makes the new card or extends the renewed one, marks the application
    /// issued, audits it and queues the confirmation mail.
    static func issue(_ application: inout CardApplicationRow, holder: HolderRow, policy: CardIssuePolicy, today: CalendarDay, now: Int64, actor: String,
                      mail: CardIssuedMail?, seal: PersonalDataSeal, _ connection: PostgresConnection) async throws {
        let named = try await application.cardNumber.asyncMap { number in
            try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE number = \(number) FOR UPDATE
                """, logger: PostgresConnection.quiet)).first
        } ?? nil
        let issue: CardIssue
        if let renewed = try application.renewedCard(named, policy: policy, today: today, now: now) {
            issue = renewed
            try await PostgresHolderRows.update(issue.card, connection)
        } else {
            var free: String?
            for candidate in policy.numberCandidates()
            where try await connection.value("SELECT EXISTS (SELECT 1 FROM card WHERE number = \(candidate))", as: Bool.self) != true {
                free = candidate
                break
            }
            guard let free else { throw policy.numbersExhausted }
            issue = try application.newCard(number: free, policy: policy, today: today, now: now)
            try await PostgresHolderRows.insert(issue.card, connection)
        }
        let event = application.markIssued(issue, now: now, actor: actor)
        try await connection.run("""
            UPDATE card_application SET status = \(application.status), issued_at = \(now), card_number = \(application.cardNumber),
                valid_through = \(application.validThrough) WHERE id = \(application.id)
            """)
        try await connection.audit(event)
        if let message = application.issuedMail(mail, holder: try? holder.holder(seal: seal), issue: issue) {
            try await connection.enqueue(message, now: now, seal: seal)
        }
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
