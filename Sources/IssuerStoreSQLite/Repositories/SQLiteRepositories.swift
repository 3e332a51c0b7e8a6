import IssuerStore

extension IssuerRepositories {
    /// Every repository on one SQLite database, their work on `threads`.
    public static func sqlite(database: AppDatabase, keyStore: KeyStore, kek: KeyEncryptionKey, lockouts: LoginLockouts.Limits,
                              threads: DatabaseThreads) -> IssuerRepositories {
        IssuerRepositories(
            loginGuard: SQLiteLoginGuard(database: database, limits: lockouts, kek: kek, threads: threads),
            sessions: SQLiteSessionRepository(database: database, kek: kek, threads: threads),
            holders: SQLiteHolderRepository(database: database, kek: kek, threads: threads),
            accounts: SQLiteAccountRepository(database: database, kek: kek, threads: threads),
            dataRequests: SQLiteDataRequestRepository(database: database, kek: kek, threads: threads),
            reminders: SQLiteCardReminderRepository(database: database, kek: kek, threads: threads),
            cards: SQLiteCardRepository(database: database, kek: kek, threads: threads),
            applications: SQLiteAccountApplicationRepository(database: database, kek: kek, threads: threads),
            keys: SQLiteKeyRepository(keyStore: keyStore, threads: threads),
            staff: SQLiteStaffRepository(database: database, kek: kek, threads: threads),
            outbox: SQLiteOutboxRepository(database: database, kek: kek, threads: threads),
            audit: SQLiteAuditRepository(database: database, threads: threads),
            merchants: SQLiteMerchantRepository(database: database, threads: threads),
            instances: SQLiteInstanceRepository(database: database, threads: threads),
            probe: SQLiteProbe(database: database, threads: threads))
    }
}

/// Readiness on SQLite: a `SELECT 1` on the database threads.
struct SQLiteProbe: StorageProbe {
    let database: AppDatabase
    let threads: DatabaseThreads

    func isReachable() async -> Bool {
        let database = database
        return (try? await threads.read { database.isReachable() }) == true
    }
}
