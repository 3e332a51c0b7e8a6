import CardKeys
import IssuerStore
import PostgresNIO

extension IssuerRepositories {
    /// Every repository on one PostgreSQL database, through `storage`'s pool
    /// (which must be running as a service, and migrated first).
    public static func postgres(storage: PostgresStorage, kek: KeyEncryptionKey, lockouts: LockoutRules.Limits,
                                policy: RotationPolicy = .default) -> IssuerRepositories {
        IssuerRepositories(
            loginGuard: PostgresLoginGuard(storage: storage, limits: lockouts, kek: kek),
            sessions: PostgresSessionRepository(storage: storage, kek: kek),
            holders: PostgresHolderRepository(storage: storage, kek: kek),
            accounts: PostgresAccountRepository(storage: storage, kek: kek),
            dataRequests: PostgresDataRequestRepository(storage: storage, kek: kek),
            reminders: PostgresCardReminderRepository(storage: storage, kek: kek),
            cards: PostgresCardRepository(storage: storage, kek: kek),
            applications: PostgresAccountApplicationRepository(storage: storage, kek: kek),
            keys: PostgresKeyRepository(storage: storage, kek: kek, policy: policy),
            staff: PostgresStaffRepository(storage: storage, kek: kek),
            outbox: PostgresOutboxRepository(storage: storage, kek: kek),
            audit: PostgresAuditRepository(storage: storage),
            merchants: PostgresMerchantRepository(storage: storage),
            instances: PostgresInstanceRepository(storage: storage),
            probe: PostgresProbe(storage: storage))
    }
}

/// Readiness on PostgreSQL: a `SELECT 1` through the pool, given up
/// after `timeout` (a pool that cannot connect keeps retrying; a probe
/// must answer while it does).
struct PostgresProbe: StorageProbe {
    let storage: PostgresStorage
    var timeout: Duration = .seconds(2)

    func isReachable() async -> Bool {
        let storage = storage, timeout = timeout
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                (try? await storage.read("readiness") { connection in try await connection.value("SELECT 1", as: Int.self) }) == 1
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
