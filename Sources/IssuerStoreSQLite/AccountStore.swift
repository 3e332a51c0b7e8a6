import IssuerStore
import AccountRules
import CardToken
import Crypto
import Foundation
import GRDB

/// Holders, their cards and their sessions. Personal fields are sealed on
/// the way in and unsealed on the way out; every administrative change is
/// one transaction with its audit row.
public struct AccountStore: Sendable {
    public let database: AppDatabase
    let seal: PersonalDataSeal
    /// Where the mails an import or a card issue makes are queued, in their transaction.
    let outbox: MailOutbox

    public init(database: AppDatabase, kek: KeyEncryptionKey) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
        outbox = MailOutbox(database: database, kek: kek)
    }

    // MARK: - Holders

    /// The holder whose student ID (in any case), e-mail address or mobile
    /// number is `login`.
    /// The key a login name's failures are counted under, and the name
    /// the log gives it: `name:` and 32 hex digits of its keyed hash.
    public func loginKey(_ login: LoginName) -> String { seal.loginKey(login) }

    public func holder(login: LoginName) throws(IssuerStoreError) -> Holder? {
        let index = seal.emailIndex(login.text)
        let mobileIndex = login.mobile.map { seal.mobileIndex($0) }
        let record = try database.read { db -> HolderRow? in
            if let mobileIndex, let found = try HolderRow.filter(Column("mobile_index") == mobileIndex).fetchOne(db) { return found }
            return try HolderRow.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = ? COLLATE NOCASE", arguments: [login.text])
                ?? HolderRow.filter(Column("email_index") == index).fetchOne(db)
        }
        return try record.map(holder)
    }

    /// Whether `candidate` is the holder's national ID (compared through
    /// the keyed hash: the stored number is never unsealed to log in).
    public func nationalIDMatches(holderID: Int64, candidate: String) throws(IssuerStoreError) -> Bool {
        guard let number = try? IdentityNumber(candidate) else { return false }
        let index = seal.nationalIDIndex(number)
        let stored = try database.read { db in try Data.fetchOne(db, sql: "SELECT national_id_index FROM holder WHERE id = ?", arguments: [holderID]) }
        guard let stored, stored.count == index.count else { return false }
        return zip(stored, index).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public func holder(studentID: String) throws(IssuerStoreError) -> Holder? {
        try database.read { db in try HolderRow.filter(Column("student_id") == studentID).fetchOne(db) }.map(holder)
    }

    /// Sets a holder's password hash (the caller hashes; the store never
    /// sees a password) and ends their sessions.
    public func setPasswordHash(studentID: String, hash: String, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard var record = try HolderRow.filter(Column("student_id") == studentID).fetchOne(db) else {
                throw IssuerStoreError(.notFound, "there is no holder with student ID \(studentID)")
            }
            record.passwordHash = hash
            record.updatedAt = now
            try record.update(db)
            try SessionRecord.filter(Column("holder_id") == record.id).deleteAll(db)
            try AuditEvent(at: now, actor: actor, action: "password_set", subject: studentID, detail: "").insert(db)
        }
    }

    /// Suspends or reinstates a holder's account. Suspending ends their sessions.
    public func setHolderStatus(studentID: String, status: HolderStatus, reason: String, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard var record = try HolderRow.filter(Column("student_id") == studentID).fetchOne(db) else {
                throw IssuerStoreError(.notFound, "there is no holder with student ID \(studentID)")
            }
            record.status = status.rawValue
            record.updatedAt = now
            try record.update(db)
            if status == .suspended {
                try SessionRecord.filter(Column("holder_id") == record.id).deleteAll(db)
            }
            try AuditEvent(at: now, actor: actor, action: "holder_\(status.rawValue)", subject: studentID, detail: reason).insert(db)
        }
    }

    /// Adds or updates one holder and card outside an import (the demo
    /// alumnus, tests).
    @discardableResult
    public func upsert(_ row: RegistrarRow, now: Int64, actor: String) throws(IssuerStoreError) -> CardImportReport {
        try importRows([row], now: now, actor: actor, dryRun: false)
    }

    // MARK: - Cards

    public func card(number: String) throws(IssuerStoreError) -> Card? {
        try database.read { db in try CardRow.fetchOne(db, key: number) }.map { record throws(IssuerStoreError) in try record.card() }
    }

    /// Suspends, revokes or reinstates a card. A revoked card stays
    /// revoked: issue a new card instead. Forgets the card's stored tokens,
    /// so no further request is answered with one.
    @discardableResult
    public func setCardStatus(number: String, status: CardStatus, reason: String, now: Int64, actor: String) throws(IssuerStoreError) -> Card {
        try database.write { db in
            guard var record = try CardRow.fetchOne(db, key: number) else {
                throw IssuerStoreError(.notFound, "there is no card \(number)")
            }
            if record.status == CardStatus.revoked.rawValue && status != .revoked {
                throw IssuerStoreError(.invalidChange, "card \(number) is revoked, and a revoked card is never reinstated; issue a new card number instead")
            }
            let before = record.status
            record.status = status.rawValue
            record.statusReason = reason
            record.updatedAt = now
            try record.update(db)
            let action = status == .active ? "card_reinstated" : "card_\(status.rawValue)"
            try AuditEvent(at: now, actor: actor, action: action, subject: number, detail: "\(before) → \(status.rawValue): \(reason)").insert(db)
            return try record.card()
        }
    }

    /// Cards whose last tokens may still be live although the card was
    /// suspended or revoked: withdrawn at or after `since` (tokens handed
    /// out one or two at a time), or handed tokens ahead that live past
    /// `liveAfter`. The key set lists them (`revoked_cards`), so offline
    /// verifiers refuse those tokens before they expire.
    public func withdrawnCards(since: Int64, liveAfter: Int64) throws(IssuerStoreError) -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT number FROM card WHERE status IN ('suspended', 'revoked') AND (updated_at >= ? OR tokens_live_until > ?)
                ORDER BY number
                """, arguments: [since, liveAfter])
        }
    }

    // MARK: - Sessions

    /// Stores a new session under the SHA-256 of its bearer token.
    public func createSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64, userAgent: String? = nil) throws(IssuerStoreError) {
        try database.write { db in
            // Expired sessions are pruned as new ones arrive.
            try SessionRecord.filter(Column("expires_at") <= now).deleteAll(db)
            try SessionRecord(tokenHash: Data(tokenHash), holderID: holderID, createdAt: now, expiresAt: expiresAt, userAgent: userAgent).insert(db)
        }
    }

    /// The holder of a live session, and when it ends.
    public func session(tokenHash: [UInt8], now: Int64) throws(IssuerStoreError) -> (holderID: Int64, expiresAt: Int64)? {
        let record = try database.read { db in try SessionRecord.fetchOne(db, key: Data(tokenHash)) }
        guard let record, record.expiresAt > now else { return nil }
        return (record.holderID, record.expiresAt)
    }

    /// A live session's holder and their cards (active first), read in one
    /// transaction: what every request of the alumni app needs.
    public func sessionContext(tokenHash: [UInt8], now: Int64) throws(IssuerStoreError) -> HolderSession? {
        let found = try database.read { db -> (HolderRow, [CardRow], SessionRecord)? in
            guard let session = try SessionRecord.fetchOne(db, key: Data(tokenHash)), session.expiresAt > now,
                  let holder = try HolderRow.fetchOne(db, key: session.holderID) else { return nil }
            return (holder, try CardRow.filter(Column("holder_id") == session.holderID).fetchAll(db), session)
        }
        guard let (record, cardRecords, session) = found else { return nil }
        let cards = try cardRecords.map { record throws(IssuerStoreError) in try record.card() }
        return HolderSession(holder: try holder(record), cards: Self.preferred(cards), expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt)
    }

    /// Active cards first, then by latest valid-through.
    static func preferred(_ cards: [Card]) -> [Card] { HolderSession.preferred(cards) }

    /// Ends a session; ending one that does not exist is not an error.
    public func deleteSession(tokenHash: [UInt8]) throws(IssuerStoreError) {
        _ = try database.write { db in try SessionRecord.deleteOne(db, key: Data(tokenHash)) }
    }

    // MARK: - Tokens handed out ahead

    /// Notes that tokens of `card` living until `until` were handed out
    /// (before they are), so a withdrawal keeps the card in `revoked_cards`
    /// that long. Only ever moves forward.
    public func noteTokensHandedOut(card: String, until: Int64) throws(IssuerStoreError) {
        try database.write { db in
            try db.execute(sql: "UPDATE card SET tokens_live_until = ? WHERE number = ? AND tokens_live_until < ?",
                           arguments: [until, card, until])
        }
    }

    // MARK: - Counts

    /// How many holders and cards there are (for status output).
    public func counts() throws(IssuerStoreError) -> (holders: Int, cards: Int) {
        try database.read { db in (try HolderRow.fetchCount(db), try CardRow.fetchCount(db)) }
    }

    // MARK: - Internals

    func holder(_ record: HolderRow) throws(IssuerStoreError) -> Holder {
        try record.holder(seal: seal)
    }
}
