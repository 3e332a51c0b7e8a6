import IssuerStore
import IssuerStorePostgres
import IssuerStoreSQLite
import ServiceLifecycle

/// The engine under the issuer's repositories (``IssuerRepositories``),
/// chosen by `storage.postgres_url`: absent, one SQLite file; present,
/// a PostgreSQL database that several instances share.
public enum StorageEngine: Sendable {
    case sqlite(SQLiteStores)
    case postgres(PostgresStorage)

    /// What must run for as long as the storage is used: PostgreSQL's
    /// connection pool (nil for SQLite, which needs nothing running).
    public var service: (any Service)? {
        switch self {
        case .sqlite: nil
        case .postgres(let storage): storage
        }
    }
}

/// SQLite's own stores below the repositories: the tests read the file
/// through them, and the command line's offline key commands and
/// `backup` work on the file itself.
public struct SQLiteStores: Sendable {
    public let database: AppDatabase
    public let keyStore: KeyStore
    public let accounts: AccountStore
    public let adminTokens: AdminTokenStore
    public let staff: StaffStore
    public let audit: AuditLog

    init(database: AppDatabase, keyStore: KeyStore, kek: KeyEncryptionKey) {
        self.database = database
        self.keyStore = keyStore
        accounts = AccountStore(database: database, kek: kek)
        adminTokens = AdminTokenStore(database: database)
        staff = StaffStore(database: database, kek: kek)
        audit = AuditLog(database: database)
    }
}
