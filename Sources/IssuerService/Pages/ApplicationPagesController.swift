import AccountRules
import Clocks
import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb

/// The account application pages: the three-step form (`/apply`), its
/// receipt, and the status page behind the mailed link
/// (`/applications/status?token=…`) with the answer form when staff asked
/// for more. They call the same service as `/v1/account-applications`.
struct ApplicationPagesController: Sendable {
    let applications: AccountApplicationService
    let clientAddresses: ClientAddressResolver
    let clock: IssuerClock
    let configuration: IssuerConfiguration
    let pages: WebPages

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("apply", use: form)
        group.get("apply/received", use: received)
        group.get("applications/status", use: status)
        group.post("applications/status", use: answer)
    }

    /// The form's script sends it and reads a JSON answer (errors stay beside their fields).
    func addDataRoutes(to router: Router<IssuerRequestContext>) {
        router.post("apply", use: submit)
    }

    func megabytes(_ bytes: Int) -> String { String(format: "%g", Double(bytes) / 1_048_576) }

    @Sendable func form(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let catalogue = visit.catalogue, configuration = self.configuration, consent = applications.consent
        let rows = (0..<3).map { index -> [String: Any] in
            ["index": index, "first": index == 0, "label": catalogue.text("apply_record_label", ["n": String(index + 1)])]
        }
        return pages.page("apply", visit, values: [
            "csrf": pages.csrfToken(visit, sessionHash: nil), "consent_version": consent.version,
            "consent_text": consent.text[visit.language.rawValue] ?? consent.text.values.first ?? "",
            "record_rows": rows, "max_document_bytes": configuration.maxDocumentBytes, "max_photo_bytes": configuration.maxPhotoBytes,
            "id_document_hint": catalogue.text("apply_id_document_hint", ["mb": megabytes(configuration.maxDocumentBytes)]),
            "photo_hint": catalogue.text("apply_photo_hint", ["mb": megabytes(configuration.maxPhotoBytes)]),
        ])
    }

    /// `POST /apply` (multipart, from the form's script): JSON with where to
    /// go next, or the error in the visitor's language with its field.
    @Sendable func submit(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let pages = pages
        do {
            let submitted = try await applications.submit(request, client: clientAddresses.client(of: request, context: context), now: clock.now(), logger: context.logger) { fields in
                try pages.checkCSRF(FormFields(values: fields), visit, sessionHash: nil)
            }
            let next = "/apply/received?id=\(submitted.id)&due=\(submitted.reviewDue)"
            return try JSONBody.response(["application_id": submitted.id, "review_due": submitted.reviewDue.description, "next": next], status: .accepted)
        } catch let error as PageError {
            // Only the CSRF check at the first file part throws one here: the rest of the body is not wanted.
            return APIError.jsonResponse(status: error.status, code: error.code, message: error.text, headers: [.connection: "close"])
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return APIError.jsonResponse(status: error.status, code: error.code, message: WebPages.text(for: error, visit), headers: error.headers,
                                         field: error.field, extra: error.extra)
        }
    }

    @Sendable func received(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let id = request.uri.queryParameters["id"].map(String.init) ?? ""
        let due = request.uri.queryParameters["due"].map(String.init) ?? ""
        // Only what an application ID and a date look like is shown again.
        guard id.count <= 20, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), (try? CalendarDay(parsing: due)) != nil else {
            throw HTTPError(.notFound)
        }
        return pages.page("apply_received", visit, values: ["received": visit.catalogue.text("apply_received", ["id": id, "date": due])])
    }

    func statusValues(_ visit: WebPages.Visit, token: String, _ status: ApplicationPublicStatus) -> [String: Any] {
        let calendar = applications.calendar, configuration = self.configuration
        var values: [String: Any] = [
            "csrf": pages.csrfToken(visit, sessionHash: nil), "token": token, "id": status.id,
            "state": visit.catalogue.text("status_\(status.status.rawValue)"), "submitted": calendar.day(of: status.submittedAt).description,
            "needs_info": status.status == .needsInfo, "max_document_bytes": configuration.maxDocumentBytes, "max_photo_bytes": configuration.maxPhotoBytes,
        ]
        if let due = status.reviewDue, let day = try? CalendarDay(yyyymmdd: due), status.status == .pending { values["due"] = day.description }
        if let message = status.message { values["message"] = message }
        return values
    }

    @Sendable func status(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let status = try await applications.status(token: token, now: clock.now())
        return pages.page("application_status", visit, values: statusValues(visit, token: token, status))
    }

    @Sendable func answer(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let pages = pages
        // A refusal is shown as a page by PageErrorMiddleware; the files sent with it are already deleted.
        let answered = try await applications.answer(request, client: clientAddresses.client(of: request, context: context), now: clock.now(), logger: context.logger) { fields in
            try pages.checkCSRF(FormFields(values: fields), visit, sessionHash: nil)
        }
        var values = statusValues(visit, token: "", answered)
        values["notice"] = visit.catalogue.text("status_answered")
        return pages.page("application_status", visit, values: values)
    }
}
