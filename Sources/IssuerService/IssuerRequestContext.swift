import Hummingbird
import NIOCore

/// The request context of the issuer's routes: Hummingbird's core context
/// plus the client's address (for per-address login limits).
public struct IssuerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text; "unknown" when there is none
    /// (tests that call the router directly).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
