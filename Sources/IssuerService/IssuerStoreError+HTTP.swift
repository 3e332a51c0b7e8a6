import DaemonSupport
import HTTPTypes
import IssuerStore

/// How the store's errors reach HTTP clients when no controller maps them:
/// a busy database is a 503 to retry; everything else a logged 500.
extension IssuerStoreError: CodedError {
    public var logCode: String { code.rawValue }

    public var apiError: APIError? {
        switch code {
        case .databaseBusy:
            APIError(.serviceUnavailable, code: "database_busy",
                     "the database is busy with other work (an import, a key rotation or a backup); nothing was changed, try again in a few seconds",
                     headers: [.retryAfter: "2"])
        default: nil
        }
    }
}
