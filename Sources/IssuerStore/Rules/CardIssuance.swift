import AccountRules
import CardToken

/// What issuing a card application does, as every backend does it inside
/// its own transaction: which card it extends or makes, what the
/// application records then, and what the audit log and the mail say.
/// The backends keep only the reading and writing.
package struct CardIssue: Sendable {
    /// The card as it is to be stored: the renewed one valid for longer, or a new one.
    package let card: CardRow
    package let validThrough: CalendarDay
}

extension CardApplicationRow {
    package var isRenewal: Bool { kind == CardApplicationRules.Kind.renewal.rawValue }

    /// A renewal extends the card it names (`named`, its row read under the
    /// transaction's lock) unless that card was revoked meanwhile; then, as
    /// for a first application, nil: a new number replaces it.
    package func renewedCard(_ named: CardRow?, policy: CardIssuePolicy, today: CalendarDay, now: Int64) throws -> CardIssue? {
        guard isRenewal, var card = named, card.number == cardNumber, card.status != CardStatus.revoked.rawValue else { return nil }
        let end = try policy.rules.renewedValidThrough(currentEnd: try CalendarDay(yyyymmdd: Int(card.validThrough)), today: today)
        card.validThrough = Int64(end.yyyymmdd)
        card.updatedAt = now
        return CardIssue(card: card, validThrough: end)
    }

    /// A new digital card for the applicant under `number` (one of
    /// ``CardIssuePolicy/numberCandidates()`` not yet on file).
    package func newCard(number: String, policy: CardIssuePolicy, today: CalendarDay, now: Int64) throws -> CardIssue {
        let end = try policy.rules.validThrough(issuedOn: today)
        return CardIssue(card: CardRow(number: number, holderID: holderID, status: CardStatus.active.rawValue, validThrough: Int64(end.yyyymmdd),
                                       statusReason: nil, updatedAt: now, kind: CardKind.digital.rawValue),
                         validThrough: end)
    }

    /// Records `issue` on the application and returns the audit entry that goes with it.
    package mutating func markIssued(_ issue: CardIssue, now: Int64, actor: String) -> AuditEvent {
        status = CardApplicationStatus.issued.rawValue
        issuedAt = now
        cardNumber = issue.card.number
        validThrough = issue.card.validThrough
        return AuditEvent(at: now, actor: actor, action: isRenewal ? "card_renewed" : "card_issued", subject: issue.card.number,
                          detail: "application \(id), valid through \(issue.validThrough)")
    }

    /// The confirmation for `holder`, stating the fee still owed; nil without an address or a composer.
    package func issuedMail(_ mail: CardIssuedMail?, holder: Holder?, issue: CardIssue) -> OutgoingMail? {
        guard let mail, let holder, let email = holder.email else { return nil }
        return mail.compose(holder.displayName, email, issue.card.number, issue.validThrough, isRenewal, paidAt == nil ? feeAmount : 0)
    }
}

extension CardIssuePolicy {
    /// How many random numbers are drawn before giving up.
    static let numberDraws = 20

    /// Fresh numbers to try in turn: the first not on file is the new card's.
    package func numberCandidates() -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<Self.numberDraws).map { _ in numbers.generate(using: &generator) }
    }

    /// When every candidate was taken.
    package var numbersExhausted: IssuerStoreError {
        IssuerStoreError(.invalidChange, "\(Self.numberDraws) random card numbers with prefix \(numbers.prefix) were all taken, which should not happen with 10¹⁰ numbers; check the card table for imported numbers of this form, or set another cards.number_prefix")
    }
}

extension CardRow {
    /// The card as the application rules weigh it, or nil for a row they cannot read.
    package var onFile: CardApplicationRules.CardOnFile? {
        guard let form = CardApplicationRules.CardOnFile.Form(rawValue: kind),
              let standing = CardApplicationRules.CardOnFile.Standing(rawValue: status),
              let day = try? CalendarDay(yyyymmdd: Int(validThrough)) else { return nil }
        return CardApplicationRules.CardOnFile(number: number, form: form, standing: standing, validThrough: day)
    }
}
