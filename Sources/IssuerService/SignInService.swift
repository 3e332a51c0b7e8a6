import AccountRules
import CardToken
import Crypto
import DaemonSupport
import Foundation
import HTTPTypes
import IssuerStore
import Logging
import NIOPosix

/// Signing in (alumni-api.md §4): the login name normalised once, the
/// per-client rate, the human check as configured, lockouts kept in the
/// database, the first login with the national ID (and a mailed code when
/// configured), and the session. The JSON API and the pages share it.
struct SignInService: Sendable {
    let services: IssuerServices

    struct Attempt: Sendable {
        let login: String
        let password: String
        let altcha: String?
        let mailCode: String?
        let client: String
    }

    struct Session: Sendable {
        let token: String
        let expiresAt: Int64
        let studentID: String
        let passwordChangeRequired: Bool
    }

    func signIn(_ attempt: Attempt, logger: Logger) async throws -> Session {
        guard let login = LoginName(attempt.login), (1...1_024).contains(attempt.password.utf8.count) else {
            throw APIError.badRequest("invalid_value", "login is 1–254 bytes without control characters, and password 1–1024 bytes")
        }
        guard PasswordHasher.isAcceptableAtLogin(attempt.password) else {
            throw APIError.badRequest("invalid_value", "a password holds no control characters (NUL, tab, line breaks…)")
        }
        let now = services.clock.now()
        let client = attempt.client
        if case .refused(let retryAfter) = services.throttle.admit(client: client, now: now) {
            services.metrics.login("throttled")
            logger.notice("login refused: too many attempts from this client", metadata: ["login": "\(login)", "client": "\(client)"])
            throw Self.tooManyAttempts(retryAfter)
        }
        let accounts = services.accounts, lockouts = services.lockouts
        let holder = try await services.databaseThreads.read { try accounts.holder(login: login) }
        // Counted by the account when it exists, so every spelling of it shares one count.
        let account = holder.map { "holder:\($0.id)" } ?? "name:\(login)"
        switch services.configuration.humanCheckLogin {
        case .always:
            try await services.humanCheck.check(attempt.altcha, now: now)
        case .afterFailures:
            if try await services.databaseThreads.read({ try lockouts.hasRecentFailures(account: account, client: client, now: now) }) {
                try await services.humanCheck.check(attempt.altcha, now: now)
            }
        case .never:
            break
        }
        if let retryAfter = try await services.databaseThreads.read({ try lockouts.retryAfter(account: account, client: client, now: now) }) {
            services.metrics.login("throttled")
            logger.notice("login refused: this client is locked out of the account", metadata: ["login": "\(login)", "client": "\(client)"])
            throw Self.tooManyAttempts(retryAfter)
        }
        let matches = try await passwordMatches(holder, attempt.password)
        guard matches, let holder else {
            let lockout = try await services.databaseThreads.write { try lockouts.failed(account: account, client: client, now: now) }
            services.metrics.login("invalid_credentials")
            logger.notice("login failed", metadata: ["login": "\(login)", "client": "\(client)"])
            if let lockout {
                services.metrics.login("locked_out")
                logger.warning("login lockout", metadata: ["login": "\(login)", "client": "\(client)", "seconds": "\(lockout.seconds)"])
            }
            // The same answer for an unknown account and a wrong password.
            throw APIError(.unauthorized, code: "invalid_credentials", "the login or password is not right")
        }
        guard holder.status == .active else {
            services.metrics.login("suspended")
            throw APIError(.forbidden, code: "account_suspended", "this account is suspended; contact the alumni centre")
        }
        if holder.firstLoginPending {
            try checkOpened(holder, now: now)
            if services.configuration.firstLogin == .nationalIDAndMailCode {
                try await checkMailCode(holder, attempt.mailCode, account: account, client: client, now: now, logger: logger)
            }
        }
        if try await services.databaseThreads.read({ try lockouts.hasFailures(account: account, client: client) }) {
            try await services.databaseThreads.write { try lockouts.succeeded(account: account, client: client) }
        }
        let token = BearerToken.generate(prefix: BearerToken.sessionPrefix)
        let expires = now + services.configuration.sessionLifetime
        let holderID = holder.id, tokenHash = AccountStore.tokenHash(token)
        try await services.databaseThreads.write { try accounts.createSession(holderID: holderID, tokenHash: tokenHash, now: now, expiresAt: expires) }
        services.metrics.login("ok")
        logger.info("login", metadata: ["student_id": "\(holder.studentID)", "client": "\(client)", "first": "\(holder.firstLoginPending)"])
        return Session(token: token, expiresAt: expires, studentID: holder.studentID,
                       passwordChangeRequired: holder.passwordChangeRequired || holder.firstLoginPending)
    }

