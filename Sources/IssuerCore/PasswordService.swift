import AccountRules
import Clocks
import Foundation
import IssuerStore
import Logging
import NIOPosix

/// Changing and resetting passwords under the centre's rules
/// (alumni-api.md §4). Every change ends the account's other sessions
/// and is audited; reset tokens are stored only as hashes.
package struct PasswordService: Sendable {
    /// Sign-in's checks and its dependencies: a password change is a
    /// sign-in's sibling (the same throttle, lockouts and password check).
    package let signIn: SignInService

    package init(signIn: SignInService) {
        self.signIn = signIn
    }

    package var policy: PasswordPolicy { PasswordPolicy(kind: signIn.settings.passwordPolicy, commonPasswords: .bundled) }

    /// `POST /v1/account/password`: the holder, signed in, changes it.
    /// Throttled like a login (review 2, #10): the client's rate, and a
    /// wrong current password counts as a failed login of the account
    /// from this client, locking it out after `login.max_failures`. The
    /// contract's order stays (wrong_password first); the lockout bounds
    /// what a stolen session learns from it.
    /// Changes the password after checking the current one; other sessions
    /// end. With `rotateSession` (the pages), the current session ends too
    /// and the new one is returned, so a stolen copy of the cookie dies with
    /// the old password (review 2, §C); the API keeps its bearer token, as
    /// the contract's answer carries none.
    @discardableResult
    package func change(holder: Holder, sessionHash: [UInt8], current: String, new: String, client: String, rotateSession: Bool = false,
                logger: Logger) async throws -> SignInService.Session? {
        let now = signIn.clock.now()
        try await verifyCurrentPassword(holder: holder, current, client: client, doing: "password change", logger: logger)
        var session: SignInService.Session?
        var replacement: (tokenHash: [UInt8], expiresAt: Int64)?
        if rotateSession {
            let token = BearerToken.generate(prefix: BearerToken.sessionPrefix), expires = now + signIn.settings.sessionLifetime
            session = SignInService.Session(token: token, expiresAt: expires, studentID: holder.studentID, passwordChangeRequired: false)
            replacement = (BearerToken.digest(token), expires)
        }
        try await set(holder: holder, new: new, keepSession: sessionHash, reset: nil, newSession: replacement, action: "password_changed")
        logger.info("password changed", metadata: ["student_id": "\(holder.studentID)", "session_rotated": "\(rotateSession)"])
        return session
    }

    /// Checks the signed-in holder's current password before a change that
    /// needs it (the password, the e-mail address, a data request): the
    /// client's login rate first, then its lockout on the account; a wrong
    /// password counts as a failed login of the account from this client.
    package func verifyCurrentPassword(holder: Holder, _ current: String, client: String, doing: String, logger: Logger) async throws {
        let loginGuard = signIn.loginGuard, now = signIn.clock.now()
        let account = "holder:\(holder.id)"
        if case .refused(let retryAfter) = try await signIn.throttle.decide(client: client, now: now) {
            throw SignInService.tooManyAttempts(retryAfter)
        }
        if let retryAfter = try await loginGuard.retryAfter(account: account, client: client, now: now) {
            throw SignInService.tooManyAttempts(retryAfter)
        }
        guard PasswordHasher.isAcceptableAtLogin(current), current.utf8.count <= 1_024,
              try await signIn.passwordMatches(holder, current) else {
            let lockout = try await loginGuard.recordFailure(accounts: [account], client: client, now: now)
            logger.notice("\(doing): wrong current password", metadata: ["student_id": "\(holder.studentID)", "client": "\(client)",
                                                                          "locked_out": "\(lockout != nil)"])
            throw IssuerError(.forbidden, code: "wrong_password", "current_password is not the account's current password", field: "current_password")
        }
    }

    /// Checks the rules, hashes, and stores.
    private func set(holder: Holder, new: String, keepSession: [UInt8]?, reset: [UInt8]?,
                     newSession: (tokenHash: [UInt8], expiresAt: Int64)? = nil, action: String) async throws {
        guard PasswordHasher.isAcceptableAtLogin(new) else {
            throw IssuerError.invalid("password_too_simple", field: "new_password", "a password holds no control characters (tabs, line breaks…)")
        }
        let holders = signIn.holders, hasher = signIn.hasher, policy = policy
        let holderID = holder.id
        let recent = try await holders.recentPasswordHashes(holderID: holderID)
        var identifiers = [holder.studentID, holder.email ?? "", holder.mobile ?? ""]
        // The national ID is compared through its keyed hash, never unsealed.
        if (try? IdentityNumber(new)) != nil, holder.hasNationalID,
           try await holders.nationalIDMatches(holderID: holderID, candidate: new) {
            identifiers.append(new)
        }
        let earlier = Array(Set(recent + [holder.passwordHash].compactMap { $0 }))
        let known = identifiers
        // Up to four bcrypt comparisons: off the cooperative threads.
        let problem = try await NIOThreadPool.singleton.runIfActive {
            policy.problem(with: new, identifiers: known) { candidate in earlier.contains { hasher.verify(candidate, hash: $0) } }
        }
        if let problem { throw IssuerError.invalid(problem.rawValue, field: "new_password", Self.explanation(problem, policy: policy)) }
        let hash = try await NIOThreadPool.singleton.runIfActive { hasher.hash(new) }
        do {
            try await holders.changePassword(holderID: holderID, hash: hash, keepSession: keepSession, consumeReset: reset, newSession: newSession,
                                             action: action, now: signIn.clock.now())
        } catch let error as IssuerStoreError where error.code == .tokenUnusable {
            throw Self.invalidResetToken
        }
        signIn.caches.sessions.forgetAll()
    }

    package static func explanation(_ problem: PasswordProblem, policy: PasswordPolicy) -> String {
        switch problem {
        case .tooShort: "a password has at least \(policy.minimumCharacters) characters"
        case .tooLong: "a password has at most \(PasswordPolicy.maximumCharacters) characters and \(PasswordPolicy.maximumBytes) bytes"
        case .tooSimple: "a password mixes at least three of: capital letters, small letters, digits, other signs"
        case .reused: "a password may not be one of the account's last three"
        case .isIdentifier: "a password may not be the account's national ID, student ID, e-mail address or mobile number"
        case .common: "this password is on the list of commonly used passwords; choose another"
        }
    }

    package static let invalidResetToken = IssuerError.malformed("reset_token_invalid", "this reset link is unknown, used or expired; ask for a new one")

    /// Reset mails per account per day: past it the answer is the same and no mail goes.
    package static let resetMails = RateCounterScope("reset_mail", window: 86_400)
    package static let resetMailsPerDay = 5

    /// `POST /v1/password-reset`: the same answer whether or not the
    /// account exists, and the same work (review 2, #12): one write
    /// transaction either way, an audit row for an unknown name.
    package func requestReset(login text: String, altcha: String?, logger: Logger) async throws {
        let now = signIn.clock.now()
        try await signIn.humanCheck.check(altcha, now: now)
        guard let login = LoginName(text) else { throw IssuerError.malformed("invalid_value", "login is 1–254 bytes without control characters") }
        let holders = signIn.holders
        let key = holders.loginKey(login)
        let logName: Logger.Metadata = ["login": "\(login)", "login_key": "\(key.dropFirst(5).prefix(12))"]
        guard let holder = try await holders.holder(login: login),
              holder.status == .active, let email = holder.email else {
            // The same rendering a real reset does, discarded: composing the mail was most of what still told the two apart.
            let link = signIn.composer.link("/reset", token: BearerToken.generate(prefix: "acr_"))
            _ = signIn.composer.compose(kind: "password_reset", to: "nobody@invalid.example", now: now) {
                $0.passwordReset(link, Int(signIn.settings.resetLifetime / 60))
            }
            try await holders.recordResetForNoAccount(now: now)
            logger.info("password reset requested for no account with an address", metadata: logName)
            return
        }
        let token = BearerToken.generate(prefix: "acr_")
        let minutes = Int(signIn.settings.resetLifetime / 60)
        let link = signIn.composer.link("/reset", token: token)
        let mail = signIn.composer.compose(kind: "password_reset", to: email, now: now) { $0.passwordReset(link, minutes) }
        let holderID = holder.id, hash = BearerToken.digest(token), expires = now + signIn.settings.resetLifetime
        let sent = try await holders.createPasswordReset(holderID: holderID, tokenHash: hash, expiresAt: expires, mail: mail, now: now,
                                                         cap: (Self.resetMails, Self.resetMailsPerDay))
        guard sent else {
            logger.notice("password reset not mailed: the account's daily number of reset mails is reached", metadata: ["student_id": "\(holder.studentID)"])
            return
        }
        signIn.mailDelivery.wake()
        logger.info("password reset mailed", metadata: ["student_id": "\(holder.studentID)"])
    }

    /// `POST /v1/password-reset/confirm`: ends every session of the account.
    package func confirmReset(token: String, new: String, logger: Logger) async throws {
        guard (1...128).contains(token.utf8.count) else { throw Self.invalidResetToken }
        let hash = BearerToken.digest(token), now = signIn.clock.now()
        guard let holder = try await signIn.holders.passwordReset(tokenHash: hash, now: now) else {
            throw Self.invalidResetToken
        }
        try await set(holder: holder, new: new, keepSession: nil, reset: hash, action: "password_reset")
        logger.info("password reset", metadata: ["student_id": "\(holder.studentID)"])
    }
}

