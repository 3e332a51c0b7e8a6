import IssuerService
import IssuerStoreSQLite

/// The tests that read the SQLite file directly reach its stores by their
/// old names; they run on SQLite (a PostgreSQL engine has none: a test
/// calling these on one fails at once).
extension IssuerServices {
    var database: AppDatabase { sqliteStores.database }
    var keyStore: KeyStore { sqliteStores.keyStore }
    var accounts: AccountStore { sqliteStores.accounts }
    var adminTokens: AdminTokenStore { sqliteStores.adminTokens }
    var staff: StaffStore { sqliteStores.staff }
    var audit: AuditLog { sqliteStores.audit }

    private var sqliteStores: SQLiteStores {
        guard let stores = sqlite else { preconditionFailure("this test reads the SQLite file; the services run on PostgreSQL") }
        return stores
    }
}
