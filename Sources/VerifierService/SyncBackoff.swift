/// How long to wait before the next fetch of the key set: the refresh
/// interval after a success; after failures, exponential backoff from
/// `base` doubling up to `maximum`, with ±20 % jitter so that many
/// verifiers coming back online together do not fetch in step.
public struct SyncBackoff: Sendable, Equatable {
    public let refreshInterval: Int64
    public let base: Int64
    public let maximum: Int64

    public init(refreshInterval: Int64, base: Int64 = 2, maximum: Int64) {
        self.refreshInterval = refreshInterval
        self.base = base
        self.maximum = maximum
    }

    /// The delay in seconds after `failures` failures in a row (0: the last
    /// fetch worked); `unit` is a random number in [0, 1).
    public func delay(afterFailures failures: Int, unit: Double) -> Double {
        let nominal: Double
        if failures == 0 {
            nominal = Double(refreshInterval)
        } else {
            let exponent = min(failures - 1, 30)
            nominal = min(Double(maximum), min(Double(refreshInterval), Double(base) * Double(1 << exponent)))
        }
        return nominal * (0.8 + 0.4 * unit)
    }
}
