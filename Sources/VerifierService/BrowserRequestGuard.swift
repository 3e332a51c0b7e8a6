import DaemonSupport
import HTTPTypes
import Hummingbird

/// What keeps other web pages out of the verifier (review #17): a `Host`
/// this verifier does not answer for is refused (DNS rebinding), and so is
/// any request a browser marks as coming from another site (`Origin` of
/// another host, or `Sec-Fetch-Site: cross-site`/`same-site`), so a page
/// open in the till's browser cannot write into the audit log or the
/// replay cache. Programs that send neither header (the CLI, curl, a
/// point-of-sale system) are not affected.
struct BrowserRequestGuard<Context: RequestContext>: RouterMiddleware {
    /// Host names (without port) this verifier answers for.
    let allowedNames: Set<String>

    init(configuration: VerifierConfiguration) {
        let names = ["localhost", "127.0.0.1", "::1", configuration.host] + configuration.allowedHosts
        allowedNames = Set(names.map { Self.name(of: $0) })
    }

    /// The host name of a `Host` value or an Origin's authority, lower-cased,
    /// without port or IPv6 brackets. Rebinding is about the name a
    /// browser was given; the port plays no part in it.
    static func name(of authority: String) -> String {
        let text = authority.lowercased()
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") { return String(text[text.index(after: text.startIndex)..<close]) }
        if text.filter({ $0 == ":" }).count > 1 { return text } // a bare IPv6 address
        return String(text.split(separator: ":", maxSplits: 1).first ?? "")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? request.headers[FetchMetadata.host]
        if let refusal = refusal(host: host, origin: request.headers[.origin], fetchSite: request.headers[FetchMetadata.site]) {
            throw refusal
        }
        return try await next(request, context)
    }

    /// Why a request with these headers is refused, or nil to let it through.
    func refusal(host: String?, origin: String?, fetchSite: String?) -> APIError? {
        // Browsers always name the host; a request without one (HTTP/1.0)
        // cannot come from a rebound name.
        let host = (host ?? "").lowercased()
        guard host.isEmpty || allowedNames.contains(Self.name(of: host)) else {
            return APIError(.misdirectedRequest, code: "unknown_host",
                            "this verifier does not answer for the host \"\(host.prefix(100))\"; add it to server.allowed_hosts if the till uses that name")
        }
        if let fetchSite, fetchSite == "cross-site" || fetchSite == "same-site" {
            return APIError(.forbidden, code: "cross_site_request", "requests from other web sites are refused")
        }
        if let origin {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map { String($0).lowercased() }
            guard originHost == host else {
                return APIError(.forbidden, code: "cross_site_request", "requests from other web sites are refused (Origin \(origin.prefix(100)))")
            }
        }
        return nil
    }
}

enum FetchMetadata {
    static let site = HTTPField.Name("Sec-Fetch-Site")!
    /// HTTP/1 servers move `Host` into the request's authority; a request
    /// built another way may still carry the field.
    static let host = HTTPField.Name("Host")!
}
