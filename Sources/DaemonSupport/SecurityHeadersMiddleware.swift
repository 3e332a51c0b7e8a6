import HTTPTypes
import Hummingbird

/// Headers every answer of both daemons carries: no MIME sniffing, no
/// framing (clickjacking), no referrer leaving the page.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[SecurityHeaderNames.frameOptions] = "DENY"
        response.headers[SecurityHeaderNames.referrerPolicy] = "no-referrer"
        return response
    }
}

enum SecurityHeaderNames {
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
