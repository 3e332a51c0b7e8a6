import DaemonSupport
import Hummingbird
import NIOCore

/// A request refused before its body was read whole is answered with
/// `Connection: close` (``AccountApplicationService``). Hummingbird would
/// still read the rest of the body to find the next request; shutting the
/// socket's input down first means a refused upload costs its sender, not
/// the issuer (review 2, #3 and #8: measured in docs/performance.md).
struct UnreadBodyMiddleware: RouterMiddleware {
    typealias Context = IssuerRequestContext

    func handle(_ request: Request, context: IssuerRequestContext, next: (Request, IssuerRequestContext) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if response.headers[.connection] == "close" { stopReading(context) }
            return response
        } catch let error as APIError where error.headers[.connection] == "close" {
            stopReading(context)
            throw error
        }
    }

    private func stopReading(_ context: IssuerRequestContext) {
        context.channel?.close(mode: .input, promise: nil)
    }
}
