import CoreMetrics
import DaemonSupport

/// The issuer's own figures on `/metrics`, beside the per-route request
/// counts and latencies of ``RequestMetricsMiddleware``.
public struct IssuerMetrics: Sendable {
    public let service: ServiceMetrics

    public init(service: ServiceMetrics) { self.service = service }

    /// A token was signed (not served from the window's store).
    func tokenSigned(algorithm: String) {
        service.counter("alumnicard_tokens_issued_total", [("alg", algorithm)]).increment()
    }

    /// A token was served to the app (signed now or kept for the window).
    func tokenServed(format: String) {
        service.counter("alumnicard_tokens_served_total", [("format", format)]).increment()
    }

    /// A login attempt: `ok`, `invalid_credentials` or `throttled`.
    func login(_ result: String) {
        service.counter("alumnicard_logins_total", [("result", result)]).increment()
    }

    /// An online verification's reason code.
    func verification(_ reason: String) {
        service.counter("alumnicard_verifications_total", [("reason", reason)]).increment()
    }

    /// A key change made by the daemon's rotation timer or the admin API.
    func keyChange(_ kind: String) {
        service.counter("alumnicard_key_changes_total", [("change", kind)]).increment()
    }
}
