import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 channel with each connection's task preferring the
/// event loop that serves its socket (`EventLoopTaskExecutor`). Hummingbird
/// runs connections on Swift's global pool, so every request crosses
/// threads twice: the loop hands the request to a pool thread and the
/// pool hands the response back. Profiled on the merchant verifier, whose
/// handlers never block (docs/performance.md). Actors without an executor
/// of their own, and child tasks, follow the preference.
struct EventLoopBoundHTTP1Channel: ServerChildChannel {
    let channel: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        self.channel.setup(channel: channel, logger: logger)
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await channel.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with each connection's handlers run on its own event loop.
    static func http1OnEventLoops(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in EventLoopBoundHTTP1Channel(channel: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
