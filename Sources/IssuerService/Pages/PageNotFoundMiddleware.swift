import HTTPTypes
import Hummingbird
import IssuerWeb
/// A path no route knows, asked for by a browser (it accepts HTML) outside
/// the API: the error page in the visitor's language, not a JSON body.
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = IssuerRequestContext
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard request.headers[.accept]?.contains("text/html") == true, !path.hasPrefix("/v1/"), !path.hasPrefix("/.well-known/") else { throw error }
            let visit = pages.visit(request)
            return pages.page("error", visit, status: .notFound, values: ["text": visit.catalogue.text("error_not_found")])
        }
    }
}
