import AccountRules
import CardToken
import Clocks
import Crypto
import Foundation
import IssuerStore
import Logging
import NIOPosix

/// Signing in (alumni-api.md §4): the login name normalised once, the
/// per-client rate, the human check as configured, lockouts kept in the
/// database, the first login with the national ID (and a mailed code when
/// configured), and the session. The JSON API and the pages share it.
package struct SignInService: Sendable {
    package let clock: IssuerClock
    package let settings: FlowSettings
    package let holders: any HolderRepository
    package let loginGuard: any LoginGuardRepository
    package let sessionStore: any SessionRepository
    package let caches: IssuerCaches
    package let throttle: LoginThrottle
    package let humanCheck: HumanCheckService
    package let hasher: PasswordHasher
    package let composer: MailComposer
    package let mailDelivery: MailDeliveryService
    package let calendar: ReviewCalendar
    package let metrics: any FlowMetrics

    package init(clock: IssuerClock, settings: FlowSettings, holders: any HolderRepository, loginGuard: any LoginGuardRepository,
                 sessionStore: any SessionRepository, caches: IssuerCaches, throttle: LoginThrottle, humanCheck: HumanCheckService,
                 hasher: PasswordHasher, composer: MailComposer, mailDelivery: MailDeliveryService, calendar: ReviewCalendar, metrics: any FlowMetrics) {
        self.clock = clock
        self.settings = settings
        self.holders = holders
        self.loginGuard = loginGuard
        self.sessionStore = sessionStore
        self.caches = caches
        self.throttle = throttle
        self.humanCheck = humanCheck
        self.hasher = hasher
        self.composer = composer
        self.mailDelivery = mailDelivery
        self.calendar = calendar
        self.metrics = metrics
    }

    package struct Attempt: Sendable {
        package let login: String
        package let password: String
        package let altcha: String?
        package let mailCode: String?
        package let client: String
        /// The browser's `User-Agent`, shown in the sessions list (``SessionDevice``).
        package let userAgent: String?

        package init(login: String, password: String, altcha: String?, mailCode: String?, client: String, userAgent: String? = nil) {
            self.login = login
            self.password = password
            self.altcha = altcha
            self.mailCode = mailCode
            self.client = client
            self.userAgent = userAgent
        }
    }

    package struct Session: Sendable {
        package let token: String
        package let expiresAt: Int64
        package let studentID: String
        package let passwordChangeRequired: Bool
    }

    /// Wrong first-login guesses per account, per day (UTC), from all clients.
    package static let firstLoginGuesses = RateCounterScope("first_login_guess", window: 86_400)

    package func signIn(_ attempt: Attempt, logger: Logger) async throws -> Session {
        guard let login = LoginName(attempt.login), (1...1_024).contains(attempt.password.utf8.count) else {
            throw IssuerError.malformed("invalid_value", "login is 1–254 bytes without control characters, and password 1–1024 bytes")
        }
        guard PasswordHasher.isAcceptableAtLogin(attempt.password) else {
            throw IssuerError.malformed("invalid_value", "a password holds no control characters (NUL, tab, line breaks…)")
        }
        // The national ID is the first password, so people type it as the login too.
        guard (try? IdentityNumber(login.text)) == nil else {
            throw IssuerError.invalid("national_id_as_login", field: "login",
                                   "that is a national ID: it goes in the password field; sign in with your student ID, e-mail address or mobile number")
        }
        let now = clock.now()
        let client = attempt.client
        let holders = self.holders, loginGuard = self.loginGuard
        // The name as typed is never logged or stored: its keyed hash stands for it.
        let spelling = holders.loginKey(login)
        let logName: Logger.Metadata = ["login": "\(login)", "login_key": "\(spelling.dropFirst(5).prefix(12))", "client": "\(client)"]
        if case .refused(let retryAfter) = try await throttle.decide(client: client, now: now) {
            metrics.login("throttled")
            logger.notice("login refused: too many attempts from this client", metadata: logName)
            throw Self.tooManyAttempts(retryAfter)
        }
        let holder = try await holders.holder(login: login)
        // Counted by the account when it exists, so every spelling of it shares one count.
        let account = holder.map { "holder:\($0.id)" } ?? spelling
        switch settings.humanCheckLogin {
        case .always:
            try await humanCheck.check(attempt.altcha, now: now)
        case .afterFailures:
            if try await loginGuard.hasRecentFailures(account: account, client: client, now: now) {
                try await humanCheck.check(attempt.altcha, now: now)
            }
        case .never:
            break
        }
        // Only the spelling tried answers 429 (review 2, #11): were a lockout
        // of the account told under another spelling, a locked-out client
        // could test which e-mail or mobile belongs to a student ID. Under
        // another spelling the password is not checked, the time is the
        // same, and the answer is an ordinary failure, counted to that spelling.
        if let retryAfter = try await loginGuard.retryAfter(account: spelling, client: client, now: now) {
            metrics.login("throttled")
            logger.notice("login refused: this client is locked out of the account", metadata: logName)
            throw Self.tooManyAttempts(retryAfter)
        }
        let accountLocked = account != spelling
            ? try await loginGuard.retryAfter(account: account, client: client, now: now) != nil : false
        if let holder, holder.firstLoginPending, !accountLocked {
            try await checkFirstLoginCeiling(holder, attempt.mailCode, account: account, client: client, now: now, logger: logger)
        }
        let matches: Bool
        if accountLocked {
            _ = try await passwordMatches(nil, attempt.password) // the time of a real check
            matches = false
        } else {
            matches = try await passwordMatches(holder, attempt.password)
        }
        guard matches, let holder else {
            // Under a locked account nothing was checked: only the spelling counts.
            let keys: Set = account == spelling || accountLocked ? [spelling] : [account, spelling]
            let lockout = try await loginGuard.recordFailure(accounts: keys, client: client, now: now)
            if let holder, holder.firstLoginPending, !accountLocked { try await countFirstLoginGuess(holder, now: now, logger: logger) }
            metrics.login("invalid_credentials")
            logger.notice("login failed", metadata: logName)
            if let lockout {
                metrics.login("locked_out")
                logger.warning("login lockout", metadata: logName.merging(["seconds": "\(lockout.seconds)"]) { $1 })
            }
            // The same answer for an unknown account and a wrong password.
            throw IssuerError(.unauthenticated, code: "invalid_credentials", "the login or password is not right")
        }
        guard holder.status == .active else {
            metrics.login("suspended")
            throw IssuerError(.forbidden, code: "account_suspended", "this account is suspended; contact the alumni centre")
        }
        if holder.firstLoginPending {
            try checkOpened(holder, now: now)
            if settings.firstLogin == .nationalIDAndMailCode, !(try await firstLoginEscalated(holder, now: now)) {
                try await checkMailCode(holder, attempt.mailCode, account: account, client: client, now: now, logger: logger)
            }
        }
        try await loginGuard.recordSuccess(accounts: [account, spelling], client: client)
        let token = BearerToken.generate(prefix: BearerToken.sessionPrefix)
        let expires = now + settings.sessionLifetime
        try await sessionStore.createHolderSession(holderID: holder.id, tokenHash: BearerToken.digest(token), now: now, expiresAt: expires,
                                                  userAgent: SessionDevice.userAgent(attempt.userAgent))
        metrics.login("ok")
        logger.info("login", metadata: ["student_id": "\(holder.studentID)", "client": "\(client)", "first": "\(holder.firstLoginPending)"])
        return Session(token: token, expiresAt: expires, studentID: holder.studentID,
                       passwordChangeRequired: holder.passwordChangeRequired || holder.firstLoginPending)
    }

    /// Ends a session (signing out, or a new sign-in in the same browser)
    /// and drops it from this instance's cache at once; an unknown token
    /// is already ended.
    package func signOut(sessionToken: String) async throws {
        let hash = BearerToken.digest(sessionToken)
        try await sessionStore.endHolderSession(tokenHash: hash)
        caches.sessions.forget(hash)
    }

    /// Whether today's wrong first-login guesses at this account reached the ceiling.
    package func firstLoginEscalated(_ holder: Holder, now: Int64) async throws -> Bool {
        try await loginGuard.count(Self.firstLoginGuesses, key: String(holder.id), now: now) >= settings.firstLoginDailyLimit
    }

    /// Review 2, #7: past `login.first_login_daily_limit` wrong guesses
    /// today, from however many clients, the first login needs the mailed
    /// code before the national ID is even compared; with no address on
    /// file it waits for the next day. Either answer is the same whatever
    /// the password, so it confirms no guess.
    package func checkFirstLoginCeiling(_ holder: Holder, _ code: String?, account: String, client: String, now: Int64, logger: Logger) async throws {
        guard try await firstLoginEscalated(holder, now: now) else { return }
        guard holder.email != nil else {
            let retryAfter = Self.firstLoginGuesses.remaining(now)
            logger.warning("first login closed for the day: too many wrong guesses", metadata: ["student_id": "\(holder.studentID)"])
            throw Self.tooManyAttempts(retryAfter)
        }
        try await checkMailCode(holder, code, account: account, client: client, now: now, logger: logger)
    }

    /// Counts a wrong first-login guess; at the ceiling the address on file is told, once a day.
    package func countFirstLoginGuess(_ holder: Holder, now: Int64, logger: Logger) async throws {
        let limit = settings.firstLoginDailyLimit
        let notice = holder.email.flatMap { email in
            composer.compose(kind: "first_login_guessed", to: email, now: now) { $0.firstLoginGuessed(holder.studentID, limit) }
        }
        let count = try await loginGuard.add(Self.firstLoginGuesses, key: String(holder.id), now: now, notice: notice.map { (limit, $0) })
        let reached = count == limit
        if reached {
            mailDelivery.wake()
            logger.warning("first-login guesses reached the daily ceiling; a mailed code is now required", metadata: ["student_id": "\(holder.studentID)"])
        }
    }

    /// bcrypt for a set password; for a first login, the national ID
    /// through its keyed hash, after a bcrypt of the dummy hash, so both
    /// take the same time as an unknown account's.
    package func passwordMatches(_ holder: Holder?, _ password: String) async throws -> Bool {
        let hasher = self.hasher
        if let holder, holder.firstLoginPending {
            _ = try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, hash: nil) }
            return try await holders.nationalIDMatches(holderID: holder.id, candidate: password)
        }
        let hash = holder?.passwordHash
        // bcrypt takes a quarter of a second at cost 12: keep it off the cooperative pool.
        return try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, hash: hash) }
    }

    /// A new graduate's account opens two days after the diploma date
    /// (alumni-api.md §6), at midnight in the issuer's time zone.
    package func checkOpened(_ holder: Holder, now: Int64) throws {
        guard let diploma = holder.diplomaDate, let opens = try? diploma.adding(days: 2) else { return }
        let calendar = self.calendar
        guard now < calendar.start(of: opens) else { return }
        throw IssuerError(.forbidden, code: "account_not_open", "this account opens on \(opens), two days after the diploma date")
    }

    /// `login.first_login: national_id_and_mail_code`: the first login also
    /// needs the six-digit code mailed to the address on file.
    package func checkMailCode(_ holder: Holder, _ code: String?, account: String, client: String, now: Int64, logger: Logger) async throws {
        let holders = self.holders
        guard let email = holder.email else {
            throw IssuerError(.forbidden, code: "mail_code_unavailable", "the first login needs a code by mail, and this account has no e-mail address; contact the alumni centre")
        }
        let holderID = holder.id
        if let code = code?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            let hash = Array(SHA256.hash(data: Data("\(holderID)|\(code)".utf8)))
            if try await holders.consumeFirstLoginCode(holderID: holderID, codeHash: hash, now: now) { return }
            _ = try await loginGuard.recordFailure(accounts: [account], client: client, now: now)
            throw IssuerError(.unauthenticated, code: "mail_code_invalid", "the code is wrong or has expired; sign in again for a new one", field: "mail_code")
        }
        if try await !holders.hasFirstLoginCode(holderID: holderID, now: now) {
            let code = String(format: "%06d", Int.random(in: 0...999_999))
            let hash = Array(SHA256.hash(data: Data("\(holderID)|\(code)".utf8)))
            guard let mail = composer.compose(kind: "first_login_code", to: email, now: now, { $0.firstLoginCode(code, 15) }) else {
                throw IssuerError(.unavailable, code: "mail_unavailable", "the code cannot be mailed just now; try again later")
            }
            try await holders.createFirstLoginCode(holderID: holderID, codeHash: hash, expiresAt: now + 15 * 60, mail: mail, now: now)
            mailDelivery.wake()
            logger.info("first-login code mailed", metadata: ["student_id": "\(holder.studentID)"])
        }
        throw IssuerError(.forbidden, code: "mail_code_required", "a six-digit code was mailed to the address on file; sign in again with it in mail_code",
                       field: "mail_code")
    }

    package static func tooManyAttempts(_ retryAfter: Int64) -> IssuerError {
        IssuerError(.tooManyAttempts, code: "too_many_attempts", "too many login attempts; try again in \(retryAfter) s",
                 retryAfter: Int64(retryAfter))
    }
}
