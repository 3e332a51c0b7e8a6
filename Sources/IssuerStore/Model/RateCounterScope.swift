/// What a scope counts, and over how long.
public struct RateCounterScope: Sendable, Hashable {
    public let name: String
    public let window: Int64

    public init(_ name: String, window: Int64) {
        self.name = name
        self.window = max(1, window)
    }

    /// When the window that holds `now` began.
    public func start(_ now: Int64) -> Int64 { now - ((now % window) + window) % window }

    /// Seconds until the window that holds `now` ends.
    public func remaining(_ now: Int64) -> Int64 { start(now) + window - now }
}
