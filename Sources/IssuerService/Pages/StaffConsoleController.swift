import AccountRules
import CardKeys
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
import QREncoder

/// The staff console under `/staff`: sign-in with a password and a TOTP
/// code (enrolment at the first sign-in), the review queue and an
/// application's page with its documents and decisions, card applications
/// and payments, personal-data requests, the merchant directory, keys and the key set. Every
/// action goes through the services and audit log the admin API uses,
/// as `staff:<name>`.
struct StaffConsoleController: Sendable {
    let applications: AccountApplicationService
    let cardApplications: CardApplicationService
    let staffSignIn: StaffSignInService
    let keyService: KeyService
    let merchantDirectory: MerchantService
    let dataRequests: DataRequestService
    let publisher: KeySetPublisher
    let composer: MailComposer
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let clock: IssuerClock
    let pages: WebPages

    /// `staff`: the `/staff` group, whose errors send an ended session to the console's sign-in.
    func addRoutes(to staff: RouterGroup<IssuerRequestContext>) {
        staff.get("login", use: loginPage)
        staff.post("login", use: login)
        staff.post("enrol", use: enrol)
        staff.post("logout", use: logout)
        let reviewers = staff.group().add(middleware: StaffAuthentication(authentication: authentication, pages: pages, minimum: .reviewer))
        reviewers.get("", use: queue)
        reviewers.get("applications/:id", use: application)
        reviewers.get("applications/:id/documents/:kind", use: document)
        reviewers.post("applications/:id/:decision", use: decide)
        reviewers.get("data-requests", use: dataRequestQueue)
        reviewers.post("data-requests/:id/:action", use: decideDataRequest)
        let operators = staff.group().add(middleware: StaffAuthentication(authentication: authentication, pages: pages, minimum: .operator))
        operators.get("cards", use: cardApplications)
        operators.post("cards/:id/payment", use: recordPayment)
        let auditors = staff.group().add(middleware: StaffAuthentication(authentication: authentication, pages: pages, minimum: .auditor))
        auditors.get("merchants", use: merchants)
        auditors.get("keys", use: keys)
    }

    struct Signed: Sendable {
        let member: StaffMember
        let csrf: String
        /// The member's role in the page's language.
        let roleLabel: String
        var actor: String { "staff:\(member.name)" }
    }

    /// The staff member ``StaffAuthentication`` signed in, with what the page shows of them.
    func signed(_ visit: WebPages.Visit, _ context: IssuerRequestContext) throws -> Signed {
        let signedIn = try context.staff()
        return Signed(member: signedIn.member, csrf: pages.csrfToken(visit, sessionHash: signedIn.tokenHash),
                      roleLabel: visit.catalogue.text("staff_role_\(signedIn.member.role.rawValue)"))
    }

    func values(_ signed: Signed, _ extra: [String: Any] = [:]) -> [String: Any] {
        var values = extra
        values["staff"] = ["display_name": signed.member.displayName, "role": signed.roleLabel]
        values["csrf"] = signed.csrf
        return values
    }

    func checkedForm(_ request: Request, _ visit: WebPages.Visit) async throws -> FormFields {
        let fields = try await pages.checkedForm(request, visit, sessionHash: visit.staffToken.map(BearerToken.digest))
        return fields
    }

    // MARK: Signing in

