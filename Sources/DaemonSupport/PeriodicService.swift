import Logging
import ServiceLifecycle

/// A background loop in a daemon's service group: runs `tick` every
/// `interval` until graceful shutdown. The work itself is a plain
/// function, so tests call it directly instead of waiting.
public struct PeriodicService: Service {
    public let name: String
    public let interval: Duration
    public let runAtStart: Bool
    let logger: Logger
    let tick: @Sendable () async -> Void

    public init(name: String, interval: Duration, runAtStart: Bool = false, logger: Logger, tick: @escaping @Sendable () async -> Void) {
        self.name = name
        self.interval = interval
        self.runAtStart = runAtStart
        self.logger = logger
        self.tick = tick
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            if runAtStart { await tick() }
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                await tick()
            }
        }
        logger.debug("stopped", metadata: ["service": "\(name)"])
    }
}
