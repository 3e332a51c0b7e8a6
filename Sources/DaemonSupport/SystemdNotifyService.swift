import Logging
import ServiceLifecycle

/// Tells systemd the daemon is stopping on graceful shutdown, and pings
/// its watchdog while running (`READY=1` is sent by the server's
/// on-running hook, once the socket listens).
public struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier

    public init(notifier: SystemdNotifier) { self.notifier = notifier }

    public func run() async throws {
        if let interval = notifier.watchdogInterval, notifier.isEnabled {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    notifier.notify("WATCHDOG=1")
                    do { try await Task.sleep(for: interval) } catch { break }
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.notify("STOPPING=1")
    }
}
