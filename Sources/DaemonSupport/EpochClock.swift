import Foundation

/// Where a daemon reads the time, in seconds since the Unix epoch: the
/// system clock in production, a clock the test moves in tests (nothing
/// waits for time to pass).
public struct EpochClock: Sendable {
    private let read: @Sendable () -> Int64

    public init(_ read: @escaping @Sendable () -> Int64) { self.read = read }

    public func now() -> Int64 { read() }

    public static let system = EpochClock { Int64(Date().timeIntervalSince1970) }
}
