import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb

/// The console's queue of personal-data requests (`/staff/data-requests`,
/// reviewer or higher): the statutory due dates, overdue first, and the
/// forms to extend once, complete or refuse, through the same
/// ``DataRequestService`` methods as `/v1/admin/data-requests`.
extension StaffConsoleController {
    func dataRequestsPage(_ visit: WebPages.Visit, _ signed: Signed, status text: String?, httpStatus: HTTPResponse.Status = .ok,
                          messages: [(field: String?, text: String)] = [], notice: String? = nil) async throws -> Response {
        let catalogue = visit.catalogue
        let (requests, today) = try await dataRequests.queue(status: text, limit: 500)
        let shown = text ?? "open"
        let rows = requests.map { request -> [String: Any] in
            var row: [String: Any] = [
                "id": request.id, "kind": catalogue.text("data_kind_\(request.kind.rawValue)"), "student_id": request.studentID,
                "received": composer.localTime(request.receivedAt), "due": DataRequestService.date(request.due),
                "overdue": request.isOverdue(today: today), "open": request.status == .open, "deletion": request.kind == .deletion,
                "csrf": signed.csrf,
            ]
            if let details = request.details { row["details"] = details }
            if let reason = request.extensionReason { row["extended"] = reason }
            if let outcome = request.outcome { row["outcome"] = outcome }
            return row
        }
        var page = WebPages.errorValues(messages)
        page["requests"] = rows
        page["has_requests"] = !rows.isEmpty
        page["tabs"] = DataRequestStatus.allCases.map { ["value": $0.rawValue, "label": catalogue.text("staff_data_\($0.rawValue)"), "current": $0.rawValue == shown] }
        if let notice { page["notice"] = notice }
        return pages.page("staff_data_requests", visit, status: httpStatus, values: values(signed, page))
    }

    @Sendable func dataRequestQueue(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let status = request.uri.queryParameters["status"].map(String.init)
        do {
            return try await dataRequestsPage(visit, signed, status: status)
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return try await dataRequestsPage(visit, signed, status: nil, httpStatus: error.status, messages: [(nil, WebPages.text(for: error, visit))])
        }
    }

    @Sendable func decideDataRequest(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        let signed = try signed(visit, context)
        let fields = try await checkedForm(request, visit)
        let id = try context.parameters.require("id"), action = try context.parameters.require("action")
        let text = fields["text"] ?? ""
        do {
            switch action {
            case "extend": _ = try await dataRequests.extend(id: id, reason: text, actor: signed.actor, logger: context.logger)
            case "complete": _ = try await dataRequests.decide(id: id, decision: .complete(note: text), actor: signed.actor, logger: context.logger)
            case "refuse": _ = try await dataRequests.decide(id: id, decision: .refuse(reason: text), actor: signed.actor, logger: context.logger)
            default: throw PageError(.notFound, text: visit.catalogue.error("not_found"), code: "not_found")
            }
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return try await dataRequestsPage(visit, signed, status: nil, httpStatus: error.status, messages: [(nil, WebPages.text(for: error, visit))])
        }
        return try await dataRequestsPage(visit, signed, status: nil, notice: visit.catalogue.text("staff_data_done"))
    }
}
