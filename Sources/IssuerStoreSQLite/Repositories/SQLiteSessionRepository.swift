import Foundation
import GRDB
import IssuerStore

/// ``SessionRepository`` on the SQLite database, on the database threads.
public struct SQLiteSessionRepository: SessionRepository {
    let accounts: AccountStore
    let staff: StaffStore
    let threads: DatabaseThreads

    public init(database: AppDatabase, kek: KeyEncryptionKey, threads: DatabaseThreads) {
        accounts = AccountStore(database: database, kek: kek)
        staff = StaffStore(database: database, kek: kek)
        self.threads = threads
    }

    public func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64, userAgent: String?) async throws {
        let accounts = accounts
        try await threads.write { try accounts.createSession(holderID: holderID, tokenHash: tokenHash, now: now, expiresAt: expiresAt, userAgent: userAgent) }
    }

    public func holderSession(tokenHash: [UInt8], now: Int64) async throws -> HolderSession? {
        let accounts = accounts
        return try await threads.read { try accounts.sessionContext(tokenHash: tokenHash, now: now) }
    }

    public func touchHolderSession(tokenHash: [UInt8], now: Int64) async throws {
        let database = accounts.database
        try await threads.write {
            try database.write { db in
                try db.execute(sql: "UPDATE session SET last_seen_at = ? WHERE token_hash = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
                               arguments: [now, Data(tokenHash), now])
            }
        }
    }

    public func holderSessions(holderID: Int64, now: Int64) async throws -> [HolderSessionRecord] {
        let database = accounts.database
        return try await threads.read {
            try database.read { db in
                try SessionRecord.fetchAll(db, sql: """
                    SELECT * FROM session WHERE holder_id = ? AND expires_at > ? ORDER BY created_at DESC, token_hash
                    """, arguments: [holderID, now])
            }.map { HolderSessionRecord(tokenHash: Array($0.tokenHash), createdAt: $0.createdAt, lastSeenAt: $0.lastSeenAt, userAgent: $0.userAgent,
                                        expiresAt: $0.expiresAt) }
        }
    }

    public func endHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64) async throws -> Bool {
        let database = accounts.database
        return try await threads.write {
            try database.write { db in
                try db.execute(sql: "DELETE FROM session WHERE token_hash = ? AND holder_id = ?", arguments: [Data(tokenHash), holderID])
                guard db.changesCount == 1 else { return false }
                try Self.auditEnded(holderID: holderID, count: 1, now: now, db)
                return true
            }
        }
    }

    public func endOtherHolderSessions(holderID: Int64, keep: [UInt8], now: Int64) async throws -> Int {
        let database = accounts.database
        return try await threads.write {
            try database.write { db in
                try db.execute(sql: "DELETE FROM session WHERE holder_id = ? AND token_hash <> ?", arguments: [holderID, Data(keep)])
                let count = db.changesCount
                if count > 0 { try Self.auditEnded(holderID: holderID, count: count, now: now, db) }
                return count
            }
        }
    }

    static func auditEnded(holderID: Int64, count: Int, now: Int64, _ db: Database) throws {
        let studentID = try String.fetchOne(db, sql: "SELECT student_id FROM holder WHERE id = ?", arguments: [holderID]) ?? String(holderID)
        try AuditEvent(at: now, actor: "holder:\(studentID)", action: "sessions_ended", subject: studentID, detail: "\(count) ended by the holder").insert(db)
    }

    public func endHolderSession(tokenHash: [UInt8]) async throws {
        let accounts = accounts
        try await threads.write { try accounts.deleteSession(tokenHash: tokenHash) }
    }

    public func createStaffSession(name: String, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws {
        let staff = staff
        try await threads.write { try staff.createSession(name: name, tokenHash: tokenHash, now: now, expiresAt: expiresAt) }
    }

    public func staffSession(tokenHash: [UInt8], now: Int64) async throws -> StaffMember? {
        let staff = staff
        return try await threads.read { try staff.session(tokenHash: tokenHash, now: now) }
    }

    public func endStaffSession(tokenHash: [UInt8]) async throws {
        let staff = staff
        try await threads.write { try staff.deleteSession(tokenHash: tokenHash) }
    }
}
