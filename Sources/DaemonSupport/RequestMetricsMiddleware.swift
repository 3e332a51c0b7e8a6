import Hummingbird
import Metrics
import NIOCore

/// Counts requests and times them by route pattern and status (never by
/// raw path, which would put card numbers and kids into metric labels).
/// It sits outside the error middleware, so refusals and failures are
/// counted by the status they were answered with.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    public init(metrics: ServiceMetrics) { self.metrics = metrics }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
        record(request, context, status: response.status.code, since: start)
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
        metrics.counter("http_requests_total", dimensions).increment()
        metrics.timer("http_request_duration_seconds", [("route", route)])
            .recordNanoseconds((ContinuousClock.now - start).nanosecondsClamped)
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