    @Sendable func loginPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        return pages.page("staff_login", visit, values: ["csrf": pages.csrfToken(visit, sessionHash: nil)])
    }

    @Sendable func login(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await pages.checkedForm(request, visit, sessionHash: nil)
        let name = fields["name"] ?? ""
        do {
            let outcome = try await staffSignIn.signIn(
                name: name, password: fields["password"] ?? "", code: fields.nonEmpty("code"),
                client: clientAddresses.client(of: request, context: context), logger: context.logger)
            return try answer(outcome, visit)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            var values = WebPages.errorValues([(error.field, WebPages.text(for: error, visit))])
            values["csrf"] = pages.csrfToken(visit, sessionHash: nil)
            values["name"] = name
            return pages.page("staff_login", visit, status: error.status, values: values)
        }
    }

    @Sendable func enrol(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let fields = try await pages.checkedForm(request, visit, sessionHash: nil)
        let service = staffSignIn
        let ticket = fields["ticket"] ?? ""
        do {
            return try answer(try await service.enrol(ticket: ticket, code: fields["code"], client: clientAddresses.client(of: request, context: context),
                                                      logger: context.logger), visit)
        } catch let refusal as any ClientRefusal where refusal.answer.code == "code_invalid" {
            let error = refusal.answer
            // The same secret again, with the error and the server's time.
            guard let uri = try await service.enrolmentURI(ticket: ticket) else { throw error }
            return try enrolmentPage(visit, ticket: ticket, uri: uri, errors: [(nil, WebPages.text(for: error, visit))])
        }
    }

    func answer(_ outcome: StaffSignInService.Outcome, _ visit: WebPages.Visit) throws -> Response {
        switch outcome {
        case .signedIn(let token, let expiresAt, _):
            let cookie = pages.cookies.set(pages.cookies.staffSession, token, maxAge: expiresAt - clock.now())
            return pages.redirect("/staff", visit, cookies: [cookie])
        case .enrolmentNeeded(let ticket, _, let uri):
            return try enrolmentPage(visit, ticket: ticket, uri: uri)
        }
    }

    /// The enrolment page: the `otpauth://` URI as a QR code by our encoder, and the key as text.
    func enrolmentPage(_ visit: WebPages.Visit, ticket: String, uri: String, errors: [(field: String?, text: String)] = []) throws -> Response {
        let svg = try QRCode.encode(text: uri, errorCorrection: .medium).svg(moduleSize: 6)
        let secret = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        var values = WebPages.errorValues(errors)
        values["csrf"] = pages.csrfToken(visit, sessionHash: nil)
        values["ticket"] = ticket
        values["secret"] = secret
        values["qr_data_uri"] = "data:image/svg+xml;base64," + Data(svg.utf8).base64EncodedString()
        return pages.page("staff_enrol", visit, status: errors.isEmpty ? .ok : .unauthorized, values: values)
    }

    @Sendable func logout(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        _ = try await checkedForm(request, visit)
        if let token = visit.staffToken { try await staffSignIn.signOut(sessionToken: token) }
        return pages.redirect("/staff/login", visit, cookies: [pages.cookies.clear(pages.cookies.staffSession)])
    }

    // MARK: Account applications

    @Sendable func queue(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let now = clock.now(), calendar = applications.calendar, catalogue = visit.catalogue
        // The open ones by default; decided ones on request (?status=approved|rejected).
        let wanted = request.uri.queryParameters["status"].flatMap { ApplicationStatus(rawValue: String($0)) }
        let statuses = wanted.map { [$0] } ?? [.pending, .needsInfo]
        let after = request.uri.queryParameters["after"].map(String.init)
        let page = try await applications.queue(statuses: statuses, after: after, limit: 100, actor: signed.actor, now: now)
        let rows = page.entries.map { entry -> [String: Any] in
            let due = entry.reviewDue.flatMap { try? CalendarDay(yyyymmdd: $0) }
            return ["id": entry.id, "name": entry.chineseName, "id_masked": entry.nationalIDMasked,
                    "due": due?.description ?? catalogue.text(entry.status == .needsInfo ? "staff_paused" : "staff_decided"),
                    "days_left": due.map { String(calendar.workingDaysLeft(until: $0, now: now)) } ?? "—",
                    "state": catalogue.text("status_\(entry.status.rawValue)")]
        }
        let statusQuery = wanted.map { "status=\($0.rawValue)&" } ?? ""
        let filters = [("", catalogue.text("staff_queue_open")), ("approved", catalogue.text("status_approved")), ("rejected", catalogue.text("status_rejected"))]
            .map { ["href": $0.0.isEmpty ? "/staff" : "/staff?status=\($0.0)", "label": $0.1, "current": ($0.0.isEmpty && wanted == nil) || $0.0 == wanted?.rawValue] }
        var values: [String: Any] = ["queue": rows, "filters": filters,
                                     "queue_count": catalogue.plural("staff_queue_count", count: page.total, ["shown": String(rows.count)])]
        if let next = page.next { values["next_href"] = "/staff?\(statusQuery)after=\(next.text)" }
        if request.uri.queryParameters["done"] == "approved" { values["notice"] = catalogue.text("staff_done_approved") }
        if after != nil { values["first_href"] = "/staff" + (statusQuery.isEmpty ? "" : "?" + statusQuery.dropLast()) }
        return pages.page("staff_queue", visit, values: self.values(signed, values))
    }

    @Sendable func application(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let id = try context.parameters.require("id")
        let application = try await applications.application(id: id, actor: signed.actor, now: clock.now())
        return pages.page("staff_application", visit, values: values(signed, applicationValues(application, visit)))
    }

    func applicationValues(_ a: AccountApplication, _ visit: WebPages.Visit) -> [String: Any] {
        let catalogue = visit.catalogue, form = a.form
        func address(_ value: PostalAddress?) -> String {
            guard let value else { return catalogue.text("apply_mailing_same") }
            return [value.postalCode, value.county, value.district, value.line, value.region == "overseas" ? value.country : ""].filter { !$0.isEmpty }.joined(separator: " ")
        }
        var facts: [(String, String)] = [
            (catalogue.text("status_state"), catalogue.text("status_\(a.status.rawValue)")),
            (catalogue.text("apply_chinese_name"), form.chineseName),
            (catalogue.text("staff_field_english_name"), form.englishName ?? "—"),
            (catalogue.text("staff_field_sex"), catalogue.text(form.sex == "male" ? "apply_sex_male" : "apply_sex_female")),
            (catalogue.text("staff_field_national_id"), (try? IdentityNumber(form.nationalID).masked) ?? "**********"),
            (catalogue.text("staff_field_birth"), form.birthDate),
            (catalogue.text("staff_field_records"), form.records.map {
                "\($0.department) \($0.admissionYear)–\($0.graduationYear) \(catalogue.text("apply_degree_\($0.degree)"))\($0.studentID.map { " " + $0 } ?? "")"
            }.joined(separator: "; ")),
            (catalogue.text("staff_field_email"), form.email),
            (catalogue.text("staff_field_mobile"), form.mobile),
            (catalogue.text("staff_field_permanent"), address(form.permanentAddress)),
            (catalogue.text("staff_field_mailing"), address(form.mailingAddress)),
            (catalogue.text("staff_field_match"), a.registrarMatch ?? "—"),
            (catalogue.text("staff_field_known"), catalogue.text(a.knownIdentity ? "staff_yes" : "staff_no")),
        ]
        // The registrar's record beside the application: what an approval keeps unless a box is ticked.
        let registrar = a.registrarRecords.map { record -> [String: Any] in
            let national = "staff_registrar_national_\(record.nationalID.rawValue)"
            return ["student_id": record.studentID, "name": record.name, "email": record.email ?? "—", "mobile": record.mobile ?? "—",
                    "national_id": catalogue.text(national), "national_id_differs": record.nationalID == .different,
                    "name_differs": record.name != form.chineseName, "email_differs": record.email.map { $0.lowercased() != form.email.lowercased() } ?? false,
                    "activated": record.activated,
                    "diploma": record.diplomaDate.flatMap { try? CalendarDay(yyyymmdd: Int($0)) }?.description ?? "—"]
        }
        if let due = a.reviewDue.flatMap({ try? CalendarDay(yyyymmdd: $0) }) { facts.insert((catalogue.text("staff_due"), due.description), at: 1) }
        if let reply = a.reply { facts.append((catalogue.text("staff_field_reply"), reply)) }
        let documents = a.documents.map { document -> [String: Any] in
            ["id": a.id, "kind": document.kind.rawValue, "type": document.contentType, "size": ByteCountFormatter.string(fromByteCount: Int64(document.size), countStyle: .file),
             "label": catalogue.text(document.kind == .photo ? "apply_photo" : "apply_id_document")]
        }
        let open = a.status == .pending || a.status == .needsInfo
        // No student ID is pre-filled: the reviewer types the one they confirmed against the registrar's record.
        return ["id": a.id, "facts": facts.map { ["label": $0.0, "value": $0.1] }, "documents": documents, "open": open,
                "registrar": registrar, "has_registrar": !registrar.isEmpty]
    }

    @Sendable func document(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let id = try context.parameters.require("id")
        guard let kind = DocumentKind(rawValue: try context.parameters.require("kind")) else { throw HTTPError(.notFound) }
        let file = try await applications.document(id: id, kind: kind, actor: signed.actor, now: clock.now())
        // Shown by the browser, never run: no script in a PDF may act for this site.
        return DocumentResponse.response(file, application: id, kind: kind, inline: true)
    }

    @Sendable func decide(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let fields = try await checkedForm(request, visit)
        let id = try context.parameters.require("id"), now = clock.now(), applications = self.applications
        func text(_ name: String) throws -> String {
            guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw APIError.invalid("missing_field", field: name, "\(name) is required")
            }
            return value
        }
        do {
            switch try context.parameters.require("decision") {
            case "approve":
                let take = Set(ContactField.allCases.filter { fields["take_\($0.rawValue)"] == "on" })
                let studentID = try text("student_id")
                _ = try await applications.approve(id: id, studentID: studentID, take: take, actor: signed.actor, now: now)
                return pages.redirect("/staff?done=approved", visit)
            case "reject": _ = try await applications.reject(id: id, reason: try text("reason"), actor: signed.actor, now: now)
            case "request-info": try await applications.requestInfo(id: id, message: try text("message"), actor: signed.actor, now: now)
            default: throw HTTPError(.notFound)
            }
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            let application = try await applications.application(id: id, actor: signed.actor, now: now)
            var page = applicationValues(application, visit)
            page.merge(WebPages.errorValues([(error.field, WebPages.text(for: error, visit))])) { $1 }
            return pages.page("staff_application", visit, status: error.status, values: values(signed, page))
        }
        return pages.redirect("/staff", visit)
    }

    // MARK: Card applications, merchants, keys

    @Sendable func cardApplications(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        return try await cardsPage(visit, signed)
    }

    func cardsPage(_ visit: WebPages.Visit, _ signed: Signed, status: HTTPResponse.Status = .ok, messages: [(field: String?, text: String)] = [],
                   notice: String? = nil) async throws -> Response {
        let catalogue = visit.catalogue
        // Every fee still owed: awaiting payment, or issued at once (`issue_on: submission`) and not yet paid.
        let waiting = try await cardApplications.queue(status: nil, paid: false, limit: 500, actor: signed.actor)
            .filter { $0.feeAmount > 0 }
        let calendar = applications.calendar
        let rows = waiting.map { application -> [String: Any] in
            ["id": application.id, "student_id": application.studentID, "submitted": calendar.day(of: application.submittedAt).description,
             "kind": catalogue.text(application.kind == .first ? "card_apply_first" : "card_apply_renewal"),
             "fee": catalogue.text("card_apply_fee", ["amount": String(application.feeAmount)]), "amount": application.feeAmount, "csrf": signed.csrf,
             "state": catalogue.text(application.status == .issued ? "staff_card_issued_unpaid" : "staff_card_awaiting_payment")]
        }
        var page = WebPages.errorValues(messages)
        page["applications"] = rows
        page["has_applications"] = !rows.isEmpty
        if let notice { page["notice"] = notice }
        return pages.page("staff_cards", visit, status: status, values: values(signed, page))
    }

    @Sendable func recordPayment(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let fields = try await checkedForm(request, visit)
        let id = try context.parameters.require("id")
        let reference = (fields["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let amount = Int(fields["amount"] ?? ""), (0...100_000).contains(amount), (1...64).contains(reference.utf8.count) else {
            return try await cardsPage(visit, signed, status: .unprocessableContent, messages: [(nil, visit.catalogue.error("invalid_value"))])
        }
        do {
            let application = try await cardApplications.recordPayment(applicationID: id, amount: amount, reference: reference,
                                                                                                actor: signed.actor)
            return try await cardsPage(visit, signed, notice: visit.catalogue.text("staff_payment_recorded", ["number": application.cardNumber ?? ""]))
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return try await cardsPage(visit, signed, status: error.status, messages: [(nil, WebPages.text(for: error, visit))])
        }
    }

    @Sendable func merchants(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let english = visit.language == .english
        let all = try await merchantDirectory.all()
        let rows = all.map { m -> [String: Any] in
            ["id": m.id, "name": english ? m.nameEnglish : m.nameChinese, "category": visit.catalogue.texts["category_\(m.category)"] ?? m.category,
             "from": m.validFrom.description, "until": m.validUntil.description]
        }
        return pages.page("staff_merchants", visit, values: values(signed, ["merchants": rows]))
    }

    @Sendable func keys(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let composer = self.composer, catalogue = visit.catalogue
        let ring = try await keyService.ring()
        let rows = ring.keys.map { key -> [String: Any] in
            ["kid": key.id.base64URL, "state": catalogue.text("staff_key_state_\(key.state.rawValue)"), "from": composer.localTime(key.notBefore), "until": composer.localTime(key.notAfter)]
        }
        var page: [String: Any] = ["keys": rows]
        if let published = await publisher.current(now: clock.now()) {
            let document = published.document
            page["keyset"] = ["facts": [
                ["label": catalogue.text("staff_keyset_seq"), "value": String(document.seq)],
                ["label": catalogue.text("staff_keyset_issued"), "value": composer.localTime(document.iat)],
                ["label": catalogue.text("staff_keyset_expires"), "value": composer.localTime(document.exp)],
                ["label": catalogue.text("staff_keyset_revoked"), "value": String(document.revokedCards.count)],
            ]]
        }
        return pages.page("staff_keys", visit, values: values(signed, page))
    }
}
