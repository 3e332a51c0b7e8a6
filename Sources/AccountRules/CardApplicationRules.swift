/// Whether an alumnus may apply for the digital card now, and what card
/// the application makes (alumni-api.md §7). Pure: the cards on file, the
/// day and the centre's settings come in; a decision or a refusal comes out.
public struct CardApplicationRules: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case first, renewal
    }

    /// A card as the rules need to see it.
    public struct CardOnFile: Sendable, Equatable {
        public enum Form: String, Sendable { case physical, digital }
        public enum Standing: String, Sendable { case active, suspended, revoked }

        public let number: String
        public let form: Form
        public let standing: Standing
        public let validThrough: CalendarDay

        public init(number: String, form: Form, standing: Standing, validThrough: CalendarDay) {
            self.number = number
            self.form = form
            self.standing = standing
            self.validThrough = validThrough
        }
    }

    /// Why an application is refused; each case is one of the API's codes.
    public enum Refusal: Error, Sendable, Equatable {
        /// 409 `application_pending`: an earlier application waits for its payment.
        case applicationPending
        /// 409 `physical_card_valid`: the plastic card is valid through this day.
        case physicalCardValid(validThrough: CalendarDay)
        /// 409 `card_already_valid`: the digital card runs to `validThrough`;
        /// a renewal is taken from `renewableFrom`.
        case cardAlreadyValid(number: String, validThrough: CalendarDay, renewableFrom: CalendarDay)
        /// 403 `card_suspended`: the alumni centre suspended the card (digital
        /// or plastic), or revoked a digital card that would still run.
        case cardSuspended(number: String)
        /// 422 on `kind`: a renewal with no digital card to renew, or a first
        /// application from someone who has one (`existing`).
        case wrongKind(expected: Kind, existing: String?)
    }

    /// What an accepted application will do when it is issued.
    public enum Target: Sendable, Equatable {
        case newCard
        case renew(number: String)
    }

    /// Months a card is valid for (`cards.validity`).
    public let validityMonths: Int
    /// Months before its end from which a digital card may be renewed (`cards.renewal_window`).
    public let renewalWindowMonths: Int

    public init(validityMonths: Int, renewalWindowMonths: Int) {
        self.validityMonths = validityMonths
        self.renewalWindowMonths = renewalWindowMonths
    }

    /// Decides an application of `kind` on `today`, given the holder's cards
    /// and whether one of their applications is still awaiting payment.
    public func decide(_ kind: Kind, cards: [CardOnFile], pendingApplication: Bool, today: CalendarDay) throws(Refusal) -> Target {
        if pendingApplication { throw .applicationPending }
        // A plastic card still running on `today` (its valid-through day
        // included); a suspended one blocks too, or the suspension would be
        // bypassed by a digital card (review 2, #13).
        if let plastic = cards.filter({ $0.form == .physical && $0.standing != .revoked && $0.validThrough >= today })
            .max(by: { $0.validThrough < $1.validThrough }) {
            if plastic.standing == .suspended { throw .cardSuspended(number: plastic.number) }
            throw .physicalCardValid(validThrough: plastic.validThrough)
        }
        // The centre's revocation of a digital card still running is not
        // undone by the holder's own application; staff issue a new one.
        if let revoked = cards.filter({ $0.form == .digital && $0.standing == .revoked && $0.validThrough >= today })
            .max(by: { $0.validThrough < $1.validThrough }),
           !cards.contains(where: { $0.form == .digital && $0.standing != .revoked }) {
            throw .cardSuspended(number: revoked.number)
        }
        let digital = cards.filter { $0.form == .digital && $0.standing != .revoked }.max { $0.validThrough < $1.validThrough }
        if let digital {
            if digital.standing == .suspended { throw .cardSuspended(number: digital.number) }
            let renewableFrom = renewableFrom(digital.validThrough)
            if today < renewableFrom {
                throw .cardAlreadyValid(number: digital.number, validThrough: digital.validThrough, renewableFrom: renewableFrom)
            }
        }
        switch (kind, digital) {
        case (.first, nil): return .newCard
        case (.first, let card?): throw .wrongKind(expected: .renewal, existing: card.number)
        case (.renewal, let card?): return .renew(number: card.number)
        case (.renewal, nil): throw .wrongKind(expected: .first, existing: nil)
        }
    }

    /// What the holder can apply for on `today`: the one kind that would be
    /// accepted (a renewal once they have a digital card, else a first card),
    /// or why nothing would be. Pages offer only this, so nobody is shown a
    /// choice that can only be refused.
    public func offer(cards: [CardOnFile], pendingApplication: Bool, today: CalendarDay) -> Result<Kind, Refusal> {
        let kind: Kind = cards.contains { $0.form == .digital && $0.standing != .revoked } ? .renewal : .first
        do {
            _ = try decide(kind, cards: cards, pendingApplication: pendingApplication, today: today)
            return .success(kind)
        } catch {
            return .failure(error)
        }
    }

    /// The first day a card that ends on `validThrough` may be renewed.
    public func renewableFrom(_ validThrough: CalendarDay) -> CalendarDay {
        // Clamped only at the calendar's ends, which no card reaches.
        (try? validThrough.adding(months: -renewalWindowMonths).adding(days: 1)) ?? validThrough
    }

    /// The valid-through day of a card issued on `today`: `cards.validity`
    /// months, the issue day included (issued 2026-12-02 → 2027-12-01).
    public func validThrough(issuedOn today: CalendarDay) throws(AccountRulesError) -> CalendarDay {
        try today.adding(months: validityMonths).adding(days: -1)
    }

    /// A renewal's new end: `cards.validity` months after the later of
    /// today and the current end, so days already paid for are kept.
    public func renewedValidThrough(currentEnd: CalendarDay, today: CalendarDay) throws(AccountRulesError) -> CalendarDay {
        currentEnd >= today ? try currentEnd.adding(months: validityMonths) : try validThrough(issuedOn: today)
    }
}
