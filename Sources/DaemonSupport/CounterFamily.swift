import CoreMetrics

/// Counters of one metric that differ by one label whose values are known
/// up front (reasons, results), made once: a hot path then costs a
/// dictionary lookup, not a registry lookup under a lock.
public struct CounterFamily: Sendable {
    private let counters: [String: CoreMetrics.Counter]
    private let metrics: ServiceMetrics
    private let label: String
    private let dimension: String

    public init(_ label: String, by dimension: String, values: [String], metrics: ServiceMetrics) {
        self.label = label
        self.dimension = dimension
        self.metrics = metrics
        counters = Dictionary(uniqueKeysWithValues: values.map { ($0, metrics.counter(label, [(dimension, $0)])) })
    }

    public func increment(_ value: String, by amount: Int = 1) {
        (counters[value] ?? metrics.counter(label, [(dimension, value)])).increment(by: amount)
    }
}
