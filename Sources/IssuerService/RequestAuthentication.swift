import Hummingbird
import IssuerCore
import IssuerStore

/// An alumnus signed in by a session token, as a request's context holds it.
struct SignedInHolder: Sendable {
    let holder: Holder
    /// Active first.
    let cards: [Card]
    /// The session's token digest: the pages' CSRF tokens are bound to it.
    let tokenHash: [UInt8]
}

/// An administrator behind an admin token (or the bootstrap token).
struct SignedInAdministrator: Sendable {
    let name: String
    let role: AdminRole
    /// How the audit log names the token.
    var actor: String { "admin:\(name)" }
}

/// A staff member signed in to the console by the session cookie.
struct SignedInStaff: Sendable {
    let member: StaffMember
    /// The session's token digest: the console's CSRF tokens are bound to it.
    let tokenHash: [UInt8]
}

/// Signs the alumnus in from the `Authorization: Bearer` session token and
/// puts them into the context (hummingbird-auth's pattern), or answers 401
/// (403 for a suspended account). With `cardAccess`, also refuses while the
/// password must change, as the card, token and card-application
/// endpoints do.
struct HolderAuthentication: RouterMiddleware {
    let authentication: SessionAuthentication
    let cardAccess: Bool

    func handle(_ request: Request, context: IssuerRequestContext,
                next: (Request, IssuerRequestContext) async throws -> Response) async throws -> Response {
        let token = try Authentication.bearerToken(request)
        let found = cardAccess ? try await authentication.cardHolder(sessionToken: token) : try await authentication.holder(sessionToken: token)
        var context = context
        context.signedInHolder = SignedInHolder(holder: found.holder, cards: found.cards, tokenHash: found.tokenHash)
        return try await next(request, context)
    }
}

/// Finds the administrator behind the bearer token and puts them into the
/// context, or answers 401 (403 below `minimum`). Each route group of the
/// admin API names the least role it needs.
struct AdministratorAuthentication: RouterMiddleware {
    let authentication: SessionAuthentication
    let minimum: AdminRole

    func handle(_ request: Request, context: IssuerRequestContext,
                next: (Request, IssuerRequestContext) async throws -> Response) async throws -> Response {
        let found = try await authentication.administrator(token: try Authentication.bearerToken(request), minimum: minimum)
        var context = context
        context.administrator = SignedInAdministrator(name: found.name, role: found.role)
        return try await next(request, context)
    }
}

/// Finds the staff member behind the console's session cookie and puts
/// them into the context; without a cookie, sends the browser to the
/// console's sign-in (an ended session does too, through
/// ``PageErrorMiddleware``); below `minimum`, 403.
struct StaffAuthentication: RouterMiddleware {
    let authentication: SessionAuthentication
    let pages: WebPages
    let minimum: AdminRole

    func handle(_ request: Request, context: IssuerRequestContext,
                next: (Request, IssuerRequestContext) async throws -> Response) async throws -> Response {
        let visit = pages.visit(request)
        guard let token = visit.staffToken else { return pages.redirect("/staff/login", visit) }
        let member = try await authentication.staff(sessionToken: token, minimum: minimum)
        var context = context
        context.staffMember = SignedInStaff(member: member, tokenHash: BearerToken.digest(token))
        return try await next(request, context)
    }
}

extension RouterGroup where Context == IssuerRequestContext {
    /// The routes added to the group this returns need a signed-in alumnus.
    func signedInHolders(_ authentication: SessionAuthentication, cardAccess: Bool) -> RouterGroup<Context> {
        group().add(middleware: HolderAuthentication(authentication: authentication, cardAccess: cardAccess))
    }

    /// The routes added to the group this returns need an administrator of at least `minimum`.
    func administrators(_ authentication: SessionAuthentication, minimum: AdminRole) -> RouterGroup<Context> {
        group().add(middleware: AdministratorAuthentication(authentication: authentication, minimum: minimum))
    }
}
