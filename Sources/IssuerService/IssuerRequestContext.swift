import Hummingbird
import NIOCore

/// The request context of the issuer's routes: Hummingbird's core context
/// plus the socket peer's address (``IssuerServices/clientAddress(of:context:)``
/// finds the client behind trusted proxies).
public struct IssuerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, so a refused upload can stop being read (``UnreadBodyMiddleware``).
    let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }
}
