/// A domain error a daemon can answer or log without exposing its message:
/// the error middleware answers with ``apiError`` when there is one, and
/// otherwise logs ``logCode`` (never the message, which may carry input)
/// beside a generic 500.
public protocol CodedError: Error {
    /// A stable code that carries no user input, for logs and alerts.
    var logCode: String { get }
    /// The answer for errors that are the client's or the moment's (a
    /// busy database); nil for real failures, answered 500.
    var apiError: APIError? { get }
    /// What the operator must hear at error level even though the client
    /// gets an answer (the database is full); nil for most errors.
    var operatorAlert: String? { get }
}

extension CodedError {
    public var operatorAlert: String? { nil }
}
