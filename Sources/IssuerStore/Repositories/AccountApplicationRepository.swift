import AccountRules

/// Account applications as the services see them, whatever holds them
/// (issue #26): submission (deciding once whether the national ID is
/// already known), the applicant's status link and answer, the staff's
/// queue, reads and decisions, and retention. Every method is one
/// transaction and writes its own audit rows and the mails it composes
/// from what it read; every backend passes
/// `AccountApplicationRepositoryConformanceTests`, racing decisions included.
public protocol AccountApplicationRepository: Sendable {
    /// The keyed hash a national ID is counted under (the same on every backend with the same KEK).
    func nationalIDKey(_ number: IdentityNumber) -> String
    /// Applications still pending or waiting for an answer.
    func openApplications() async throws -> Int
    /// Stores a new application with its documents' records; `mails` is
    /// composed from what the transaction found about the national ID.
    func submit(_ submission: ApplicationSubmission, mails: @escaping @Sendable (IdentityFacts) -> [OutgoingMail],
                now: Int64) async throws
    /// What the status link shows, while the link works.
    func status(tokenHash: [UInt8], decidedSince: Int64) async throws -> ApplicationPublicStatus?
    /// The applicant's answer to a request for more; returns the documents it replaced.
    func answer(tokenHash: [UInt8], reply: String, documents: [StoredDocument], reviewDue: Int, now: Int64) async throws -> [StoredDocument]

    /// One page of the review queue, audited as `actor`.
    func queue(statuses: [ApplicationStatus], after: ApplicationQueueCursor?, limit: Int, actor: String, now: Int64) async throws
        -> ApplicationQueuePage
    /// One application as staff read it, audited.
    func application(id: String, actor: String, now: Int64) async throws -> AccountApplication
    /// A document's record for reading, audited.
    func documentForReading(id: String, kind: DocumentKind, actor: String, now: Int64) async throws -> StoredDocument
    /// The national ID in clear, audited.
    func revealNationalID(id: String, actor: String, now: Int64) async throws -> String
    /// Approves or rejects with the mails composed from the application and
    /// the account it opened; of two racing decisions one wins
    /// (`alreadyDecided`). Returns the application as it was.
    func decide(id: String, decision: ApplicationDecision,
                mails: @escaping @Sendable (AccountApplication, OpenedAccount?) -> [OutgoingMail],
                actor: String, now: Int64) async throws -> AccountApplication
    /// Asks the applicant for more: `needs_info`, the review clock stopped, the mail queued.
    func requestInfo(id: String, message: String, infoTokenHash: [UInt8], workingDaysLeft: @escaping @Sendable (Int?) -> Int,
                     mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?, actor: String, now: Int64) async throws

    /// Closes requests for more left unanswered since before `requestedBefore`, each mailed; returns how many.
    func closeUnanswered(requestedBefore: Int64, reason: String, mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?,
                         now: Int64) async throws -> Int
    /// Erases rejected applications decided before `decidedBefore` whose documents are gone; returns how many.
    func eraseRejected(decidedBefore: Int64, now: Int64) async throws -> Int
    /// Seals staff texts an older version stored in clear; returns how many rows.
    func sealClearStaffTexts() async throws -> Int
    /// Decided applications whose documents are past their retention.
    func documentsPastRetention(decidedBefore: Int64) async throws -> [(id: String, documents: [StoredDocument])]
    func markDocumentsDeleted(id: String, now: Int64) async throws
    /// The file names every application refers to (for clearing orphans).
    func knownDocumentFiles() async throws -> Set<String>
    /// How many applications there are.
    func count() async throws -> Int
}
