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

    public init(database: AppDatabase, kek: KeyEncryptionKey) {
        self.database = database
        seal = PersonalDataSeal(kek: kek)
    }

    // MARK: - Holders

    /// The holder whose student ID (in any case), e-mail address or mobile
    /// number is `login`.
    public func holder(login: LoginName) throws(IssuerStoreError) -> Holder? {
        let index = seal.emailIndex(login.text)
        let mobileIndex = login.mobile.map { seal.mobileIndex($0) }
        let record = try database.read { db -> HolderRecord? in
            if let mobileIndex, let found = try HolderRecord.filter(Column("mobile_index") == mobileIndex).fetchOne(db) { return found }
            return try HolderRecord.fetchOne(db, sql: "SELECT * FROM holder WHERE student_id = ? COLLATE NOCASE", arguments: [login.text])
                ?? HolderRecord.filter(Column("email_index") == index).fetchOne(db)
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
        try database.read { db in try HolderRecord.filter(Column("student_id") == studentID).fetchOne(db) }.map(holder)
    }

    /// Sets a holder's password hash (the caller hashes; the store never
    /// sees a password) and ends their sessions.
    public func setPasswordHash(studentID: String, hash: String, now: Int64, actor: String) throws(IssuerStoreError) {
        try database.write { db in
            guard var record = try HolderRecord.filter(Column("student_id") == studentID).fetchOne(db) else {
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
            guard var record = try HolderRecord.filter(Column("student_id") == studentID).fetchOne(db) else {
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
        try database.read { db in try CardRecord.fetchOne(db, key: number) }.map { record throws(IssuerStoreError) in try record.card() }
    }

    /// Suspends, revokes or reinstates a card. A revoked card stays
    /// revoked: issue a new card instead. Forgets the card's stored tokens,
    /// so no further request is answered with one.
    @discardableResult
    public func setCardStatus(number: String, status: CardStatus, reason: String, now: Int64, actor: String) throws(IssuerStoreError) -> Card {
        try database.write { db in
            guard var record = try CardRecord.fetchOne(db, key: number) else {
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
            try IssuedTokenRecord.filter(Column("card_number") == number).deleteAll(db)
            let action = status == .active ? "card_reinstated" : "card_\(status.rawValue)"
            try AuditEvent(at: now, actor: actor, action: action, subject: number, detail: "\(before) → \(status.rawValue): \(reason)").insert(db)
            return try record.card()
        }
    }

    /// Cards suspended or revoked at or after `since`: their last tokens
    /// may still be live, so the key set lists them (`revoked_cards`) and
    /// offline verifiers refuse those tokens before they expire.
    public func withdrawnCards(since: Int64) throws(IssuerStoreError) -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT number FROM card WHERE status IN ('suspended', 'revoked') AND updated_at >= ? ORDER BY number",
                                arguments: [since])
        }
    }

    // MARK: - Sessions

    /// Stores a new session under the SHA-256 of its bearer token.
    public func createSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64) throws(IssuerStoreError) {
        try database.write { db in
            // Expired sessions are pruned as new ones arrive.
            try SessionRecord.filter(Column("expires_at") <= now).deleteAll(db)
            try SessionRecord(tokenHash: Data(tokenHash), holderID: holderID, createdAt: now, expiresAt: expiresAt).insert(db)
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
    public func sessionContext(tokenHash: [UInt8], now: Int64) throws(IssuerStoreError) -> (holder: Holder, cards: [Card], expiresAt: Int64)? {
        let found = try database.read { db -> (HolderRecord, [CardRecord], Int64)? in
            guard let session = try SessionRecord.fetchOne(db, key: Data(tokenHash)), session.expiresAt > now,
                  let holder = try HolderRecord.fetchOne(db, key: session.holderID) else { return nil }
            return (holder, try CardRecord.filter(Column("holder_id") == session.holderID).fetchAll(db), session.expiresAt)
        }
        guard let (record, cardRecords, expiresAt) = found else { return nil }
        let cards = try cardRecords.map { record throws(IssuerStoreError) in try record.card() }
        return (try holder(record), Self.preferred(cards), expiresAt)
    }

    /// Active cards first, then by latest valid-through.
    static func preferred(_ cards: [Card]) -> [Card] {
        cards.sorted { a, b in
            if (a.status == .active) != (b.status == .active) { return a.status == .active }
            if a.validThrough != b.validThrough { return a.validThrough > b.validThrough }
            return a.number < b.number
        }
    }

    /// Ends a session; ending one that does not exist is not an error.
    public func deleteSession(tokenHash: [UInt8]) throws(IssuerStoreError) {
        _ = try database.write { db in try SessionRecord.deleteOne(db, key: Data(tokenHash)) }
    }

    // MARK: - Tokens per refresh window

    /// The token kept for `card` in the window starting at `windowStart`.
    public func storedToken(card: String, windowStart: Int64) throws(IssuerStoreError) -> StoredCardToken? {
        try database.read { db in
            try IssuedTokenRecord.fetchOne(db, key: ["card_number": card, "window_start": windowStart])?.stored
        }
    }

    /// Keeps `token` unless another request kept one for the same card and
    /// window first; returns the one kept, so racing requests agree.
    public func keep(_ token: StoredCardToken, pruneBefore: Int64) throws(IssuerStoreError) -> StoredCardToken {
        try database.write { db in
            // A row kept under a key revoked since (by an instance that had
            // not seen the revocation yet) gives way to the new token.
            try db.execute(sql: """
                DELETE FROM issued_token WHERE card_number = ? AND window_start = ?
                    AND kid IN (SELECT kid FROM signing_key WHERE state = 'revoked')
                """, arguments: [token.cardNumber, token.windowStart])
            try db.execute(sql: """
                INSERT OR IGNORE INTO issued_token (card_number, window_start, token, kid, issued_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [token.cardNumber, token.windowStart, token.token, token.kid, token.issuedAt, token.expiresAt])
            try IssuedTokenRecord.filter(Column("expires_at") < pruneBefore).deleteAll(db)
            return try IssuedTokenRecord.fetchOne(db, key: ["card_number": token.cardNumber, "window_start": token.windowStart])?.stored ?? token
        }
    }

    // MARK: - Counts

    /// How many holders and cards there are (for status output).
    public func counts() throws(IssuerStoreError) -> (holders: Int, cards: Int) {
        try database.read { db in (try HolderRecord.fetchCount(db), try CardRecord.fetchCount(db)) }
    }

    // MARK: - Internals

    func holder(_ record: HolderRecord) throws(IssuerStoreError) -> Holder {
        guard let id = record.id, let status = HolderStatus(rawValue: record.status) else {
            throw IssuerStoreError(.corruptRecord, "the stored holder \(record.studentID) has no id or an unknown status")
        }
        return Holder(
            id: id, studentID: record.studentID,
            displayName: try seal.open(record.sealedName, field: "name", studentID: record.studentID),
            email: try record.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: record.studentID) },
            status: status, passwordHash: record.passwordHash,
            mobile: try record.sealedMobile.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "mobile", studentID: record.studentID) },
            diplomaDate: record.diplomaDate.flatMap { $0 >= 0 ? try? CardDate(yyyymmdd: UInt64($0)) : nil },
            hasNationalID: record.nationalIDIndex != nil,
            passwordChangeRequired: record.passwordChangeRequired
        )
    }

    /// SHA-256, as bearer tokens are stored.
    public static func tokenHash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }
}
