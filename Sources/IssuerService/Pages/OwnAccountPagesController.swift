import CardToken
import Clocks
import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb
import NIOCore

/// The alumnus's own account pages (`/account`, its e-mail change,
/// sessions and personal-data requests): forms that post, no script
/// needed. They call the same ``AccountService`` and
/// ``DataRequestService`` methods as `/v1/account`.
struct OwnAccountPagesController: Sendable {
    let accounts: AccountService
    let dataRequests: DataRequestService
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let clock: IssuerClock
    let pages: WebPages

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("account", use: accountPage)
        group.post("account", use: saveContact)
        group.get("account/email", use: emailPage)
        group.post("account/email", use: requestEmail)
        group.post("account/email/confirm", use: confirmEmail)
        group.get("account/sessions", use: sessionsPage)
        group.post("account/sessions/end", use: endSession)
        group.post("account/sessions/end-others", use: endOthers)
        group.get("account/data", use: dataPage)
        group.post("account/data", use: fileRequest)
        group.get("account/data/:id/export", use: export)
    }

    typealias SignedIn = (holder: Holder, cards: [Card], tokenHash: [UInt8])
    typealias Errors = [(field: String?, text: String)]

    /// The signed-in holder whose password change is done, or the page to go to instead.
    func signedIn(_ visit: WebPages.Visit) async throws -> Result<SignedIn, Redirect> {
        guard let token = visit.sessionToken else { return .failure(Redirect(location: "/login")) }
        let found = try await authentication.holder(sessionToken: token)
        if found.holder.passwordChangeRequired || found.holder.firstLoginPending { return .failure(Redirect(location: "/password")) }
        return .success(found)
    }

    struct Redirect: Error { let location: String }

    func field(_ id: String, _ label: String, value: String?, type: String = "text", autocomplete: String? = nil, inputmode: String? = nil,
               maxlength: Int? = nil, errors: [String: String]) -> [String: Any] {
        var field: [String: Any] = ["id": id, "label": label, "value": value ?? "", "type": type]
        if let autocomplete { field["autocomplete"] = autocomplete }
        if let inputmode { field["inputmode"] = inputmode }
        if let maxlength { field["maxlength"] = maxlength }
        if let error = errors[id] { field["error"] = error }
        return field
    }

    // MARK: - The account page

    /// The address fields as the form holds them, under `prefix_…`.
    static let addressKeys = ["postal_code", "county", "district", "line", "country"]

    func addressValues(_ prefix: String, legend: String, _ address: [String: String], _ visit: WebPages.Visit, errors: [String: String]) -> [String: Any] {
        let catalogue = visit.catalogue
        let labels = ["postal_code": catalogue.text("apply_postal_code"), "county": catalogue.text("apply_county"), "district": catalogue.text("apply_district"),
                      "line": catalogue.text("apply_line"), "country": catalogue.text("apply_country")]
        let lengths = ["postal_code": 16, "county": 32, "district": 32, "line": 200, "country": 64]
        return ["prefix": prefix, "legend": legend, "domestic": (address["region"] ?? "domestic") == "domestic",
                "fields": Self.addressKeys.map { key in
                    field("\(prefix)_\(key)", labels[key]!, value: address[key], autocomplete: key == "postal_code" ? "postal-code" : nil,
                          inputmode: key == "postal_code" ? "numeric" : nil, maxlength: lengths[key], errors: errors)
                }]
    }

    static func formAddress(_ address: PostalAddress?) -> [String: String] {
        guard let address else { return [:] }
        return ["region": address.region, "postal_code": address.postalCode, "county": address.county, "district": address.district,
                "line": address.line, "country": address.country]
    }

    func accountValues(_ visit: WebPages.Visit, _ found: SignedIn, details: AccountDetails, form: [String: String]? = nil, errors: Errors = [],
                       notice: String? = nil) -> [String: Any] {
        let catalogue = visit.catalogue, profile = details.profile
        var values = WebPages.errorValues(errors)
        let fieldErrors = values["field_errors"] as? [String: String] ?? [:]
        values["signed_in"] = true
        values["csrf"] = pages.csrfToken(visit, sessionHash: found.tokenHash)
        values["student_id"] = details.studentID
        values["chinese_name"] = details.chineseName
        values["english_name"] = profile.englishName
        values["national_id_masked"] = details.nationalIDMasked
        values["birth_date"] = profile.birthDate
        values["email"] = details.email
        values["records"] = profile.records.map {
            ["degree": catalogue.text("apply_degree_\($0.degree)"), "department": $0.department, "admission_year": $0.admissionYear,
             "graduation_year": $0.graduationYear] as [String: Any]
        }
        values["cards"] = found.cards.map {
            ["number": $0.number.rawValue, "status": catalogue.text("card_status_\($0.status.rawValue)"), "valid_through": $0.validThrough.description]
        }
        let permanent = form.map { Self.prefixed($0, "permanent") } ?? Self.formAddress(profile.permanentAddress)
        let mailing = form.map { Self.prefixed($0, "mailing") } ?? Self.formAddress(profile.mailingAddress)
        values["contact_fields"] = [
            field("mobile", catalogue.text("apply_mobile"), value: form?["mobile"] ?? details.mobile, type: "tel", autocomplete: "tel", maxlength: 32,
                  errors: fieldErrors),
            field("phone", catalogue.text("apply_phone"), value: form?["phone"] ?? profile.phone, type: "tel", maxlength: 32, errors: fieldErrors),
        ]
        values["password_fields"] = [field("current_password", catalogue.text("account_mobile_password"), value: nil, type: "password",
                                           autocomplete: "current-password", errors: fieldErrors)]
        values["username"] = details.studentID
        values["permanent"] = addressValues("permanent", legend: catalogue.text("account_permanent"), permanent, visit, errors: fieldErrors)
        values["mailing"] = addressValues("mailing", legend: catalogue.text("account_mailing"), mailing, visit, errors: fieldErrors)
        values["mailing_same"] = form.map { $0["mailing_same"] != nil } ?? (profile.permanentAddress != nil && profile.mailingAddress == nil)
        values["reminders"] = form.map { $0["reminders"] != nil } ?? details.reminders
        if let notice { values["notice"] = notice }
        return values
    }

    static func prefixed(_ form: [String: String], _ prefix: String) -> [String: String] {
        var address: [String: String] = [:]
        for key in ["region"] + addressKeys { address[key] = form["\(prefix)_\(key)"] }
        return address
    }

    @Sendable func accountPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let notice: String? = switch request.uri.queryParameters["done"] {
            case "saved": visit.catalogue.text("account_saved")
            case "unchanged": visit.catalogue.text("account_unchanged")
            case "email": visit.catalogue.text("account_email_changed")
            default: nil
            }
            let details = try await accounts.details(of: found.holder)
            return pages.page("account", visit, values: accountValues(visit, found, details: details, notice: notice))
        }
    }

    /// An address's fields as the JSON text the application form's rule reads; nil when all are blank.
    static func addressJSON(_ fields: FormFields, _ prefix: String) -> String? {
        var object: [String: String] = [:]
        for key in addressKeys {
            if let value = fields["\(prefix)_\(key)"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { object[key] = value }
        }
        guard !object.isEmpty else { return nil }
        object["region"] = fields["\(prefix)_region"] == "overseas" ? "overseas" : "domestic"
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Where on the page a refusal belongs: an address's part has an input of its own.
    static func inputID(_ error: APIError) -> String? {
        guard let field = error.field else { return nil }
        if let member = error.extra["member"], field.hasSuffix("_address") { return "\(field.dropLast("_address".count))_\(member)" }
        return field
    }

    @Sendable func saveContact(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in try await saveContact(request, context, visit, found) }
    }

    func saveContact(_ request: Request, _ context: IssuerRequestContext, _ visit: WebPages.Visit, _ found: SignedIn) async throws -> Response {
        let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
        var input = AccountService.ContactFields()
        input.phone = .some(fields["phone"] ?? "")
        if let mobile = fields.nonEmpty("mobile") { input.mobile = mobile }
        input.permanentAddress = Self.addressJSON(fields, "permanent")
        input.mailingAddress = fields["mailing_same"] != nil ? (input.permanentAddress != nil ? #"{"same_as":"permanent"}"# : nil) : Self.addressJSON(fields, "mailing")
        input.reminders = fields["reminders"] != nil
        let before = try await accounts.details(of: found.holder)
        do {
            let after = try await accounts.update(found.holder, input, confirmation: .password(fields["current_password"] ?? ""),
                                                  client: clientAddresses.client(of: request, context: context), logger: context.logger)
            return pages.redirect(after == before ? "/account?done=unchanged" : "/account?done=saved", visit)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            var form: [String: String] = [:]
            for name in ["mobile", "phone", "mailing_same", "reminders"] + ["permanent", "mailing"].flatMap({ prefix in (["region"] + Self.addressKeys).map { "\(prefix)_\($0)" } }) {
                if let value = fields[name] { form[name] = value }
            }
            let text = WebPages.text(for: error, visit)
            return pages.page("account", visit, status: error.status, values: accountValues(visit, found, details: before, form: form,
                                                                                           errors: [(Self.inputID(error), text)]))
        }
    }

    // MARK: - E-mail address

    func emailValues(_ visit: WebPages.Visit, _ found: SignedIn, sent: Bool, email: String = "", errors: Errors = []) -> [String: Any] {
        var values = WebPages.errorValues(errors)
        let fieldErrors = values["field_errors"] as? [String: String] ?? [:]
        values["signed_in"] = true
        values["csrf"] = pages.csrfToken(visit, sessionHash: found.tokenHash)
        values["username"] = found.holder.studentID
        values["sent"] = sent
        values["fields"] = [
            field("email", visit.catalogue.text("account_email_new"), value: email, type: "email", autocomplete: "email", maxlength: 254, errors: fieldErrors),
            field("current_password", visit.catalogue.text("data_password"), value: nil, type: "password", autocomplete: "current-password", errors: fieldErrors),
        ]
        values["code_fields"] = [field("code", visit.catalogue.text("account_email_code"), value: nil, autocomplete: "off", inputmode: "numeric",
                                       maxlength: 6, errors: fieldErrors)]
        return values
    }

    func withHolder(_ request: Request, _ body: (WebPages.Visit, SignedIn) async throws -> Response) async throws -> Response {
        let visit = pages.visit(request)
        switch try await signedIn(visit) {
        case .success(let found): return try await body(visit, found)
        case .failure(let redirect): return pages.redirect(redirect.location, visit)
        }
    }

    @Sendable func emailPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in pages.page("account_email", visit, values: emailValues(visit, found, sent: false)) }
    }

    @Sendable func requestEmail(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
            let email = fields["email"] ?? "", password = fields["current_password"] ?? ""
            var missing: Errors = []
            if email.trimmingCharacters(in: .whitespaces).isEmpty { missing.append(("email", visit.catalogue.text("field_required"))) }
            if password.isEmpty { missing.append(("current_password", visit.catalogue.text("field_required"))) }
            guard missing.isEmpty else {
                return pages.page("account_email", visit, status: .unprocessableContent, values: emailValues(visit, found, sent: false, email: email, errors: missing))
            }
            do {
                try await accounts.requestEmailChange(found.holder, email: email, currentPassword: password,
                                                      client: clientAddresses.client(of: request, context: context), logger: context.logger)
            } catch let refusal as any ClientRefusal {
                let error = refusal.answer
                let field = error.field == "email" || error.field == "current_password" ? error.field : nil
                return pages.page("account_email", visit, status: error.status,
                                  values: emailValues(visit, found, sent: false, email: email, errors: [(field, WebPages.text(for: error, visit))]))
            }
            return pages.page("account_email", visit, status: .accepted, values: emailValues(visit, found, sent: true))
        }
    }

    @Sendable func confirmEmail(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
            do {
                try await accounts.confirmEmailChange(found.holder, code: fields["code"] ?? "", logger: context.logger)
            } catch let refusal as any ClientRefusal {
                let error = refusal.answer
                let text = error.code == "code_invalid" ? visit.catalogue.text("error_code_invalid_email") : WebPages.text(for: error, visit)
                // Five wrong codes void the change: then only asking again helps, so the form to ask is shown.
                let void = error.code == "too_many_attempts"
                return pages.page("account_email", visit, status: error.status,
                                  values: emailValues(visit, found, sent: !void, errors: [(void ? nil : "code", text)]))
            }
            return pages.redirect("/account?done=email", visit)
        }
    }

    // MARK: - Sessions

    func sessionsValues(_ visit: WebPages.Visit, _ found: SignedIn, notice: String? = nil, errors: Errors = []) async throws -> [String: Any] {
        let catalogue = visit.catalogue, composer = accounts.signIn.composer
        let list = try await accounts.sessions(of: found.holder, current: found.tokenHash)
        var values = WebPages.errorValues(errors)
        values["signed_in"] = true
        values["csrf"] = pages.csrfToken(visit, sessionHash: found.tokenHash)
        values["sessions"] = list.map { session -> [String: Any] in
            let device = session.userAgent ?? catalogue.text("sessions_unknown_device")
            let created = composer.localTime(session.createdAt)
            return ["id": session.sessionID, "device": device, "created": created, "last_seen": composer.localTime(session.lastSeenAt ?? session.createdAt),
                    "current": session.current, "end_label": catalogue.text("sessions_end_label", ["device": device, "created": created])]
        }
        values["others"] = list.contains { !$0.current }
        if let notice { values["notice"] = notice }
        return values
    }

    @Sendable func sessionsPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let notice: String? = switch request.uri.queryParameters["done"] {
            case "ended": visit.catalogue.text("sessions_ended")
            case "others": visit.catalogue.text("sessions_others_ended")
            default: nil
            }
            return pages.page("account_sessions", visit, values: try await sessionsValues(visit, found, notice: notice))
        }
    }

    @Sendable func endSession(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
            do {
                try await accounts.endSession(of: found.holder, sessionID: fields["session_id"] ?? "", logger: context.logger)
            } catch let refusal as any ClientRefusal {
                let error = refusal.answer
                return pages.page("account_sessions", visit, status: error.status,
                                  values: try await sessionsValues(visit, found, errors: [(nil, WebPages.text(for: error, visit))]))
            }
            return pages.redirect("/account/sessions?done=ended", visit)
        }
    }

    @Sendable func endOthers(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            _ = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
            try await accounts.endOtherSessions(of: found.holder, current: found.tokenHash, logger: context.logger)
            return pages.redirect("/account/sessions?done=others", visit)
        }
    }

    // MARK: - Personal-data requests

    func dataValues(_ visit: WebPages.Visit, _ found: SignedIn, kind: String? = nil, details: String = "", notice: String? = nil,
                    errors: Errors = []) async throws -> [String: Any] {
        let catalogue = visit.catalogue, composer = accounts.signIn.composer, now = clock.now()
        var values = WebPages.errorValues(errors)
        let fieldErrors = values["field_errors"] as? [String: String] ?? [:]
        values["signed_in"] = true
        values["csrf"] = pages.csrfToken(visit, sessionHash: found.tokenHash)
        values["username"] = found.holder.studentID
        let requests = try await dataRequests.requests(of: found.holder)
        values["has_requests"] = !requests.isEmpty
        values["requests"] = requests.map { request -> [String: Any] in
            var entry: [String: Any] = ["id": request.id, "kind": catalogue.text("data_kind_\(request.kind.rawValue)"),
                                        "status": catalogue.text("data_status_\(request.status.rawValue)"), "received": composer.localTime(request.receivedAt),
                                        "due": DataRequestService.date(request.due)]
            if let until = request.exportUntil, until > now {
                entry["download"] = "/account/data/\(request.id)/export"
                entry["until"] = composer.localTime(until)
            }
            return entry
        }
        values["kinds"] = DataRequestKind.allCases.map { ["value": $0.rawValue, "label": catalogue.text("data_kind_\($0.rawValue)"), "checked": $0.rawValue == kind] }
        values["details"] = details
        values["password_fields"] = [field("current_password", catalogue.text("data_password"), value: nil, type: "password",
                                           autocomplete: "current-password", errors: fieldErrors)]
        if let notice { values["notice"] = notice }
        return values
    }

    @Sendable func dataPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let notice = request.uri.queryParameters["done"] == "filed" ? visit.catalogue.text("data_filed") : nil
            return pages.page("account_data", visit, values: try await dataValues(visit, found, notice: notice))
        }
    }

    @Sendable func fileRequest(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
            let kind = fields.nonEmpty("kind"), details = fields["details"] ?? "", password = fields["current_password"] ?? ""
            var missing: Errors = []
            if kind == nil { missing.append(("kind", visit.catalogue.text("error_kind_required"))) }
            if password.isEmpty { missing.append(("current_password", visit.catalogue.text("field_required"))) }
            guard let kind, missing.isEmpty else {
                return pages.page("account_data", visit, status: .unprocessableContent,
                                  values: try await dataValues(visit, found, kind: kind, details: details, errors: missing))
            }
            do {
                _ = try await dataRequests.file(found.holder, kind: kind, details: details, currentPassword: password,
                                                client: clientAddresses.client(of: request, context: context), logger: context.logger)
            } catch let refusal as any ClientRefusal {
                let error = refusal.answer
                return pages.page("account_data", visit, status: error.status,
                                  values: try await dataValues(visit, found, kind: kind, details: details, errors: [(error.field, WebPages.text(for: error, visit))]))
            }
            return pages.redirect("/account/data?done=filed", visit)
        }
    }

    @Sendable func export(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await withHolder(request) { visit, found in
            let id = context.parameters.get("id") ?? ""
            let prepared: DataRequestService.PreparedCopy
            do {
                prepared = try await dataRequests.prepareCopy(found.holder, requestID: id)
            } catch let refusal as any ClientRefusal {
                let error = refusal.answer
                return pages.page("account_data", visit, status: error.status,
                                  values: try await dataValues(visit, found, errors: [(nil, WebPages.text(for: error, visit))]))
            }
            let service = dataRequests, logger = context.logger
            var headers: HTTPFields = [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"alumni-data-\(id).zip\""]
            WebPages.addPageHeaders(&headers)
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await service.writeCopy(prepared, logger: logger) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                try await writer.finish(nil)
            })
        }
    }
}
