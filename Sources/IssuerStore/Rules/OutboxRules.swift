import Foundation

/// Who may be mailed how often (review 2, #4), the same on every backend:
/// one address receives at most ``dailyLimitPerRecipient`` mails a day,
/// and the kinds in ``oncePerDay`` at most once, so that nobody can use
/// the centre's forms to flood an address. Addresses are counted by a
/// keyed hash (``recipientKey(_:seal:)``), never in clear.
package enum OutboxRules {
    /// Mails one address may be sent in a day (UTC), whatever their kind.
    package static let dailyLimitPerRecipient = 20
    /// Notices to an address on file that a stranger's request triggers: once a day is enough to warn.
    package static let oncePerDay: Set<String> = ["application_identity_known"]
    package static let perRecipient = RateCounterScope("mail_recipient", window: 86_400)

    /// The counter of a kind sent at most once a day, if `kind` is one.
    package static func oncePerDayScope(_ kind: String) -> RateCounterScope? {
        oncePerDay.contains(kind) ? RateCounterScope("mail_" + kind, window: 86_400) : nil
    }

    /// The rate-counter key of a recipient: a prefix of its keyed hash.
    package static func recipientKey(_ recipient: String, seal: PersonalDataSeal) -> String {
        "mail:" + seal.emailIndex(recipient).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a mail may be queued, given the counts after adding it.
    package static func mayQueue(recipientCount: Int, kindCount: Int?) -> Bool {
        recipientCount <= dailyLimitPerRecipient && (kindCount.map { $0 <= 1 } ?? true)
    }

    /// The lease a mail claimer keeps while it sends (``OutboxRepository/claim(now:limit:lease:claimer:)``);
    /// a claimer's name is at most 59 characters (the schema's CHECK).
    package static func livenessLease(of claimer: String) -> String { "mail:" + claimer }

    /// The SQL condition, on `mail_outbox`, of a claim that no longer holds
    /// (the same text on both backends; `:now` is bound by name on SQLite
    /// and written in as a number on PostgreSQL): none, past its time, or
    /// its claimer no longer alive.
    package static let claimLapsedSQL = """
        (claimed_until IS NULL OR claimed_until <= :now OR NOT EXISTS (
            SELECT 1 FROM lease WHERE lease.name = 'mail:' || mail_outbox.claimed_by AND lease.expires_at > :now))
        """

    /// The longest failure detail kept with an attempt.
    package static let maximumDetail = 500
}
