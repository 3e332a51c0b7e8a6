import IssuerStore
import GRDB

/// SQLite's busy and full result codes, as the store errors callers act on.
extension DatabaseError: IssuerStoreErrorConvertible {
    public func storeError(_ doing: String) -> IssuerStoreError? {
        switch resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: .databaseBusy(doing)
        case .SQLITE_FULL:
            IssuerStoreError(.storageFull, "\(doing): the database is full (storage.max_database_bytes reached, or the disk); nothing was written")
        default: nil
        }
    }
}
