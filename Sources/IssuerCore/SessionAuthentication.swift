import CardToken
import Clocks
import Foundation
import IssuerStore

/// Who is behind a bearer secret: an alumnus's session (the app's bearer
/// token or the pages' cookie), an administrator's token, a staff
/// member's console session. The transport reads the secret from the
/// request; the middleware puts the answer into the request's context.
package struct SessionAuthentication: Sendable {
    /// The longest bearer secret read; ours are under 64 characters.
    package static let maximumTokenLength = 512

    package let clock: IssuerClock
    package let sessionStore: any SessionRepository
    package let staffRepository: any StaffRepository
    package let sessions: SessionCache
    /// The configured bootstrap token's hash: an `admin` named "bootstrap".
    package let bootstrapAdminTokenHash: [UInt8]?

    package init(clock: IssuerClock, sessionStore: any SessionRepository, staffRepository: any StaffRepository, sessions: SessionCache,
                 bootstrapAdminTokenHash: [UInt8]?) {
        self.clock = clock
        self.sessionStore = sessionStore
        self.staffRepository = staffRepository
        self.sessions = sessions
        self.bootstrapAdminTokenHash = bootstrapAdminTokenHash
    }

    static let sessionEnded = IssuerError.signInRequired("the session has expired or was ended; log in again")

    /// The holder behind a session token, with their cards and the token's hash.
    package func holder(sessionToken token: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        guard token.utf8.count <= Self.maximumTokenLength else { throw Self.sessionEnded }
        let hash = BearerToken.digest(token)
        let now = clock.now()
        let entry: SessionCache.Entry
        if let cached = sessions.entry(hash, now: now) {
            entry = cached
        } else {
            guard let found = try await sessionStore.holderSession(tokenHash: hash, now: now) else { throw Self.sessionEnded }
            entry = SessionCache.Entry(holder: found.holder, cards: found.cards, expiresAt: found.expiresAt, loadedAt: now)
            sessions.store(entry, for: hash)
            // "Last seen" in the sessions list, to within lastSeenResolution: a write at most every few minutes, not per request.
            if now - (found.lastSeenAt ?? 0) >= SessionCache.lastSeenResolution {
                let store = sessionStore
                Task { try? await store.touchHolderSession(tokenHash: hash, now: now) }
            }
        }
        guard entry.holder.status == .active else {
            throw IssuerError(.forbidden, code: "account_suspended", "this account is suspended; contact the alumni centre")
        }
        return (entry.holder, entry.cards, hash)
    }

    /// As ``holder(sessionToken:)``, for the card, token and card
    /// application endpoints and pages: refused while the password must change.
    package func cardHolder(sessionToken: String) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8]) {
        let found = try await holder(sessionToken: sessionToken)
        if found.holder.passwordChangeRequired || found.holder.firstLoginPending {
            throw IssuerError(.forbidden, code: "password_change_required", "choose a new password first (POST /v1/account/password)")
        }
        return found
    }

    /// The administrator behind a token, if their role is at least `minimum`.
    package func administrator(token: String, minimum: AdminRole) async throws -> (name: String, role: AdminRole) {
        let hash = BearerToken.digest(token)
        let found: (name: String, role: AdminRole)?
        if let bootstrap = bootstrapAdminTokenHash, ConstantTime.equal(bootstrap, hash) {
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
        guard let found else { throw IssuerError.signInRequired("the administrator token is not valid") }
        guard found.role >= minimum else {
            throw IssuerError.forbidden("this needs the \(minimum.rawValue) role; the token \(found.name) has \(found.role.rawValue)")
        }
        return found
    }

    /// The staff member behind a console session cookie, if their role is at least `minimum`.
    package func staff(sessionToken: String?, minimum: AdminRole) async throws -> StaffMember {
        guard let sessionToken else { throw IssuerError.signInRequired("sign in to the staff console") }
        guard sessionToken.utf8.count <= Self.maximumTokenLength,
              let member = try await sessionStore.staffSession(tokenHash: BearerToken.digest(sessionToken), now: clock.now()) else {
            throw IssuerError.signInRequired("the staff session has ended; sign in again")
        }
        guard member.role >= minimum else {
            throw IssuerError.forbidden("this needs the \(minimum.rawValue) role; \(member.name) has \(member.role.rawValue)")
        }
        return member
    }
}
