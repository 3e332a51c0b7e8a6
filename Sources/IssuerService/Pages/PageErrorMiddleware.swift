import DaemonSupport
import HTTPTypes
import Hummingbird
import IssuerWeb
import Logging

/// Errors on the pages' routes become pages, in the visitor's language: a
/// missing or ended session sends them to the login page, a refusal says
/// what was wrong, anything unexpected is logged and shown as a general
/// error (never a JSON body or a stack trace). Every answer carries the CSP.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = IssuerRequestContext
    let pages: WebPages
    /// Where an ended session goes, and the cookie it clears (the alumni's, or the console's).
    var signIn = "/login"
    var sessionCookie: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            if response.headers[WebPages.contentSecurityPolicy] == nil { WebPages.addPageHeaders(&response.headers) }
            return response
        } catch let error as PageError {
            let visit = pages.visit(request)
            return pages.page("error", visit, status: error.status, values: ["text": error.text])
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return answer(error, request)
        } catch let error as any CodedError where error.apiError != nil {
            if let alert = error.operatorAlert {
                context.logger.error("\(alert)", metadata: ["error_code": "\(error.logCode)", "path": "\(request.uri.path.prefix(200))"])
            }
            return answer(error.apiError!, request)
        } catch let error as HTTPError where error.status == .notFound {
            let visit = pages.visit(request)
            return pages.page("error", visit, status: .notFound, values: ["text": visit.catalogue.text("error_not_found")])
        } catch {
            let visit = pages.visit(request)
            let coded = (error as? any CodedError)?.logCode ?? "unexpected"
            context.logger.error("page failed", metadata: ["path": "\(request.uri.path)", "error": "\(coded)"])
            return pages.page("error", visit, status: .internalServerError, values: ["text": visit.catalogue.text("error_other", ["code": coded])])
        }
    }

    func answer(_ error: APIError, _ request: Request) -> Response {
        let visit = pages.visit(request)
        if error.status == .unauthorized {
            return pages.redirect(signIn, visit, cookies: [pages.cookies.clear(sessionCookie), pages.cookies.clear(pages.cookies.cardBinding)])
        }
        if error.code == "password_change_required" { return pages.redirect("/password", visit) }
        var response = pages.page("error", visit, status: error.status, values: ["text": WebPages.text(for: error, visit)])
        for field in error.headers where field.name == .retryAfter { response.headers.append(field) }
        return response
    }
}

