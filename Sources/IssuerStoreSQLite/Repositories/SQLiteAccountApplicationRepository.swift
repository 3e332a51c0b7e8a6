import AccountRules
import IssuerStore

/// ``AccountApplicationRepository`` on the SQLite database: the
/// application store's calls on the database threads.
public struct SQLiteAccountApplicationRepository: AccountApplicationRepository {
    let store: ApplicationStore
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        store = ApplicationStore(database: database, kek: kek)
        self.threads = threads
    }

    public func nationalIDKey(_ number: IdentityNumber) -> String { store.nationalIDKey(number) }

    public func openApplications() async throws -> Int {
        let store = store
        return try await threads.read { try store.openApplications() }
    }

    public func submit(_ submission: ApplicationSubmission, mails: @escaping @Sendable (IdentityFacts) -> [OutgoingMail],
                       now: Int64) async throws {
        let store = store
        // On the writer thread, so no other write comes between the read of the facts and the submission.
        try await threads.write {
            let facts = try store.identityFacts(submission.nationalID)
            try store.submit(submission, mails: mails(facts), now: now)
        }
    }

    public func status(tokenHash: [UInt8], decidedSince: Int64) async throws -> ApplicationPublicStatus? {
        let store = store
        return try await threads.read { try store.status(tokenHash: tokenHash, decidedSince: decidedSince) }
    }

    public func answer(tokenHash: [UInt8], reply: String, documents: [StoredDocument], reviewDue: Int, now: Int64) async throws -> [StoredDocument] {
        let store = store
        return try await threads.write { try store.answer(tokenHash: tokenHash, reply: reply, documents: documents, reviewDue: reviewDue, now: now) }
    }

    public func queue(statuses: [ApplicationStatus], after: ApplicationQueueCursor?, limit: Int, actor: String, now: Int64) async throws
        -> ApplicationQueuePage {
        let store = store
        return try await threads.write { try store.queue(statuses: statuses, after: after, limit: limit, actor: actor, now: now) }
    }

    public func application(id: String, actor: String, now: Int64) async throws -> AccountApplication {
        let store = store
        return try await threads.write { try store.application(id: id, actor: actor, now: now) }
    }

    public func documentForReading(id: String, kind: DocumentKind, actor: String, now: Int64) async throws -> StoredDocument {
        let store = store
        return try await threads.write { try store.documentForReading(id: id, kind: kind, actor: actor, now: now) }
    }

    public func revealNationalID(id: String, actor: String, now: Int64) async throws -> String {
        let store = store
        return try await threads.write { try store.revealNationalID(id: id, actor: actor, now: now) }
    }

    public func decide(id: String, decision: ApplicationDecision,
                       mails: @escaping @Sendable (AccountApplication, OpenedAccount?) -> [OutgoingMail],
                       actor: String, now: Int64) async throws -> AccountApplication {
        let store = store
        return try await threads.write { try store.decide(id: id, decision: decision, mails: mails, actor: actor, now: now) }
    }

    public func requestInfo(id: String, message: String, infoTokenHash: [UInt8], workingDaysLeft: @escaping @Sendable (Int?) -> Int,
                            mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?, actor: String, now: Int64) async throws {
        let store = store
        try await threads.write {
            try store.requestInfo(id: id, message: message, infoTokenHash: infoTokenHash, workingDaysLeft: workingDaysLeft, mail: mail, actor: actor, now: now)
        }
    }

    public func closeUnanswered(requestedBefore: Int64, reason: String, mail: @escaping @Sendable (AccountApplication) -> OutgoingMail?,
                                now: Int64) async throws -> Int {
        let store = store
        return try await threads.write { try store.closeUnanswered(requestedBefore: requestedBefore, reason: reason, mail: mail, now: now) }
    }

    public func eraseRejected(decidedBefore: Int64, now: Int64) async throws -> Int {
        let store = store
        return try await threads.write { try store.eraseRejected(decidedBefore: decidedBefore, now: now) }
    }

    public func sealClearStaffTexts() async throws -> Int {
        let store = store
        return try await threads.write { try store.sealClearStaffTexts() }
    }

    public func documentsPastRetention(decidedBefore: Int64) async throws -> [(id: String, documents: [StoredDocument])] {
        let store = store
        return try await threads.read { try store.documentsPastRetention(decidedBefore: decidedBefore) }
    }

    public func markDocumentsDeleted(id: String, now: Int64) async throws {
        let store = store
        try await threads.write { try store.markDocumentsDeleted(id: id, now: now) }
    }

    public func knownDocumentFiles() async throws -> Set<String> {
        let store = store
        return try await threads.read { try store.knownDocumentFiles() }
    }

    public func count() async throws -> Int {
        let store = store
        return try await threads.read { try store.count() }
    }
}
