/// The one error type of `IssuerStore`; compares by ``code``.
public struct IssuerStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The key-encryption key is missing, unreadable or malformed.
        case kekUnavailable
        /// The KEK does not open this database's keys: the wrong file.
        case kekMismatch
        /// The database cannot be opened, migrated, read or written.
        case databaseUnavailable
        /// Another connection held the write lock past the busy timeout:
        /// nothing was written; the same request may be tried again.
        case databaseBusy
        /// The database may not grow (`storage.max_database_bytes`) or the
        /// disk is full: nothing was written; writes work again once there
        /// is room.
        case storageFull
        /// A key change the ring refused, or a missing key.
        case keyChangeRefused
        /// A stored key that does not decrypt or parse.
        case corruptKey
        /// A signed key set that cannot be installed.
        case keySetRefused
        /// A stored holder record whose sealed fields do not open.
        case corruptRecord
        /// No such holder, card or administrator token.
        case notFound
        /// A change the data does not allow (a rejected import row, a
        /// duplicate, a status change that makes no sense).
        case invalidChange
        /// An application was already decided.
        case alreadyDecided
        /// A reset or status token that is unknown, used or expired.
        case tokenUnusable
        /// A card application's fee was already recorded as paid.
        case alreadyPaid
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The write lock is held elsewhere: what happened and what to do.
    public static func databaseBusy(_ doing: String) -> IssuerStoreError {
        IssuerStoreError(.databaseBusy, "\(doing): another process holds the database's write lock (an import, a key rotation, a backup); nothing was written, try again in a few seconds")
    }

    /// `error` as a store error: a backend's own errors say what they are
    /// (``IssuerStoreErrorConvertible``: a lock held past the busy timeout
    /// is ``Code/databaseBusy``, a full database or disk ``Code/storageFull``),
    /// anything else is ``Code/databaseUnavailable`` with `doing` ("cannot write the database").
    public static func wrapping(_ error: any Error, _ doing: String) -> IssuerStoreError {
        if let error = error as? IssuerStoreError { return error }
        if let error = error as? any IssuerStoreErrorConvertible, let converted = error.storeError(doing) { return converted }
        return IssuerStoreError(.databaseUnavailable, "\(doing): \(error)")
    }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}

/// A storage backend's own error that knows which store error it is (busy,
/// full); nil for one that is only "unavailable".
public protocol IssuerStoreErrorConvertible: Error {
    func storeError(_ doing: String) -> IssuerStoreError?
}
