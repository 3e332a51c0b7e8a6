import CardToken

/// When a digital card's reminders are due (alumni-api.md §10): 30 days
/// and 7 days before its `valid_through`, and the day after it ends. Each
/// goes once per card and end date; a reminder whose day was missed (the
/// daemon was down) still goes within its window, and the window closes a
/// week after the end.
public enum CardReminderKind: String, Sendable, CaseIterable, Codable {
    case days30 = "days_30"
    case days7 = "days_7"
    case ended

    /// The reminder due on `today` for a card valid through `validThrough`, if any.
    public static func due(validThrough: CardDate, today: CardDate) -> CardReminderKind? {
        let left = validThrough.dayNumber - today.dayNumber
        switch left {
        case 8...30: return .days30
        case 0...7: return .days7
        case -7 ... -1: return .ended
        default: return nil
        }
    }

    /// The widest window of end dates any reminder is due for, from `today`.
    public static func window(today: CardDate) throws(CardTokenError) -> (from: CardDate, through: CardDate) {
        (try CardDate(dayNumber: today.dayNumber - 7), try CardDate(dayNumber: today.dayNumber + 30))
    }
}

/// A card a reminder may be due for, with where the mail goes.
public struct CardReminderCandidate: Sendable, Equatable {
    public let cardNumber: String
    public let validThrough: CardDate
    public let name: String
    public let email: String
    /// The reminders already sent for this card and end date.
    public let sent: Set<CardReminderKind>

    package init(cardNumber: String, validThrough: CardDate, name: String, email: String, sent: Set<CardReminderKind>) {
        self.cardNumber = cardNumber
        self.validThrough = validThrough
        self.name = name
        self.email = email
        self.sent = sent
    }
}
