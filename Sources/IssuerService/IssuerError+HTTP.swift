import DaemonSupport
import HTTPTypes
import IssuerCore

/// The one place where a domain refusal becomes an HTTP answer: its kind
/// picks the status, `retryAfter` becomes `Retry-After`, and a request to
/// sign in names the bearer scheme, as RFC 9110 §11.6.1 asks of a 401.
extension IssuerError: CodedError {
    public var logCode: String { code }

    public var apiError: APIError? { answer }

    /// The answer, never nil: every domain refusal may be told to the caller.
    public var answer: APIError {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if code == "unauthorized" { headers[.wwwAuthenticate] = "Bearer" }
        var error = APIError(Self.status(of: kind), code: code, message, headers: headers, field: field)
        error.extra = extra
        return error
    }

    static func status(of kind: Kind) -> HTTPResponse.Status {
        switch kind {
        case .malformed: .badRequest
        case .invalidValue: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedType: .unsupportedMediaType
        case .timedOut: .requestTimeout
        case .tooManyAttempts: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }
}

extension APIError {
    /// The answer a caller may be given for `error`: an ``APIError`` as it
    /// is, a domain refusal mapped above, a store error that has one; nil
    /// for a failure the caller must not be told of (answered 500, logged).
    static func answering(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError: error
        case let error as IssuerError: error.answer
        case let error as any CodedError: error.apiError
        default: nil
        }
    }
}

/// An error whose answer the caller may be given as it is: what a page
/// catches to show a refusal beside its form.
protocol ClientRefusal: Error {
    var answer: APIError { get }
}

extension APIError: ClientRefusal {
    var answer: APIError { self }
}

extension IssuerError: ClientRefusal {}
