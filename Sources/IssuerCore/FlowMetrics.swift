/// The figures the centre's flows count, for `/metrics`. The daemon's
/// Prometheus registry implements it (IssuerService's `IssuerMetrics`);
/// the flows only say what happened.
public protocol FlowMetrics: Sendable {
    /// Tokens were signed (not served from memory).
    func tokenSigned(algorithm: String, count: Int)
    /// Tokens were served to the app (signed now or held for the window).
    func tokenServed(format: String, count: Int)
    /// A login attempt: `ok`, `invalid_credentials`, `throttled`, `locked_out` or `suspended`.
    func login(_ result: String)
    /// An online verification's reason code.
    func verification(_ reason: String)
    /// A mail delivery attempt: `sent`, `retry` or `failed`.
    func mail(_ outcome: String)
    /// A key change made by the daemon's rotation timer or the admin API.
    func keyChange(_ kind: String)
    /// Open personal-data requests past their statutory due date, now.
    func dataRequestsOverdue(_ count: Int)
}

extension FlowMetrics {
    package func tokenSigned(algorithm: String) { tokenSigned(algorithm: algorithm, count: 1) }
    package func tokenServed(format: String) { tokenServed(format: format, count: 1) }
}
