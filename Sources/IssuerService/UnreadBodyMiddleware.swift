import Hummingbird
import NIOCore

/// A request refused before its body was read whole is answered with
/// `Connection: close` (``AccountApplicationService``). Hummingbird would
/// still read the rest of the body to find the next request; shutting the
/// socket's input down first means a refused upload costs its sender, not
/// the issuer (review 2, #3 and #8: measured in docs/performance.md).
struct UnreadBodyMiddleware: RouterMiddleware {
    typealias Context = IssuerRequestContext

    // It sits outside JSONErrorMiddleware, so every refusal reaches it as a response.
    func handle(_ request: Request, context: IssuerRequestContext, next: (Request, IssuerRequestContext) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if response.headers[.connection] == "close" { stopReading(context) }
        return response
    }

    private func stopReading(_ context: IssuerRequestContext) {
        context.channel?.close(mode: .input, promise: nil)
    }
}
