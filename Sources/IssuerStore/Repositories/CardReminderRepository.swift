import CardToken

/// Card reminders (alumni-api.md §10), whatever holds them. Every backend
/// passes `CardReminderRepositoryConformanceTests`.
public protocol CardReminderRepository: Sendable {
    /// Active digital cards ending between `from` and `through` whose
    /// holders have an address, have reminders on and are not closed or
    /// suspended; at most `limit`, by end date.
    func reminderCandidates(from: CardDate, through: CardDate, limit: Int) async throws -> [CardReminderCandidate]
    /// Records the reminder and queues its mail in one transaction, unless
    /// it was recorded before (by another pass, instance or restart);
    /// returns whether it was recorded now.
    func recordReminder(card: String, kind: CardReminderKind, validThrough: CardDate, mail: OutgoingMail, now: Int64) async throws -> Bool
}
