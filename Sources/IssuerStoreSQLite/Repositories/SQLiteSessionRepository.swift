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

    public func createHolderSession(holderID: Int64, tokenHash: [UInt8], now: Int64, expiresAt: Int64) async throws {
        let accounts = accounts
        try await threads.write { try accounts.createSession(holderID: holderID, tokenHash: tokenHash, now: now, expiresAt: expiresAt) }
    }

    public func holderSession(tokenHash: [UInt8], now: Int64) async throws -> HolderSession? {
        let accounts = accounts
        return try await threads.read { try accounts.sessionContext(tokenHash: tokenHash, now: now) }
            .map { HolderSession(holder: $0.holder, cards: $0.cards, expiresAt: $0.expiresAt) }
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
