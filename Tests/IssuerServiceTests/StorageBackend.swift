import Foundation
import IssuerService
import IssuerStore
import IssuerStoreSQLite
import TestSupport

/// Issue #26, item 4: every backend the repository protocols have. Each
/// conformance suite runs its behaviours on every case; a new backend
/// joins them all by one case here and its `database()`.
enum StorageBackend: String, CaseIterable, CustomStringConvertible {
    case sqliteInMemory, sqliteOnDisk
    var description: String { rawValue }

    /// A fresh, migrated, empty database of this backend.
    func database() throws -> AppDatabase {
        switch self {
        case .sqliteInMemory: try AppDatabase.inMemory()
        case .sqliteOnDisk: try AppDatabase.open(path: try ProjectPaths.temporaryDirectory("conformance").appendingPathComponent("issuer.sqlite").path)
        }
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
