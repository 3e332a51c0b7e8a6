import Clocks
import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb

/// The alumni's own pages around the account: `/` (the public front page,
/// or the right page for whoever is signed in), logging in and out, the
/// home page, changing the password (forced at the first login), and the
/// forgotten-password pages behind the mailed link. They call the same services as `/v1/session`, `/v1/account/password`
/// and `/v1/password-reset`.
struct AccountPagesController: Sendable {
    let signIn: SignInService
    let passwords: PasswordService
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let clock: IssuerClock
    let configuration: IssuerConfiguration
    let pages: WebPages

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("", use: start)
        group.get("login", use: loginPage)
        group.post("login", use: login)
        group.post("logout", use: logout)
        group.get("home", use: home)
        group.get("password", use: passwordPage)
        group.post("password", use: changePassword)
        group.get("reset", use: resetPage)
        group.post("reset", use: requestReset)
        group.post("reset/confirm", use: confirmReset)
        group.get("lang", use: switchLanguage)
    }

    /// The signed-in holder, nil without a session cookie; an ended session
    /// throws 401, which sends the visitor to the login page.
    func signedIn(_ visit: WebPages.Visit) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8])? {
        guard let token = visit.sessionToken else { return nil }
        return try await authentication.holder(sessionToken: token)
    }

    @Sendable func start(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        // A visitor without a session sees the public front page: sign in, apply for an account, the merchants.
        guard let found = try await signedIn(visit) else { return pages.page("welcome", visit, values: [:]) }
        return pages.redirect(found.holder.passwordChangeRequired || found.holder.firstLoginPending ? "/password" : "/card", visit)
    }

    // MARK: Logging in and out

    func loginValues(_ visit: WebPages.Visit, login: String = "", errors: [(field: String?, text: String)] = [], askMailCode: Bool = false,
                     notice: String? = nil) -> [String: Any] {
        var values = WebPages.errorValues(errors)
        values["csrf"] = pages.csrfToken(visit, sessionHash: nil)
        values["login"] = login
        values["human_check"] = configuration.humanCheckLogin != .never
        values["ask_mail_code"] = askMailCode
        if let notice { values["notice"] = notice }
        return values
    }

    @Sendable func loginPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let notice = request.uri.queryParameters["done"] == "logout" ? visit.catalogue.text("logged_out")
            : request.uri.queryParameters["done"] == "reset" ? visit.catalogue.text("reset_done") : nil
        return pages.page("login", visit, values: loginValues(visit, notice: notice))
    }

    @Sendable func login(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await pages.checkedForm(request, visit, sessionHash: nil)
        let login = fields["login"] ?? "", password = fields["password"] ?? ""
        var missing: [(field: String?, text: String)] = []
        if login.trimmingCharacters(in: .whitespaces).isEmpty { missing.append(("login", visit.catalogue.text("field_required"))) }
        if password.isEmpty { missing.append(("password", visit.catalogue.text("field_required"))) }
        guard missing.isEmpty else {
            return pages.page("login", visit, status: .unprocessableContent, values: loginValues(visit, login: login, errors: missing))
        }
        let session: SignInService.Session
        do {
            session = try await signIn.signIn(
                .init(login: login, password: password, altcha: fields.nonEmpty("altcha"),
                      mailCode: fields.nonEmpty("mail_code"), client: clientAddresses.client(of: request, context: context), userAgent: request.headers[.userAgent]),
                logger: context.logger)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            let field = error.code == "invalid_credentials" ? "password" : error.field == "mail_code" ? "mail_code" : nil
            var response = pages.page("login", visit, status: error.status, values: loginValues(
                visit, login: login, errors: [(field, WebPages.text(for: error, visit))], askMailCode: error.code.hasPrefix("mail_code")))
            for header in error.headers where header.name == .retryAfter { response.headers.append(header) }
            return response
        }
        // A new session on every login (no fixation); an older one in this browser ends.
        if let old = visit.sessionToken { try? await signIn.signOut(sessionToken: old) }
        let lifetime = session.expiresAt - clock.now()
        let cookie = pages.cookies.set(pages.cookies.session, session.token, maxAge: lifetime)
        let binding = CardPageBinding.cookie(pages.cookies, sessionTokenHash: BearerToken.digest(session.token), maxAge: lifetime)
        var response = pages.redirect(session.passwordChangeRequired ? "/password" : "/card", visit, cookies: [cookie, binding])
        // Whatever the card page kept for the session before is dropped (the binding refuses it too, where this header is not honoured).
        response.headers[Self.clearSiteData] = "\"storage\""
        return response
    }

    @Sendable func logout(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await WebPages.form(request, visit: visit)
        if let token = visit.sessionToken {
            try pages.checkCSRF(fields, visit, sessionHash: BearerToken.digest(token))
            try await signIn.signOut(sessionToken: token)
        }
        var response = pages.redirect("/login?done=logout", visit, cookies: [pages.cookies.clear(pages.cookies.session), pages.cookies.clear(pages.cookies.cardBinding)])
        // The card page's day of tokens and its kept shell go with the session.
        response.headers[Self.clearSiteData] = "\"cache\", \"storage\""
        return response
    }

    static let clearSiteData = HTTPField.Name("Clear-Site-Data")!

    @Sendable func home(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let found = try await signedIn(visit) else { return pages.redirect("/login", visit) }
        if found.holder.passwordChangeRequired || found.holder.firstLoginPending { return pages.redirect("/password", visit) }
        var values: [String: Any] = ["signed_in": true, "csrf": pages.csrfToken(visit, sessionHash: found.tokenHash),
                                     "welcome": visit.catalogue.text("home_welcome", ["name": found.holder.displayName])]
        if request.uri.queryParameters["done"] == "password" { values["notice"] = visit.catalogue.text("password_changed") }
        return pages.page("home", visit, values: values)
    }

    // MARK: Passwords

    func passwordValues(_ visit: WebPages.Visit, holder: Holder, csrf: String, firstLogin: Bool, errors: [(field: String?, text: String)] = []) -> [String: Any] {
        var values = WebPages.errorValues(errors)
        // For password managers, which file the new password under the login.
        values["username"] = holder.studentID
        values["csrf"] = csrf
        values["first_login"] = firstLogin
        values["signed_in"] = !firstLogin
        return values
    }

    @Sendable func passwordPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let found = try await signedIn(visit) else { return pages.redirect("/login", visit) }
        let first = found.holder.passwordChangeRequired || found.holder.firstLoginPending
        return pages.page("password", visit, values: passwordValues(visit, holder: found.holder, csrf: pages.csrfToken(visit, sessionHash: found.tokenHash), firstLogin: first))
    }

    /// The new password and its confirmation, or what is wrong with them.
    static func newPassword(_ fields: FormFields, _ visit: WebPages.Visit) -> (String?, [(field: String?, text: String)]) {
        let new = fields["new_password"] ?? "", confirm = fields["confirm_password"] ?? ""
        var errors: [(field: String?, text: String)] = []
        if new.isEmpty { errors.append(("new_password", visit.catalogue.text("field_required"))) }
        if confirm.isEmpty { errors.append(("confirm_password", visit.catalogue.text("field_required"))) }
        if errors.isEmpty, new != confirm { errors.append(("confirm_password", visit.catalogue.text("password_mismatch"))) }
        return (errors.isEmpty ? new : nil, errors)
    }

    @Sendable func changePassword(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let found = try await signedIn(visit) else { return pages.redirect("/login", visit) }
        let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
        let first = found.holder.passwordChangeRequired || found.holder.firstLoginPending
        let csrf = pages.csrfToken(visit, sessionHash: found.tokenHash)
        var (new, errors) = Self.newPassword(fields, visit)
        let current = fields["current_password"] ?? ""
        if current.isEmpty { errors.insert(("current_password", visit.catalogue.text("field_required")), at: 0); new = nil }
        guard let new else {
            return pages.page("password", visit, status: .unprocessableContent, values: passwordValues(visit, holder: found.holder, csrf: csrf, firstLogin: first, errors: errors))
        }
        let session: SignInService.Session?
        do {
            session = try await passwords.change(
                holder: found.holder, sessionHash: found.tokenHash, current: current, new: new,
                client: clientAddresses.client(of: request, context: context), rotateSession: true, logger: context.logger)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return pages.page("password", visit, status: error.status, values: passwordValues(
                visit, holder: found.holder, csrf: csrf, firstLogin: first, errors: [(error.field, WebPages.text(for: error, visit))]))
        }
        var cookies: [String] = []
        if let session {
            // A new session for the new password; the old cookie no longer
            // works (the change ended it and emptied the session cache).
            let lifetime = session.expiresAt - clock.now()
            cookies = [pages.cookies.set(pages.cookies.session, session.token, maxAge: lifetime),
                       CardPageBinding.cookie(pages.cookies, sessionTokenHash: BearerToken.digest(session.token), maxAge: lifetime)]
        }
        return pages.redirect(first ? "/card/apply?done=password" : "/home?done=password", visit, cookies: cookies)
    }

    @Sendable func resetPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        if let token = request.uri.queryParameters["token"].map(String.init) {
            // The mailed link: the token goes in the form, never into a log or a Referer (no-referrer).
            return pages.page("reset_confirm", visit, values: ["csrf": pages.csrfToken(visit, sessionHash: nil), "token": token])
        }
        return pages.page("reset_request", visit, values: ["csrf": pages.csrfToken(visit, sessionHash: nil)])
    }

    @Sendable func requestReset(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await pages.checkedForm(request, visit, sessionHash: nil)
        let login = fields["login"] ?? ""
        var values: [String: Any] = ["csrf": pages.csrfToken(visit, sessionHash: nil), "login": login]
        guard !login.trimmingCharacters(in: .whitespaces).isEmpty else {
            values.merge(WebPages.errorValues([("login", visit.catalogue.text("field_required"))])) { $1 }
            return pages.page("reset_request", visit, status: .unprocessableContent, values: values)
        }
        do {
            try await passwords.requestReset(login: login, altcha: fields.nonEmpty("altcha"),
                                                                       logger: context.logger)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            values.merge(WebPages.errorValues([(error.field == "altcha" ? nil : "login", WebPages.text(for: error, visit))])) { $1 }
            return pages.page("reset_request", visit, status: error.status, values: values)
        }
        values["sent"] = true
        values["notice"] = visit.catalogue.text("reset_sent", ["minutes": String(configuration.resetLifetime / 60)])
        return pages.page("reset_request", visit, status: .accepted, values: values)
    }

    @Sendable func confirmReset(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await pages.checkedForm(request, visit, sessionHash: nil)
        let token = fields["token"] ?? ""
        var values: [String: Any] = ["csrf": pages.csrfToken(visit, sessionHash: nil), "token": token]
        let (new, errors) = Self.newPassword(fields, visit)
        guard let new else {
            values.merge(WebPages.errorValues(errors)) { $1 }
            return pages.page("reset_confirm", visit, status: .unprocessableContent, values: values)
        }
        do {
            try await passwords.confirmReset(token: token, new: new, logger: context.logger)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            values.merge(WebPages.errorValues([(error.field, WebPages.text(for: error, visit))])) { $1 }
            return pages.page("reset_confirm", visit, status: error.status, values: values)
        }
        return pages.redirect("/login?done=reset", visit)
    }

    // MARK: Language

    /// The switch on every page: remembered for a year, then back where the visitor was.
    @Sendable func switchLanguage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let chosen = request.uri.queryParameters["to"].flatMap { WebLanguage(rawValue: String($0)) } ?? visit.language.other
        let back = request.uri.queryParameters["back"].flatMap { WebPages.localPath(String($0)) } ?? "/"
        return pages.redirect(back, visit, cookies: [pages.cookies.set(pages.cookies.language, chosen.rawValue, maxAge: 365 * 86_400)])
    }
}
