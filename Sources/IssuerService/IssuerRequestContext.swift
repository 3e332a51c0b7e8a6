import DaemonSupport
import Hummingbird
import IssuerCore
import NIOCore

/// The request context of the issuer's routes: Hummingbird's core context
/// plus the socket peer's address (``IssuerServices/clientAddress(of:context:)``
/// finds the client behind trusted proxies).
public struct IssuerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, so a refused upload can stop being read (``UnreadBodyMiddleware``).
    let channel: (any Channel)?
    /// The alumnus signed in by the request's session, set by ``HolderAuthentication``.
    var signedInHolder: SignedInHolder?
    /// The administrator behind the request's admin token, set by ``AdministratorAuthentication``.
    var administrator: SignedInAdministrator?
    /// The staff member signed in to the console, set by ``StaffAuthentication``.
    var staffMember: SignedInStaff?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The signed-in alumnus; only routes behind ``HolderAuthentication`` have one.
    func holder() throws -> SignedInHolder {
        guard let signedInHolder else { throw APIError.unauthorized("this endpoint needs an Authorization: Bearer header") }
        return signedInHolder
    }

    /// The console's staff member; only routes behind ``StaffAuthentication`` have one.
    func staff() throws -> SignedInStaff {
        guard let staffMember else { throw IssuerError.signInRequired("sign in to the staff console") }
        return staffMember
    }

    /// The administrator; only routes behind ``AdministratorAuthentication`` have one.
    func admin() throws -> SignedInAdministrator {
        guard let administrator else { throw APIError.unauthorized("this endpoint needs an Authorization: Bearer header") }
        return administrator
    }
}
