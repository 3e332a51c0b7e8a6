import Clocks
import Crypto
import Foundation
import IssuerStore
import Logging
import NIOPosix

/// Signing staff in to the console: the name normalised once, the
/// per-client rate and the lockouts the alumni's login uses, bcrypt off
/// the cooperative threads, then the TOTP code — or, before the first one,
/// enrolment: the password proves who it is, a signed ticket carries that
/// to the page that shows the secret, and the first right code enrols.
package struct StaffSignInService: Sendable {
    package let clock: IssuerClock
    package let settings: FlowSettings
    package let staffRepository: any StaffRepository
    package let loginGuard: any LoginGuardRepository
    package let sessionStore: any SessionRepository
    package let throttle: LoginThrottle
    package let hasher: PasswordHasher
    /// For the server's local time in a refused code's answer.
    package let composer: MailComposer
    /// Signs the enrolment tickets (derived from the KEK).
    package let ticketKey: SymmetricKey

    package init(clock: IssuerClock, settings: FlowSettings, staffRepository: any StaffRepository, loginGuard: any LoginGuardRepository,
                 sessionStore: any SessionRepository, throttle: LoginThrottle, hasher: PasswordHasher, composer: MailComposer, kek: KeyEncryptionKey) {
        self.clock = clock
        self.settings = settings
        self.staffRepository = staffRepository
        self.loginGuard = loginGuard
        self.sessionStore = sessionStore
        self.throttle = throttle
        self.hasher = hasher
        self.composer = composer
        ticketKey = kek.derivedKey(purpose: "staff enrolment v1")
    }

    package enum Outcome: Sendable {
        case signedIn(token: String, expiresAt: Int64, member: StaffMember)
        /// The password was right and no authenticator is enrolled yet.
        case enrolmentNeeded(ticket: String, member: StaffMember, enrolmentURI: String)
    }

    package static let ticketLifetime: Int64 = 10 * 60

    package func signIn(name text: String, password: String, code: String?, client: String, logger: Logger) async throws -> Outcome {
        guard let name = StaffMember.normalizedName(text), (1...1_024).contains(password.utf8.count) else {
            throw Self.invalid
        }
        let now = clock.now()
        if case .refused(let retryAfter) = try await throttle.decide(client: client, now: now) {
            throw SignInService.tooManyAttempts(retryAfter)
        }
        let account = "staff:\(name)", loginGuard = self.loginGuard
        if let retryAfter = try await loginGuard.retryAfter(account: account, client: client, now: now) {
            throw SignInService.tooManyAttempts(retryAfter)
        }
        let found = try await staffRepository.credentials(name: name)
        let hasher = self.hasher, hash = found?.passwordHash
        let matches = try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, hash: hash) }
        guard matches, let found else {
            _ = try await loginGuard.recordFailure(accounts: [account], client: client, now: now)
            logger.notice("staff login failed", metadata: ["staff": "\(name)", "client": "\(client)"])
            throw Self.invalid
        }
        let factor = StaffSecondFactor(secret: found.totpSecret)
        guard found.member.enrolled else {
            return .enrolmentNeeded(ticket: ticket(name: name, now: now), member: found.member,
                                    enrolmentURI: factor.enrolmentURI(name: name, issuer: settings.issuerName))
        }
        try await takeCode(code, factor: factor, credentials: found, enrol: false, account: account, client: client, now: now, logger: logger)
        return try await session(for: found.member, account: account, client: client, now: now, logger: logger)
    }

    /// The enrolment page's form: the ticket from the password step and the first code.
    package func enrol(ticket text: String, code: String?, client: String, logger: Logger) async throws -> Outcome {
        let now = clock.now()
        guard let name = name(inTicket: text, now: now) else {
            throw IssuerError(.unauthenticated, code: "enrolment_expired", "the enrolment page has expired; sign in again with your password")
        }
        let account = "staff:\(name)"
        guard let found = try await staffRepository.credentials(name: name), !found.member.enrolled else {
            throw IssuerError(.unauthenticated, code: "enrolment_expired", "the enrolment page has expired; sign in again with your password")
        }
        try await takeCode(code, factor: StaffSecondFactor(secret: found.totpSecret), credentials: found, enrol: true, account: account, client: client,
                           now: now, logger: logger)
        logger.info("staff enrolled a second factor", metadata: ["staff": "\(name)"])
        return try await session(for: found.member, account: account, client: client, now: now, logger: logger)
    }

    private func takeCode(_ code: String?, factor: StaffSecondFactor, credentials: StaffCredentials, enrol: Bool, account: String, client: String,
                          now: Int64, logger: Logger) async throws {
        let name = credentials.member.name
        if let code, let step = factor.step(for: code, now: now, lastStep: credentials.lastStep),
           try await staffRepository.takeStep(name: name, step: step, enrol: enrol, now: now) {
            return
        }
        _ = try await loginGuard.recordFailure(accounts: [account], client: client, now: now)
        logger.notice("staff login failed: code", metadata: ["staff": "\(name)", "client": "\(client)"])
        // The server's time, so a phone whose clock is off can be told apart from a wrong code.
        var error = IssuerError(.unauthenticated, code: "code_invalid", "the six-digit code is wrong, already used or from another time; the server's time is \(composer.localTime(now))",
                             field: "code")
        error.extra = ["server_time": composer.localTime(now)]
        throw error
    }

    private func session(for member: StaffMember, account: String, client: String, now: Int64, logger: Logger) async throws -> Outcome {
        let token = BearerToken.generate(prefix: "acst_")
        let expires = now + settings.staffSessionLifetime
        try await loginGuard.recordSuccess(accounts: [account], client: client)
        try await sessionStore.createStaffSession(name: member.name, tokenHash: BearerToken.digest(token), now: now, expiresAt: expires)
        logger.info("staff login", metadata: ["staff": "\(member.name)", "client": "\(client)"])
        return .signedIn(token: token, expiresAt: expires, member: member)
    }

    /// Ends a console session (signing out); an unknown token is already ended.
    package func signOut(sessionToken: String) async throws {
        try await sessionStore.endStaffSession(tokenHash: BearerToken.digest(sessionToken))
    }

    package static let invalid = IssuerError(.unauthenticated, code: "invalid_credentials", "the name or password is not right")

    // MARK: Enrolment tickets: "name.expiry.mac"

    package func ticket(name: String, now: Int64) -> String {
        let body = "\(name).\(now + Self.ticketLifetime)"
        return body + "." + Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: ticketKey)).base64EncodedString()
    }

    /// The enrolment URI again for a ticket still valid (the page shown
    /// anew after a wrong first code); nil for a ticket that is not.
    package func enrolmentURI(ticket: String) async throws -> String? {
        guard let name = name(inTicket: ticket, now: clock.now()), let found = try await staffRepository.credentials(name: name) else { return nil }
        return StaffSecondFactor(secret: found.totpSecret).enrolmentURI(name: name, issuer: settings.issuerName)
    }

    package func name(inTicket ticket: String, now: Int64) -> String? {
        guard ticket.utf8.count <= 256, let cut = ticket.lastIndex(of: ".") else { return nil }
        let body = String(ticket[..<cut])
        guard let mac = Data(base64Encoded: String(ticket[ticket.index(after: cut)...])),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(body.utf8), using: ticketKey),
              let dot = body.lastIndex(of: "."), let expires = Int64(body[body.index(after: dot)...]), now < expires else { return nil }
        return String(body[..<dot])
    }
}
