import Foundation

/// Where the issuer reads the time: the system clock in production, a
/// clock the test moves in tests (nothing waits for time to pass).
public struct IssuerClock: Sendable {
    private let read: @Sendable () -> Int64

    public init(_ read: @escaping @Sendable () -> Int64) { self.read = read }

    /// Seconds since the Unix epoch.
    public func now() -> Int64 { read() }

    public static let system = IssuerClock { Int64(Date().timeIntervalSince1970) }
}
