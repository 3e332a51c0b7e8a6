import Foundation
import IssuerService
import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import Logging
import PostgresNIO
import Synchronization
import TestSupport

/// Issue #26, item 4: every backend the repository protocols have. Each
/// conformance suite runs its behaviours on every case; a new backend
/// joins by one case here (PostgreSQL did, issue #27).
enum StorageBackend: String, CaseIterable, CustomStringConvertible {
    case sqliteInMemory, sqliteOnDisk, postgres
    var description: String { rawValue }

    /// A fresh, migrated, empty store of this backend: a database of its
    /// own (on PostgreSQL, a new database on the test cluster).
    func store() async throws -> TestStore {
        switch self {
        case .sqliteInMemory, .sqliteOnDisk: .sqlite(try database())
        case .postgres: .postgres(try await Self.postgresStorage())
        }
    }

    /// A fresh, migrated, empty SQLite database of this backend.
    func database() throws -> AppDatabase {
        switch self {
        case .sqliteInMemory: try AppDatabase.inMemory()
        case .sqliteOnDisk: try AppDatabase.open(path: try ProjectPaths.temporaryDirectory("conformance").appendingPathComponent("issuer.sqlite").path)
        case .postgres: throw PostgresTestServer.Failure(description: "the PostgreSQL backend has no AppDatabase; use store()")
        }
    }

    /// A new database on the test cluster, migrated, its pool running for
    /// the rest of the test process (a small pool that lets idle
    /// connections go, so finished tests hold none).
    static func postgresStorage() async throws -> PostgresStorage {
        let server = try PostgresTestServer.shared()
        let name = try server.createDatabase()
        var configuration = PostgresClient.Configuration(host: server.host, port: server.port, username: server.username, password: server.password,
                                                         database: name, tls: .disable)
        configuration.options.maximumConnections = 8
        configuration.options.connectionIdleTimeout = .seconds(5)
        var logger = Logger(label: "postgres-test")
        logger.logLevel = .critical
        let storage = PostgresStorage(configuration: configuration, logger: logger)
        Task { await storage.client.run() }
        try await PostgresMigrations.migrate(storage, now: 1_000)
        return storage
    }

    func merchants(_ database: AppDatabase) -> any MerchantRepository {
        SQLiteMerchantRepository(database: database, threads: DatabaseThreads())
    }

    func loginGuard(_ database: AppDatabase, limits: LoginLockouts.Limits, kek: KeyEncryptionKey) -> any LoginGuardRepository {
        SQLiteLoginGuard(database: database, limits: limits, kek: kek, threads: DatabaseThreads())
    }

    func sessions(_ database: AppDatabase, kek: KeyEncryptionKey) -> any SessionRepository {
        SQLiteSessionRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func holders(_ database: AppDatabase, kek: KeyEncryptionKey) -> any HolderRepository {
        SQLiteHolderRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func cards(_ database: AppDatabase, kek: KeyEncryptionKey) -> any CardRepository {
        SQLiteCardRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func applications(_ database: AppDatabase, kek: KeyEncryptionKey) -> any AccountApplicationRepository {
        SQLiteAccountApplicationRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func keys(_ database: AppDatabase, kek: KeyEncryptionKey) throws -> any KeyRepository {
        SQLiteKeyRepository(keyStore: try KeyStore(database: database, kek: kek), threads: DatabaseThreads())
    }

    func staff(_ database: AppDatabase, kek: KeyEncryptionKey) -> any StaffRepository {
        SQLiteStaffRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func outbox(_ database: AppDatabase, kek: KeyEncryptionKey) -> any OutboxRepository {
        SQLiteOutboxRepository(database: database, kek: kek, threads: DatabaseThreads())
    }

    func audit(_ database: AppDatabase) -> any AuditRepository {
        SQLiteAuditRepository(database: database, threads: DatabaseThreads())
    }
}

/// One backend's store, with the repositories the suites build on it.
enum TestStore {
    case sqlite(AppDatabase)
    case postgres(PostgresStorage)

    func merchants() -> any MerchantRepository {
        switch self {
        case .sqlite(let database): SQLiteMerchantRepository(database: database, threads: DatabaseThreads())
        case .postgres(let storage): PostgresMerchantRepository(storage: storage)
        }
    }

    func instances() -> any InstanceRepository {
        switch self {
        case .sqlite(let database): SQLiteInstanceRepository(database: database, threads: DatabaseThreads())
        case .postgres(let storage): PostgresInstanceRepository(storage: storage)
        }
    }

    func audit() -> any AuditRepository {
        switch self {
        case .sqlite(let database): SQLiteAuditRepository(database: database, threads: DatabaseThreads())
        case .postgres(let storage): PostgresAuditRepository(storage: storage)
        }
    }

    func outbox(kek: KeyEncryptionKey) -> any OutboxRepository {
        switch self {
        case .sqlite(let database): SQLiteOutboxRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresOutboxRepository(storage: storage, kek: kek)
        }
    }

    func holders(kek: KeyEncryptionKey) -> any HolderRepository {
        switch self {
        case .sqlite(let database): SQLiteHolderRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresHolderRepository(storage: storage, kek: kek)
        }
    }

    func applications(kek: KeyEncryptionKey) -> any AccountApplicationRepository {
        switch self {
        case .sqlite(let database): SQLiteAccountApplicationRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresAccountApplicationRepository(storage: storage, kek: kek)
        }
    }

    func cards(kek: KeyEncryptionKey) -> any CardRepository {
        switch self {
        case .sqlite(let database): SQLiteCardRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresCardRepository(storage: storage, kek: kek)
        }
    }

    func reminders(kek: KeyEncryptionKey) -> any CardReminderRepository {
        switch self {
        case .sqlite(let database): SQLiteCardReminderRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresCardReminderRepository(storage: storage, kek: kek)
        }
    }

    func dataRequests(kek: KeyEncryptionKey) -> any DataRequestRepository {
        switch self {
        case .sqlite(let database): SQLiteDataRequestRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresDataRequestRepository(storage: storage, kek: kek)
        }
    }

    func accounts(kek: KeyEncryptionKey) -> any AccountRepository {
        switch self {
        case .sqlite(let database): SQLiteAccountRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresAccountRepository(storage: storage, kek: kek)
        }
    }

    func sessions(kek: KeyEncryptionKey) -> any SessionRepository {
        switch self {
        case .sqlite(let database): SQLiteSessionRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresSessionRepository(storage: storage, kek: kek)
        }
    }

    func staff(kek: KeyEncryptionKey) -> any StaffRepository {
        switch self {
        case .sqlite(let database): SQLiteStaffRepository(database: database, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresStaffRepository(storage: storage, kek: kek)
        }
    }

    /// The key repository, its KEK checked (a fresh database adopts it).
    func keys(kek: KeyEncryptionKey) async throws -> any KeyRepository {
        switch self {
        case .sqlite(let database): return SQLiteKeyRepository(keyStore: try KeyStore(database: database, kek: kek), threads: DatabaseThreads())
        case .postgres(let storage):
            let keys = PostgresKeyRepository(storage: storage, kek: kek)
            try await keys.checkKEK()
            return keys
        }
    }

    func loginGuard(limits: LockoutRules.Limits, kek: KeyEncryptionKey) -> any LoginGuardRepository {
        switch self {
        case .sqlite(let database): SQLiteLoginGuard(database: database, limits: limits, kek: kek, threads: DatabaseThreads())
        case .postgres(let storage): PostgresLoginGuard(storage: storage, limits: limits, kek: kek)
        }
    }
}
