import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The application both daemons run: their router on `host:port`, their
/// background services beside the systemd notifier, and `READY=1` once the
/// socket listens (then `onServerRunning` with the bound port, which
/// differs from `port` when that is 0). Connections idle for
/// `idleTimeout` seconds are closed. `handlersOnEventLoops` runs each
/// connection's handlers on the event loop serving it: only for a daemon
/// whose handlers never block (`EventLoopBoundHTTP1Channel`).
/// `beforeServerStarts` runs after the services started and before the
/// socket listens (a database migrated there; an error stops the daemon).
public func makeDaemonApplication<Context: RequestContext>(
    router: Router<Context>, host: String, port: Int, idleTimeout: Int64, handlersOnEventLoops: Bool = false, services: [any Service],
    notifier: SystemdNotifier, logger: Logger,
    beforeServerStarts: (@Sendable () async throws -> Void)? = nil,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void
) -> some ApplicationProtocol where Context.Source == ApplicationRequestContextSource {
    var application = Application(
        router: router,
        // Hummingbird's idle timer counts HTTP parts, not bytes: a client
        // trickling a request head is cut off after it too.
        server: handlersOnEventLoops ? .http1OnEventLoops(configuration: .init(idleTimeout: .seconds(idleTimeout)))
                                     : .http1(configuration: .init(idleTimeout: .seconds(idleTimeout))),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
        services: [SystemdNotifyService(notifier: notifier)] + services,
        onServerRunning: { channel in
            notifier.notify("READY=1")
            await onServerRunning(channel.localAddress?.port ?? port)
        },
        logger: logger
    )
    if let beforeServerStarts { application.beforeServerStarts(perform: beforeServerStarts) }
    return application
}
