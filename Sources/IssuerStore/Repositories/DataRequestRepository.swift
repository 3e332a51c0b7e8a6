/// Requests under the Personal Data Protection Act (alumni-api.md §10),
/// whatever holds them: filed by the holder, decided by staff, and the
/// copy's contents. Every method is one transaction with its audit rows
/// and the mail it is handed; every backend passes
/// `DataRequestRepositoryConformanceTests`.
public protocol DataRequestRepository: Sendable {
    /// Files a request; a copy is completed at once (`exportUntil` set).
    /// `mails` is given the request and the holder's address and name on file.
    func file(holderID: Int64, kind: DataRequestKind, details: String?, due: Int, exportUntil: Int64?, now: Int64,
              mails: @escaping @Sendable (DataRequest, _ recipient: MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest

    /// The holder's requests, newest first.
    func requests(holderID: Int64) async throws -> [DataRequest]
    func request(id: String) async throws -> DataRequest?

    /// Staff's queue: requests in `status`, the overdue first (by `today`,
    /// `YYYYMMDD`), then by due date, then by receipt; at most `limit`.
    func queue(status: DataRequestStatus, today: Int, limit: Int) async throws -> [DataRequest]
    /// Open requests past their due date.
    func overdueCount(today: Int) async throws -> Int

    /// Moves an open request's due date to `newDue`, once, with the reason
    /// mailed. `alreadyDecided` when it is decided; `invalidChange` when it
    /// was extended before.
    func extend(id: String, reason: String, newDue: Int, actor: String, now: Int64,
                mails: @escaping @Sendable (DataRequest, _ recipient: MailRecipient?) -> [OutgoingMail]) async throws -> DataRequest

    /// Completes or refuses an open request (`alreadyDecided` the second
    /// time). Completing a deletion closes the account in the same
    /// transaction: sessions end, cards are revoked, and name, contact
    /// data, addresses, birth date, national ID, password hashes and the
    /// applications with their documents' records are erased; the caller
    /// removes the returned files. The mail is composed before anything is erased.
    func decide(id: String, decision: DataRequestDecision, actor: String, now: Int64,
                mails: @escaping @Sendable (DataRequest, _ recipient: MailRecipient?) -> [OutgoingMail]) async throws -> (request: DataRequest, closure: AccountClosure?)

    /// Everything held about the holder, for a copy; nil when there is no such holder.
    func personalData(holderID: Int64) async throws -> PersonalDataRecord?
    /// Audits a download of a copy by its holder.
    func noteExport(id: String, studentID: String, now: Int64) async throws
}
