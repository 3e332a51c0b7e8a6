import DaemonSupport
import HTTPTypes
import IssuerStore

/// How the store's errors reach HTTP clients when no controller maps them:
/// a busy database is a 503 to retry, a missing record 404, a refused
/// change 409 (their messages name only what the caller asked for);
/// everything else a logged 500.
extension IssuerStoreError: CodedError {
    public var logCode: String { code.rawValue }

    public var apiError: APIError? {
        switch code {
        case .databaseBusy:
            APIError(.serviceUnavailable, code: "database_busy",
                     "the database is busy with other work (an import, a key rotation or a backup); nothing was changed, try again in a few seconds",
                     headers: [.retryAfter: "2"])
        case .storageFull:
            APIError(.serviceUnavailable, code: "storage_full",
                     "the issuer's storage is full; nothing was changed, and the operator is told; try again later",
                     headers: [.retryAfter: "60"])
        case .notFound: APIError.notFound(message)
        case .invalidChange: APIError(.conflict, code: "conflict", message)
        case .alreadyDecided: APIError(.conflict, code: "already_decided", message)
        case .alreadyPaid: APIError(.conflict, code: "already_paid", message)
        case .tokenUnusable: APIError.badRequest("token_invalid", message)
        default: nil
        }
    }

    public var operatorAlert: String? {
        code == .storageFull
            ? "the database is full and writes are refused (503 storage_full): raise storage.max_database_bytes or free disk space; nothing already written is lost"
            : nil
    }
}
