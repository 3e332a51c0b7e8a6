import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// One Prometheus registry per application, so that tests can build many
/// apps in one process, and `/metrics` serves exactly this app's figures.
public struct ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let made = MadeMetrics()

    /// Metrics already made, by label and dimensions: a request then costs
    /// one dictionary lookup instead of a registry lookup and a new handle.
    private final class MadeMetrics: Sendable {
        let counters = Mutex<[String: CoreMetrics.Counter]>([:])
        let timers = Mutex<[String: Metrics.Timer]>([:])
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(label) { $0 + "|" + $1.0 + "=" + $1.1 }
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies on a loopback server sit well under 10 ms.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5),
        ]
        self.factory = factory
    }

    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        let key = Self.key(label, dimensions)
        if let counter = made.counters.withLock({ $0[key] }) { return counter }
        let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
        made.counters.withLock { $0[key] = counter }
        return counter
    }

    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Timer {
        let key = Self.key(label, dimensions)
        if let timer = made.timers.withLock({ $0[key] }) { return timer }
        let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
        made.timers.withLock { $0[key] = timer }
        return timer
    }

    /// The Prometheus text exposition of everything recorded.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