    /// bcrypt for a set password; for a first login, the national ID
    /// through its keyed hash, after a bcrypt of the dummy hash, so both
    /// take the same time as an unknown account's.
    func passwordMatches(_ holder: Holder?, _ password: String) async throws -> Bool {
        let hasher = services.hasher, accounts = services.accounts
        if let holder, holder.firstLoginPending {
            _ = try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, hash: nil) }
            let id = holder.id
            return try await services.databaseThreads.read { try accounts.nationalIDMatches(holderID: id, candidate: password) }
        }
        let hash = holder?.passwordHash
        // bcrypt takes a quarter of a second at cost 12: keep it off the cooperative pool.
        return try await NIOThreadPool.singleton.runIfActive { hasher.verify(password, hash: hash) }
    }

    /// A new graduate's account opens two days after the diploma date
    /// (alumni-api.md §6), at midnight in the issuer's time zone.
    func checkOpened(_ holder: Holder, now: Int64) throws {
        guard let diploma = holder.diplomaDate, let day = try? CalendarDay(yyyymmdd: Int(diploma.yyyymmdd)),
              let opens = try? day.adding(days: 2) else { return }
        let calendar = services.applications.calendar
        guard now < calendar.start(of: opens) else { return }
        throw APIError(.forbidden, code: "account_not_open", "this account opens on \(opens), two days after the diploma date")
    }

    /// `login.first_login: national_id_and_mail_code`: the first login also
    /// needs the six-digit code mailed to the address on file.
    func checkMailCode(_ holder: Holder, _ code: String?, account: String, client: String, now: Int64, logger: Logger) async throws {
        let accounts = services.accounts, outbox = services.outbox, lockouts = services.lockouts
        guard let email = holder.email else {
            throw APIError(.forbidden, code: "mail_code_unavailable", "the first login needs a code by mail, and this account has no e-mail address; contact the alumni centre")
        }
        let holderID = holder.id
        if let code = code?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            let hash = Array(SHA256.hash(data: Data("\(holderID)|\(code)".utf8)))
            if try await services.databaseThreads.write({ try accounts.consumeFirstLoginCode(holderID: holderID, codeHash: hash, now: now) }) { return }
            _ = try await services.databaseThreads.write { try lockouts.failed(account: account, client: client, now: now) }
            throw APIError(.unauthorized, code: "mail_code_invalid", "the code is wrong or has expired; sign in again for a new one", field: "mail_code")
        }
        if try await !services.databaseThreads.read({ try accounts.hasFirstLoginCode(holderID: holderID, now: now) }) {
            let code = String(format: "%06d", Int.random(in: 0...999_999))
            let hash = Array(SHA256.hash(data: Data("\(holderID)|\(code)".utf8)))
            guard let mail = services.composer.compose(kind: "first_login_code", to: email, now: now, { $0.firstLoginCode(code, 15) }) else {
                throw APIError(.serviceUnavailable, code: "mail_unavailable", "the code cannot be mailed just now; try again later")
            }
            try await services.databaseThreads.write {
                try accounts.createFirstLoginCode(holderID: holderID, codeHash: hash, expiresAt: now + 15 * 60, mail: mail, outbox: outbox, now: now)
            }
            services.mailDelivery.wake()
            logger.info("first-login code mailed", metadata: ["student_id": "\(holder.studentID)"])
        }
        throw APIError(.forbidden, code: "mail_code_required", "a six-digit code was mailed to the address on file; sign in again with it in mail_code",
                       field: "mail_code")
    }

    static func tooManyAttempts(_ retryAfter: Int64) -> APIError {
        APIError(.tooManyRequests, code: "too_many_attempts", "too many login attempts; try again in \(retryAfter) s",
                 headers: [.retryAfter: String(retryAfter)])
    }
}
