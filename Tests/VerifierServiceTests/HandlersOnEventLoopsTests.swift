import DaemonSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// `makeDaemonApplication(handlersOnEventLoops:)`, which the merchant
/// verifier uses: a connection's handlers run on the event loop that
/// serves its socket, through awaits on actors and child tasks, over a
/// real socket; without it they run on Swift's global pool.
struct HandlersOnEventLoopsTests {
    /// Keeps the connection's channel, to ask whether the handler is on its loop.
    struct ChannelContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel
        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    actor Counter {
        var value = 0
        func next() -> Int { value += 1; return value }
    }

    static func application(handlersOnEventLoops: Bool) -> some ApplicationProtocol {
        let router = Router(context: ChannelContext.self)
        let counter = Counter()
        router.get("where") { _, context -> String in
            let loop = context.channel.eventLoop
            let atStart = loop.inEventLoop
            _ = await counter.next()
            let afterActor = loop.inEventLoop
            async let child = loop.inEventLoop
            let inChild = await child
            return "\(atStart) \(afterActor) \(inChild) \(loop.inEventLoop)"
        }
        return makeDaemonApplication(router: router, host: "127.0.0.1", port: 0, idleTimeout: 30,
                                     handlersOnEventLoops: handlersOnEventLoops, services: [],
                                     notifier: SystemdNotifier(environment: [:]), logger: Logger(label: "test"),
                                     onServerRunning: { _ in })
    }

    @Test func handlersRunOnTheirConnectionsEventLoop() async throws {
        try await Self.application(handlersOnEventLoops: true).test(.live) { client in
            for _ in 0..<20 {
                try await client.execute(uri: "/where", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "true true true true")
                }
            }
        }
    }

    @Test func withoutTheOptionHandlersRunOnTheGlobalPool() async throws {
        try await Self.application(handlersOnEventLoops: false).test(.live) { client in
            try await client.execute(uri: "/where", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "false false false false")
            }
        }
    }
}
