import Synchronization

/// A clock the test moves by hand, in seconds since the Unix epoch; the
/// daemons read it through their `EpochClock`.
public final class ManualClock: Sendable {
    private let time: Mutex<Int64>
    public init(_ start: Int64) { time = Mutex(start) }
    public var now: Int64 { time.withLock { $0 } }
    public func advance(by seconds: Int64) { time.withLock { $0 += seconds } }
    public func set(_ value: Int64) { time.withLock { $0 = value } }
}
