import CardToken
import Crypto
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerStore

/// Bearer tokens on requests: holders' sessions and administrators' tokens.
enum Authentication {
    /// The longest bearer token read; ours are under 64 characters.
    static let maximumTokenLength = 512

    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("this endpoint needs an Authorization: Bearer header")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty, parts[1].utf8.count <= maximumTokenLength else {
            throw APIError.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        return String(parts[1])
    }
}

extension IssuerServices {
    /// The holder behind a session token, from the API's bearer header or the pages' cookie.
    func authenticatedHolder(sessionToken token: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        guard token.utf8.count <= Authentication.maximumTokenLength else {
            throw APIError.unauthorized("the session has expired or was ended; log in again")
        }
        let hash = BearerToken.digest(token)
        let now = clock.now()
        let entry: SessionCache.Entry
        if let cached = sessions.entry(hash, now: now) {
            entry = cached
        } else {
            guard let found = try await sessionStore.holderSession(tokenHash: hash, now: now) else {
                throw APIError.unauthorized("the session has expired or was ended; log in again")
            }
            entry = SessionCache.Entry(holder: found.holder, cards: found.cards, expiresAt: found.expiresAt, loadedAt: now)
            sessions.store(entry, for: hash)
        }
        guard entry.holder.status == .active else {
            throw APIError(.forbidden, code: "account_suspended", "this account is suspended; contact the alumni centre")
        }
        return (entry.holder, entry.cards, hash)
    }

    /// As ``authenticatedHolder(sessionToken:)``, for the card, token and
    /// card application endpoints and pages: refused while the password must change.
    func authenticatedCardHolder(sessionToken: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        let found = try await authenticatedHolder(sessionToken: sessionToken)
        if found.holder.passwordChangeRequired || found.holder.firstLoginPending {
            throw APIError(.forbidden, code: "password_change_required", "choose a new password first (POST /v1/account/password)")
        }
        return found
    }

    /// The administrator behind the request's token, if their role is at
    /// least `minimum`. The bootstrap token (from the configuration) is an
    /// `admin` named "bootstrap".
    func authenticatedAdministrator(_ request: Request, minimum: AdminRole) async throws -> (name: String, role: AdminRole) {
        let token = try Authentication.bearerToken(request)
        let hash = BearerToken.digest(token)
        let found: (name: String, role: AdminRole)?
        if let bootstrap = credentials.bootstrapAdminTokenHash, ConstantTime.equal(bootstrap, hash) {
            found = ("bootstrap", .admin)
        } else {
            let repository = staffRepository, now = clock.now()
            let live = try await repository.adminToken(token, now: now)
            if let live, live.noteUse {
                // Best effort, not awaited: a busy database must not hold up an administrator.
                Task { try? await repository.noteAdminTokenUse(name: live.name, now: now) }
            }
            found = live.map { ($0.name, $0.role) }
        }
        guard let found else { throw APIError.unauthorized("the administrator token is not valid") }
        guard found.role >= minimum else {
            throw APIError.forbidden("this needs the \(minimum.rawValue) role; the token \(found.name) has \(found.role.rawValue)")
        }
        return found
    }
}
