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

    public func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws {
        try await storage.transaction("cannot start the session") { connection in
            // Expired sessions are pruned as new ones arrive.
            try await connection.run("DELETE FROM session WHERE expires_at <= \(now)")
            try await connection.run("""
                INSERT INTO session (token_hash, holder_id, created_at, expires_at) VALUES (\(Data(tokenHash)), \(holderID), \(now), \(expiresAt))
                """)
        }
    }

    public func holderSession(tokenHash: [UInt8], now: Int64) async throws -> HolderSession? {
        let found = try await storage.transaction("cannot read the session", isolation: .repeatableRead) { connection -> (HolderRow, [CardRow], Int64)? in
            guard let (holderID, expiresAt) = try await Self.session(tokenHash, now: now, connection) else { return nil }
            guard let holder = try await PostgresHolderRows.holder(where: "id", holderID, connection) else { return nil }
            let cards = try await PostgresHolderRows.cards(try await connection.query("""
                SELECT \(unescaped: PostgresHolderRows.cardColumns) FROM card WHERE holder_id = \(holderID)
                """, logger: PostgresConnection.quiet))
            return (holder, cards, expiresAt)
        }
        guard let (row, cardRows, expiresAt) = found else { return nil }
        let cards = try cardRows.map { row throws(IssuerStoreError) in try row.card() }
        return HolderSession(holder: try row.holder(seal: seal), cards: HolderSession.preferred(cards), expiresAt: expiresAt)
    }

    static func session(_ tokenHash: [UInt8], now: Int64, _ connection: PostgresConnection) async throws -> (Int64, Int64)? {
        for try await row in try await connection.query("""
            SELECT holder_id, expires_at FROM session WHERE token_hash = \(Data(tokenHash)) AND expires_at > \(now)
            """, logger: PostgresConnection.quiet).decode((Int64, Int64).self) { return row }
        return nil
    }

    public func endHolderSession(tokenHash: [UInt8]) async throws {
        try await storage.transaction("cannot end the session") { connection in
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
        try await storage.transaction("cannot end the staff session") { connection in
            try await connection.run("DELETE FROM staff_session WHERE token_hash = \(Data(tokenHash))")
        }
    }
}
