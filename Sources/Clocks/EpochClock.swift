import Foundation

/// Where a daemon reads the time, in seconds since the Unix epoch: the
/// system clock in production, a clock the test moves in tests (nothing
/// waits for time to pass).
public struct EpochClock: Sendable {
    private let read: @Sendable () -> Int64
    private let readPrecisely: (@Sendable () -> Double)?

    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
        readPrecisely = nil
    }

    private init(read: @escaping @Sendable () -> Int64, precisely: @escaping @Sendable () -> Double) {
        self.read = read
        readPrecisely = precisely
    }

    public func now() -> Int64 { read() }

    /// The time with its fraction where the clock has one (the system's),
    /// for a page that must switch codes on the second.
    public func preciseNow() -> Double { readPrecisely?() ?? Double(read()) }

    public static let system = EpochClock(read: { Int64(Date().timeIntervalSince1970) }, precisely: { Date().timeIntervalSince1970 })
}
