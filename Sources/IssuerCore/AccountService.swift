import AccountRules
import CardToken
import Clocks
import Crypto
import Foundation
import IssuerStore
import Logging

/// The alumnus's own account (alumni-api.md §10): what the centre holds,
/// contact changes with a notice to the address on file, a change of
/// e-mail address confirmed by a code, and the list of sessions with
/// signing out one or all others. One method per action, whoever calls
/// it (the API or the pages), with all its effects.
package struct AccountService: Sendable {
    package let accounts: any AccountRepository
    package let passwords: PasswordService

    /// A new address's code lives this long (§10: 15 minutes).
    package static let emailCodeLifetime: Int64 = 15 * 60
    /// Wrong codes before a pending change is void (§10: 5).
    package static let emailCodeAttempts = 5

    package init(accounts: any AccountRepository, passwords: PasswordService) {
        self.accounts = accounts
        self.passwords = passwords
    }

    package var signIn: SignInService { passwords.signIn }

    /// `GET /v1/account`.
    package func details(of holder: Holder) async throws -> AccountDetails {
        guard let details = try await accounts.details(holderID: holder.id) else { throw SessionAuthentication.sessionEnded }
        return details
    }

    /// The members of `PATCH /v1/account` as sent, before checking: text as
    /// the JSON held it (addresses as JSON objects' text), `.some(nil)` for null.
    package struct ContactFields: Sendable {
        package var phone: String??
        package var mobile: String?
        package var permanentAddress: String?
        package var mailingAddress: String?
        package var reminders: Bool?

        package init(phone: String?? = nil, mobile: String? = nil, permanentAddress: String? = nil, mailingAddress: String? = nil, reminders: Bool? = nil) {
            self.phone = phone
            self.mobile = mobile
            self.permanentAddress = permanentAddress
            self.mailingAddress = mailingAddress
            self.reminders = reminders
        }
    }

    /// How a change of the mobile number is confirmed.
    package enum MobileConfirmation: Sendable {
        /// As §10's `PATCH` has it: the session suffices (a given password is still checked).
        case sessionOrPassword(String?)
        /// The pages: the current password, always (issue #28; a mobile number is a login name).
        case password(String)
    }

    /// `PATCH /v1/account`: each member checked by the application form's
    /// rule (422 `invalid_field` with `field`), then one change; a mobile
    /// number another account has is 409 `mobile_unavailable`. The old
    /// e-mail address is told of every change of contact data. A change of
    /// the mobile number checks the current password as `confirmation`
    /// says, like a login (throttled, wrong ones counted).
    package func update(_ holder: Holder, _ fields: ContactFields, confirmation: MobileConfirmation = .sessionOrPassword(nil), client: String,
                        logger: Logger) async throws -> AccountDetails {
        let now = signIn.clock.now()
        let parser = ApplicationFormParser(today: signIn.calendar.day(of: now))
        var update = ContactUpdate()
        if let phone = fields.phone { update.phone = .some(try parser.phone(phone)) }
        if let mobile = fields.mobile { update.mobile = try parser.mobile(mobile) }

        if let permanent = fields.permanentAddress {
            update.permanentAddress = try parser.address(permanent, field: "permanent_address", allowSame: false)
        }
        if let mailing = fields.mailingAddress {
            update.mailingAddress = .some(try parser.address(mailing, field: "mailing_address", allowSame: true))
        }
        update.reminders = fields.reminders
        // Every member is checked before the password, so a typing error costs no attempt.
        if let mobile = update.mobile, mobile != holder.mobile {
            switch confirmation {
            case .sessionOrPassword(nil): break
            case .password(let password) where password.isEmpty:
                throw IssuerError.invalid("missing_field", field: "current_password", "changing the mobile number takes the current password")
            case .sessionOrPassword(let password?), .password(let password):
                try await passwords.verifyCurrentPassword(holder: holder, password, client: client, doing: "mobile change", logger: logger)
            }
        }
        let composer = signIn.composer, accountURL = composer.pageURL("/account")
        let outcome: ContactChangeOutcome
        do {
            outcome = try await accounts.updateContact(holderID: holder.id, update, now: now) { before, changed in
                guard let email = before.email else { return [] }
                let at = composer.localTime(now)
                let fields = changed.filter(\.isContactData).sorted().map(\.rawValue)
                return [composer.compose(kind: "contact_changed", to: email, now: now) { catalogue in
                    catalogue.contactChanged(before.chineseName, fields.map(catalogue.contactField), at, accountURL)
                }].compactMap { $0 }
            }
        } catch let error as IssuerStoreError where error.code == .invalidChange {
            throw IssuerError(.conflict, code: "mobile_unavailable", "another account uses this mobile number; give another, or ask the alumni centre",
                              field: "mobile")
        }
        if !outcome.changed.isEmpty {
            signIn.caches.accountsChanged()
            signIn.mailDelivery.wake()
            logger.info("account changed", metadata: ["student_id": "\(holder.studentID)",
                                                      "fields": "\(outcome.changed.sorted().map(\.rawValue).joined(separator: ","))"])
        }
        return outcome.details
    }

    /// `POST /v1/account/email`: after the current password, the new
    /// address gets a six-digit code and the old one a notice. The answer
    /// is the same when another account has the address: its owner is told
    /// instead and no code can complete the change.
    package func requestEmailChange(_ holder: Holder, email text: String, currentPassword: String, client: String, logger: Logger) async throws {
        let email: String
        do { email = try EmailAddress(text).text } catch {
            throw IssuerError.invalid("invalid_field", field: "email", error.message)
        }
        try await passwords.verifyCurrentPassword(holder: holder, currentPassword, client: client, doing: "e-mail change", logger: logger)
        let now = signIn.clock.now()
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        let composer = signIn.composer, minutes = Int(Self.emailCodeLifetime / 60)
        let old = holder.email, name = holder.displayName, masked = Self.masked(email), at = composer.localTime(now)
        try await accounts.startEmailChange(holderID: holder.id, email: email, codeHash: Self.codeHash(code, holderID: holder.id),
                                            expiresAt: now + Self.emailCodeLifetime, now: now) { taken in
            var mails: [OutgoingMail?] = []
            if taken {
                mails.append(composer.compose(kind: "email_address_in_use", to: email, now: now) { $0.emailAddressInUse() })
            } else {
                mails.append(composer.compose(kind: "email_change_code", to: email, now: now) { $0.emailChangeCode(code, minutes) })
            }
            if let old, PersonalDataSeal.normalise(old) != PersonalDataSeal.normalise(email) {
                mails.append(composer.compose(kind: "email_change_requested", to: old, now: now) { $0.emailChangeRequested(name, masked, at) })
            }
            return mails.compactMap { $0 }
        }
        signIn.mailDelivery.wake()
        logger.info("e-mail change requested", metadata: ["student_id": "\(holder.studentID)"])
    }

    /// `POST /v1/account/email/confirm`.
    package func confirmEmailChange(_ holder: Holder, code: String, logger: Logger) async throws {
        let digits = code.trimmingCharacters(in: .whitespaces)
        guard digits.utf8.count == 6, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { throw Self.codeInvalid }
        let now = signIn.clock.now()
        let composer = signIn.composer, name = holder.displayName, at = composer.localTime(now)
        let outcome = try await accounts.confirmEmailChange(holderID: holder.id, codeHash: Self.codeHash(digits, holderID: holder.id), now: now,
                                                            maximumAttempts: Self.emailCodeAttempts) { old, new in
            guard let old else { return [] }
            return [composer.compose(kind: "email_changed", to: old, now: now) { $0.emailChanged(name, Self.masked(new), at) }].compactMap { $0 }
        }
        switch outcome {
        case .changed:
            signIn.caches.accountsChanged()
            signIn.mailDelivery.wake()
            logger.info("e-mail address changed", metadata: ["student_id": "\(holder.studentID)"])
        case .invalid:
            throw Self.codeInvalid
        case .void:
            logger.notice("e-mail change void after too many wrong codes", metadata: ["student_id": "\(holder.studentID)"])
            throw IssuerError(.tooManyAttempts, code: "too_many_attempts", "too many wrong codes: the change is void; ask for a new one")
        }
    }

    static let codeInvalid = IssuerError.malformed("code_invalid", "this code is wrong, used or expired; check the latest mail, or ask for a new code")

    /// A code's stored form, bound to the holder so one table of six-digit hashes does not serve every row.
    static func codeHash(_ code: String, holderID: Int64) -> [UInt8] {
        Array(SHA256.hash(data: Data("email-change|\(holderID)|\(code)".utf8)))
    }

    /// `a•••@example.org`: enough for the owner to recognise, not to read.
    package static func masked(_ email: String) -> String {
        guard let at = email.lastIndex(of: "@") else { return "•••" }
        return String(email[..<at].prefix(1)) + "•••" + String(email[at...])
    }

    // MARK: - Sessions

    /// One of the holder's sessions as the list shows it.
    package struct SessionSummary: Sendable, Equatable {
        /// Not the token: a digest of its hash, safe to show and to send back.
        package let sessionID: String
        package let createdAt: Int64
        package let lastSeenAt: Int64?
        package let userAgent: String?
        package let current: Bool
    }

    /// The public name of a session: 16 bytes of SHA-256 over its token's hash, in hex.
    package static func sessionID(ofTokenHash hash: [UInt8]) -> String {
        Hexadecimal.encode(Array(SHA256.hash(data: Data("session-id|".utf8) + Data(hash)).prefix(16)))
    }

    /// `GET /v1/account/sessions`: newest first.
    package func sessions(of holder: Holder, current: [UInt8]) async throws -> [SessionSummary] {
        try await signIn.sessionStore.holderSessions(holderID: holder.id, now: signIn.clock.now()).map { record in
            SessionSummary(sessionID: Self.sessionID(ofTokenHash: record.tokenHash), createdAt: record.createdAt,
                           lastSeenAt: record.lastSeenAt ?? record.createdAt, userAgent: record.userAgent, current: record.tokenHash == current)
        }
    }

    /// `DELETE /v1/account/sessions/{id}`: ends it at once here, within the
    /// session cache's lifetime on other instances. The current session may
    /// be ended too (that is signing out).
    package func endSession(of holder: Holder, sessionID: String, logger: Logger) async throws {
        let now = signIn.clock.now(), store = signIn.sessionStore
        guard sessionID.utf8.count == 32,
              let record = try await store.holderSessions(holderID: holder.id, now: now).first(where: { Self.sessionID(ofTokenHash: $0.tokenHash) == sessionID }),
              try await store.endHolderSession(holderID: holder.id, tokenHash: record.tokenHash, now: now) else {
            throw IssuerError(.notFound, code: "session_not_found", "this account has no live session with that id")
        }
        signIn.caches.sessions.forget(record.tokenHash)
        logger.info("session ended by the holder", metadata: ["student_id": "\(holder.studentID)"])
    }

    /// `POST /v1/account/sessions/end-others`.
    package func endOtherSessions(of holder: Holder, current: [UInt8], logger: Logger) async throws {
        let count = try await signIn.sessionStore.endOtherHolderSessions(holderID: holder.id, keep: current, now: signIn.clock.now())
        signIn.caches.sessions.forgetAll()
        logger.info("other sessions ended by the holder", metadata: ["student_id": "\(holder.studentID)", "count": "\(count)"])
    }
}
