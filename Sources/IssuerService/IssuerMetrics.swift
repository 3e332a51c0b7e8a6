import CardToken
import CoreMetrics
import DaemonSupport
import IssuerCore
import Prometheus

/// The issuer's own figures on `/metrics`, beside the per-route request
/// counts and latencies of ``RequestMetricsMiddleware``.
public struct IssuerMetrics: Sendable {
    public let service: ServiceMetrics
    private let signed: CounterFamily
    private let served: CounterFamily
    private let logins: CounterFamily
    private let verifications: CounterFamily
    private let mails: CounterFamily
    private let overdueRequests: Prometheus.Gauge

    public init(service: ServiceMetrics) {
        self.service = service
        signed = CounterFamily("alumnicard_tokens_issued_total", by: "alg", values: CoseAlgorithm.allCases.map(\.jwkName), metrics: service)
        served = CounterFamily("alumnicard_tokens_served_total", by: "format", values: ["json", "svg", "png", "ahead"], metrics: service)
        logins = CounterFamily("alumnicard_logins_total", by: "result", values: ["ok", "invalid_credentials", "throttled", "suspended"], metrics: service)
        mails = CounterFamily("alumnicard_mail_attempts_total", by: "outcome", values: ["sent", "retry", "failed"], metrics: service)
        verifications = CounterFamily("alumnicard_verifications_total", by: "reason", values: VerificationReason.allCases.map(\.code), metrics: service)
        overdueRequests = service.registry.makeGauge(descriptor: MetricNameDescriptor(
            metricName: "alumnicard_data_requests_overdue", unitName: "", helpText: "Open personal-data requests past their statutory due date"))
    }

    public func dataRequestsOverdue(_ count: Int) {
        overdueRequests.set(Int64(count))
    }

    /// Tokens were signed (not served from memory).
    public func tokenSigned(algorithm: String, count: Int) {
        signed.increment(algorithm, by: count)
    }

    /// Tokens were served to the app (signed now or held for the window).
    public func tokenServed(format: String, count: Int) {
        served.increment(format, by: count)
    }

    /// A login attempt: `ok`, `invalid_credentials` or `throttled`.
    public func login(_ result: String) {
        logins.increment(result)
    }

    /// An online verification's reason code.
    public func verification(_ reason: String) {
        verifications.increment(reason)
    }

    /// A mail delivery attempt: `sent`, `retry` or `failed`.
    public func mail(_ outcome: String) {
        mails.increment(outcome)
    }

    /// A key change made by the daemon's rotation timer or the admin API.
    public func keyChange(_ kind: String) {
        service.counter("alumnicard_key_changes_total", [("change", kind)]).increment()
    }
}

extension IssuerMetrics: FlowMetrics {}
