import Foundation
import IssuerStore
import PostgresNIO

/// ``SessionRepository`` on PostgreSQL: a session's holder and cards read
/// in one snapshot (a REPEATABLE READ transaction), staff sessions joined
/// to a member who is not disabled.
public struct PostgresSessionRepository: SessionRepository {
    let storage: PostgresStorage
    let seal: PersonalDataSeal

    public init(storage: PostgresStorage, kek: KeyEncryptionKey) {
        self.storage = storage
        seal = PersonalDataSeal(kek: kek)
    }

    public func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64, userAgent: String?) async throws {
        try await storage.transaction("cannot start the session") { connection in
            // Expired sessions are pruned as new ones arrive.
            try await connection.run("DELETE FROM session WHERE expires_at <= \(now)")
            try await connection.run("""
                INSERT INTO session (token_hash, holder_id, created_at, expires_at, user_agent)
                VALUES (\(Data(tokenHash)), \(holderID), \(now), \(expiresAt), \(userAgent))
                """)
        }
    }

    public func touchHolderSession(tokenHash: [UInt8], now: Int64) async throws {
        _ = try await storage.transaction("cannot note the session's use") { connection in
            try await connection.run("""
                UPDATE session SET last_seen_at = \(now) WHERE token_hash = \(Data(tokenHash)) AND (last_seen_at IS NULL OR last_seen_at < \(now))
                """)
        }
    }

    public func holderSessions(holderID: Int64, now: Int64) async throws -> [HolderSessionRecord] {
        try await storage.read("cannot list the sessions") { connection in
            var sessions: [HolderSessionRecord] = []
            for try await row in try await connection.query("""
                SELECT token_hash, created_at, last_seen_at, user_agent, expires_at FROM session
                WHERE holder_id = \(holderID) AND expires_at > \(now) ORDER BY created_at DESC, token_hash
                """, logger: PostgresConnection.quiet).decode((Data, Int64, Int64?, String?, Int64).self) {
                sessions.append(HolderSessionRecord(tokenHash: Array(row.0), createdAt: row.1, lastSeenAt: row.2, userAgent: row.3, expiresAt: row.4))
            }
            return sessions
        }
    }

    public func endHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64) async throws -> Bool {
        try await storage.transaction("cannot end the session") { connection in
            guard try await connection.run("DELETE FROM session WHERE token_hash = \(Data(tokenHash)) AND holder_id = \(holderID)") == 1 else { return false }
            try await Self.auditEnded(holderID: holderID, count: 1, now: now, connection)
            return true
        }
    }

    public func endOtherHolderSessions(holderID: Int64, keep: [UInt8], now: Int64) async throws -> Int {
        try await storage.transaction("cannot end the other sessions") { connection in
            let count = try await connection.run("DELETE FROM session WHERE holder_id = \(holderID) AND token_hash <> \(Data(keep))")
            if count > 0 { try await Self.auditEnded(holderID: holderID, count: count, now: now, connection) }
            return count
        }
    }

    static func auditEnded(holderID: Int64, count: Int, now: Int64, _ connection: PostgresConnection) async throws {
        let studentID = try await connection.value("SELECT student_id FROM holder WHERE id = \(holderID)", as: String.self) ?? String(holderID)
        try await connection.audit(at: now, actor: "holder:\(studentID)", action: "sessions_ended", subject: studentID, detail: "\(count) ended by the holder")
    }

    public func holderSession(tokenHash: [UInt8], now: Int64) async throws -> HolderSession? {
        let found = try await storage.transaction("cannot read the session", isolation: .repeatableRead) { connection -> (HolderRow, [CardRow], Int64, Int64?)? in
            guard let (holderID, expiresAt, lastSeenAt) = try await Self.session(tokenHash, now: now, connection) else { return nil }
            guard let holder = try await PostgresHolderRows.holder(where: "id", holderID, connection) else { return nil }
            let cards = try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE holder_id = \(holderID)
                """, logger: PostgresConnection.quiet))
            return (holder, cards, expiresAt, lastSeenAt)
        }
        guard let (row, cardRows, expiresAt, lastSeenAt) = found else { return nil }
        let cards = try cardRows.map { row throws(IssuerStoreError) in try row.card() }
        return HolderSession(holder: try row.holder(seal: seal), cards: HolderSession.preferred(cards), expiresAt: expiresAt, lastSeenAt: lastSeenAt)
    }

    static func session(_ tokenHash: [UInt8], now: Int64, _ connection: PostgresConnection) async throws -> (Int64, Int64, Int64?)? {
        for try await row in try await connection.query("""
            SELECT holder_id, expires_at, last_seen_at FROM session WHERE token_hash = \(Data(tokenHash)) AND expires_at > \(now)
            """, logger: PostgresConnection.quiet).decode((Int64, Int64, Int64?).self) { return row }
        return nil
    }

    public func endHolderSession(tokenHash: [UInt8]) async throws {
        _ = try await storage.transaction("cannot end the session") { connection in
            try await connection.run("DELETE FROM session WHERE token_hash = \(Data(tokenHash))")
        }
    }

    public func createStaffSession(name: String, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws {
        try await storage.transaction("cannot start the staff session") { connection in
            try await connection.run("DELETE FROM staff_session WHERE expires_at <= \(now)")
            try await connection.run("""
                INSERT INTO staff_session (token_hash, staff_name, created_at, expires_at) VALUES (\(Data(tokenHash)), \(name), \(now), \(expiresAt))
                """)
            try await connection.audit(at: now, actor: "staff:\(name)", action: "staff_login", subject: name, detail: "password and TOTP")
        }
    }

    public func staffSession(tokenHash: [UInt8], now: Int64) async throws -> StaffMember? {
        try await storage.read("cannot read the staff session") { connection in
            try await PostgresStaffRepository.members(try await connection.query("""
                SELECT staff.name, staff.display_name, staff.role, staff.totp_enrolled, staff.created_at, staff.disabled_at
                FROM staff_session JOIN staff ON staff.name = staff_session.staff_name
                WHERE staff_session.token_hash = \(Data(tokenHash)) AND staff_session.expires_at > \(now) AND staff.disabled_at IS NULL
                """, logger: PostgresConnection.quiet)).first
        }
    }

    public func endStaffSession(tokenHash: [UInt8]) async throws {
        _ = try await storage.transaction("cannot end the staff session") { connection in
            try await connection.run("DELETE FROM staff_session WHERE token_hash = \(Data(tokenHash))")
        }
    }
}
