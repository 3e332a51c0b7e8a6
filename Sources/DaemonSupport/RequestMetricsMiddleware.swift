import Hummingbird
import Metrics
import NIOCore

/// Counts requests and times them by route pattern and status (never by
/// raw path, which would put card numbers and kids into metric labels).
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    public init(metrics: ServiceMetrics) { self.metrics = metrics }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        metrics.counter("http_requests_total", dimensions).increment()
        metrics.timer("http_request_duration_seconds", [("route", route)])
            .recordNanoseconds((ContinuousClock.now - start).nanosecondsClamped)
        return response
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}
