import AccountRules
import Foundation
import IssuerStore

/// ``HolderRepository`` on the SQLite database: the account store's calls
/// on the database threads.
public struct SQLiteHolderRepository: HolderRepository {
    let accounts: AccountStore
    let outbox: MailOutbox
    let counters: RateCounters
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        accounts = AccountStore(database: database, kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
        counters = RateCounters(database: database)
        self.threads = threads
    }

    public func loginKey(_ login: LoginName) -> String { accounts.loginKey(login) }

    public func holder(login: LoginName) async throws -> Holder? {
        let accounts = accounts
        return try await threads.read { try accounts.holder(login: login) }
    }

    public func holder(studentID: String) async throws -> Holder? {
        let accounts = accounts
        return try await threads.read { try accounts.holder(studentID: studentID) }
    }

    public func nationalIDMatches(holderID: Int64, candidate: String) async throws -> Bool {
        let accounts = accounts
        return try await threads.read { try accounts.nationalIDMatches(holderID: holderID, candidate: candidate) }
    }

    public func recentPasswordHashes(holderID: Int64) async throws -> [String] {
        let accounts = accounts
        return try await threads.read { try accounts.recentPasswordHashes(holderID: holderID) }
    }

    public func changePassword(holderID: Int64, hash: String, keepSession: [UInt8]?, consumeReset: [UInt8]?,
                               newSession: (tokenHash: [UInt8], expiresAt: Int64)?, action: String, now: Int64) async throws {
        let accounts = accounts
        try await threads.write {
            try accounts.changePassword(holderID: holderID, hash: hash, keepSession: keepSession, consumeReset: consumeReset,
                                        newSession: newSession, action: action, now: now)
        }
    }

    public func setPasswordHash(studentID: String, hash: String, now: Int64, actor: String) async throws {
        let accounts = accounts
        try await threads.write { try accounts.setPasswordHash(studentID: studentID, hash: hash, now: now, actor: actor) }
    }

    public func createPasswordReset(holderID: Int64, tokenHash: [UInt8], expiresAt: Int64, mail: OutgoingMail?, now: Int64,
                                    cap: (scope: RateCounters.Scope, limit: Int)) async throws -> Bool {
        let accounts = accounts, outbox = outbox, counters = counters, scope = cap.scope, limit = cap.limit
        return try await threads.write {
            try accounts.createPasswordReset(holderID: holderID, tokenHash: tokenHash, expiresAt: expiresAt, mail: mail, outbox: outbox, now: now,
                                             cap: (counters, scope, limit))
        }
    }

    public func recordResetForNoAccount(now: Int64) async throws {
        let accounts = accounts
        try await threads.write { try accounts.recordResetForNoAccount(now: now) }
    }

    public func passwordReset(tokenHash: [UInt8], now: Int64) async throws -> Holder? {
        let accounts = accounts
        return try await threads.read { try accounts.passwordReset(tokenHash: tokenHash, now: now) }
    }

    public func createFirstLoginCode(holderID: Int64, codeHash: [UInt8], expiresAt: Int64, mail: OutgoingMail, now: Int64) async throws {
        let accounts = accounts, outbox = outbox
        try await threads.write {
            try accounts.createFirstLoginCode(holderID: holderID, codeHash: codeHash, expiresAt: expiresAt, mail: mail, outbox: outbox, now: now)
        }
    }

    public func hasFirstLoginCode(holderID: Int64, now: Int64) async throws -> Bool {
        let accounts = accounts
        return try await threads.read { try accounts.hasFirstLoginCode(holderID: holderID, now: now) }
    }

    public func consumeFirstLoginCode(holderID: Int64, codeHash: [UInt8], now: Int64) async throws -> Bool {
        let accounts = accounts
        return try await threads.write { try accounts.consumeFirstLoginCode(holderID: holderID, codeHash: codeHash, now: now) }
    }

    public func setHolderStatus(studentID: String, status: HolderStatus, reason: String, now: Int64, actor: String) async throws {
        let accounts = accounts
        try await threads.write { try accounts.setHolderStatus(studentID: studentID, status: status, reason: reason, now: now, actor: actor) }
    }

    public func importRegistrar(_ data: Data, now: Int64, actor: String, dryRun: Bool, accountReady: AccountReadyMail?) async throws -> CardImportReport {
        let accounts = accounts
        return try await threads.write { try accounts.importCSV(data, now: now, actor: actor, dryRun: dryRun, accountReady: accountReady) }
    }

    public func upsert(_ row: RegistrarRow, now: Int64, actor: String) async throws -> CardImportReport {
        let accounts = accounts
        return try await threads.write { try accounts.upsert(row, now: now, actor: actor) }
    }

    public func counts() async throws -> (holders: Int, cards: Int) {
        let accounts = accounts
        let counted = try await threads.read { try accounts.counts() }
        return (counted.holders, counted.cards)
    }
}
