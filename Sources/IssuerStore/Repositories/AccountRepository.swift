/// The holder's own account (alumni-api.md §10), whatever holds it: the
/// details, changes of contact data and of the e-mail address. Every
/// method is one transaction that writes its audit row (actor
/// `holder:<student ID>`) and the mail it is handed; every backend passes
/// `AccountRepositoryConformanceTests`.
public protocol AccountRepository: Sendable {
    /// What is held about the holder; nil when there is no such holder.
    func details(holderID: Int64) async throws -> AccountDetails?

    /// Applies `update` to the holder's row, read under a lock. A mobile
    /// number another holder has refuses the whole change
    /// (``IssuerStoreError/Code/invalidChange``, "mobile_unavailable").
    /// When contact data changed, `notice` (given the details before and
    /// the changed fields) is queued in the same transaction.
    func updateContact(holderID: Int64, _ update: ContactUpdate, now: Int64,
                       notice: @escaping @Sendable (AccountDetails, Set<ContactUpdate.Field>) -> [OutgoingMail]) async throws -> ContactChangeOutcome

    /// Replaces any pending change of address with one to `email`,
    /// confirmed by the code whose hash is given. Whether another account
    /// has the address is decided in the transaction and handed to `mails`
    /// (the caller mails the code, or tells that account's owner instead);
    /// when it has, no code completes the change.
    func startEmailChange(holderID: Int64, email: String, codeHash: [UInt8], expiresAt: Int64, now: Int64,
                          mails: @escaping @Sendable (_ addressTaken: Bool) -> [OutgoingMail]) async throws

    /// Completes the pending change if `codeHash` is its code: the new
    /// address signs in from then on, the old one no longer. Wrong codes
    /// are counted; the fifth voids the change. `notice` (old, new) is
    /// queued with the change.
    func confirmEmailChange(holderID: Int64, codeHash: [UInt8], now: Int64, maximumAttempts: Int,
                            notice: @escaping @Sendable (_ old: String?, _ new: String) -> [OutgoingMail]) async throws -> EmailChangeOutcome
}
