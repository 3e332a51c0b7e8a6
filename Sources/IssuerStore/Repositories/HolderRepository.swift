import AccountRules
import Foundation

/// The alumni accounts as the services see them, whatever holds them
/// (issue #26): finding a holder by any login, passwords and their
/// history, reset links, first-login codes, status, and the registrar's
/// import. Every method is one transaction and writes its own audit rows
/// and the mail it is handed; every backend passes
/// `HolderRepositoryConformanceTests`.
public protocol HolderRepository: Sendable {
    /// The keyed hash a login name is counted and logged under when it is
    /// not a known account's (the same on every backend with the same KEK).
    func loginKey(_ login: LoginName) -> String

    /// The holder a student ID, e-mail address or mobile number names.
    func holder(login: LoginName) async throws -> Holder?
    func holder(studentID: String) async throws -> Holder?
    /// Whether `candidate` is the holder's national ID (the first password), compared by its keyed hash.
    func nationalIDMatches(holderID: Int64, candidate: String) async throws -> Bool

    /// The last password hashes, newest first (``AccountStore/passwordHistoryDepth``).
    func recentPasswordHashes(holderID: Int64) async throws -> [String]
    /// A new password chosen by the holder: the history, the flags, every
    /// other session ended (all when `keepSession` is nil), `newSession`
    /// put in their place, other reset links spent, the audit row; with
    /// `consumeReset`, that link is spent first, and a link used meanwhile
    /// refuses the change (`tokenUnusable`: of two racing uses one wins).
    func changePassword(holderID: Int64, hash: String, keepSession: [UInt8]?, consumeReset: [UInt8]?,
                        newSession: (tokenHash: [UInt8], expiresAt: Int64)?, action: String, now: Int64) async throws
    /// A password set by the centre (the CLI), audited as `actor`.
    func setPasswordHash(studentID: String, hash: String, now: Int64, actor: String) async throws

    /// Stores a reset link's hash and queues its mail, unless the account
    /// already had `cap.limit` reset mails in `cap.scope`'s window; returns
    /// whether it did. The count is read and written in the transaction.
    func createPasswordReset(holderID: Int64, tokenHash: [UInt8], expiresAt: Int64, mail: OutgoingMail?, now: Int64,
                             cap: (scope: RateCounterScope, limit: Int)) async throws -> Bool
    /// The same kind of write as a reset, for a name with no account (review 2, #12).
    func recordResetForNoAccount(now: Int64) async throws
    /// The holder a live, unused reset link belongs to.
    func passwordReset(tokenHash: [UInt8], now: Int64) async throws -> Holder?

    /// Stores a first-login code's hash (replacing any) and queues its mail.
    func createFirstLoginCode(holderID: Int64, codeHash: [UInt8], expiresAt: Int64, mail: OutgoingMail, now: Int64) async throws
    func hasFirstLoginCode(holderID: Int64, now: Int64) async throws -> Bool
    /// Spends the code if it is `codeHash` (once; five wrong tries end it).
    func consumeFirstLoginCode(holderID: Int64, codeHash: [UInt8], now: Int64) async throws -> Bool

    /// Suspends or reactivates an account, audited.
    func setHolderStatus(studentID: String, status: HolderStatus, reason: String, now: Int64, actor: String) async throws
    /// The registrar's CSV, all or nothing (``RegistrarCSV``).
    func importRegistrar(_ data: Data, now: Int64, actor: String, dryRun: Bool, accountReady: AccountReadyMail?) async throws -> CardImportReport
    /// How many holders and cards there are.
    /// Adds or updates one holder and card outside an import (the demo
    /// alumnus, tests), by the import's rules.
    func upsert(_ row: RegistrarRow, now: Int64, actor: String) async throws -> CardImportReport
    func counts() async throws -> (holders: Int, cards: Int)
}
