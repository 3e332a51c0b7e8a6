import Crypto
import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerStore
import IssuerWeb
import NIOCore

/// What every page controller shares: the renderer, the cookies, CSRF, and
/// the answers (a page, a redirect) with the headers pages carry.
struct WebPages: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    let cookies: WebCookies
    let serviceWorker: CardServiceWorker
    /// The largest form body read (the password and card forms are under 1 KiB).
    static let maximumFormBytes = 16 * 1_024

    init(configuration: IssuerConfiguration, kek: KeyEncryptionKey) throws(WebResourceError) {
        renderer = try PageRenderer()
        csrf = CSRFProtection(key: kek.derivedKey(purpose: "web csrf v1"))
        cookies = WebCookies(secure: configuration.cookiesAreSecure)
        let assets = renderer.assets
        serviceWorker = try CardServiceWorker(assets: assets, shell: ["/card"] + ["app.css", "app.js", "card.js"].compactMap { assets[$0]?.path })
    }

    /// One request as the pages see it: language, cookies, and the cookies
    /// the answer must set.
    struct Visit: Sendable {
        let language: WebLanguage
        let catalogue: MessageCatalogue
        let sessionToken: String?
        let staffToken: String?
        /// The visitor value forms are bound to before sign-in (made on first sight).
        let visitor: String
        let visitorIsNew: Bool
        /// The path and query, for the language switch to come back to.
        let back: String
        /// Where the language switch goes: `/lang?to=…&back=…`, or, on a
        /// page whose URL carries a token, that same URL with `lang=…`, so
        /// the token never leaves in a URL it was not in (review 2, #16).
        let languageLink: String
        /// The page's URL chose the language (`lang=`): the answer remembers it.
        let languageChosen: Bool
    }

    func visit(_ request: Request) -> Visit {
        let jar = request.cookies
        func token(_ name: String) -> String? {
            guard let value = jar[name]?.value, Self.isToken(value) else { return nil }
            return value
        }
        let chosen = request.uri.queryParameters["lang"].flatMap { WebLanguage(rawValue: String($0)) }
        let language = chosen ?? WebLanguage.choose(cookie: jar[cookies.language]?.value, acceptLanguage: request.headers[.acceptLanguage])
        let visitor = token(cookies.visitor)
        let back = Self.localPath(request.uri.path + (Self.queryWithout(["token", "lang"], request.uri.query).map { "?" + $0 } ?? "")) ?? "/"
        let link: String
        if Self.queryWithout(["lang"], request.uri.query) != Self.queryWithout(["token", "lang"], request.uri.query),
           let same = Self.localPath(request.uri.path + "?" + (Self.queryWithout(["lang"], request.uri.query).map { $0 + "&" } ?? "") + "lang=" + language.other.rawValue) {
            link = same
        } else {
            link = Self.languageSwitch(to: language.other, back: back)
        }
        return Visit(language: language, catalogue: renderer.catalogue(language), sessionToken: token(cookies.session),
                     staffToken: token(cookies.staffSession), visitor: visitor ?? Self.randomToken(), visitorIsNew: visitor == nil,
                     back: back, languageLink: link, languageChosen: chosen != nil)
    }

    /// The language switch's link back to `back` (a path on this site).
    static func languageSwitch(to language: WebLanguage, back: String) -> String {
        // A query value in the link: `?` and `&` of the page's own query must not end it.
        "/lang?to=\(language.rawValue)&back=" + (back.addingPercentEncoding(withAllowedCharacters: queryValueCharacters) ?? "/")
    }

    static func isToken(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count) && text.utf8.allSatisfy { $0 == 0x5F || $0 == 0x2D || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// A query without the parameters `names`: without `token`, a status or
    /// reset token never leaves in a URL it was not in, such as the
    /// language switch's (review 2, #16). Nil when nothing is left.
    static func queryWithout(_ names: Set<String>, _ query: String?) -> String? {
        guard let query, !query.isEmpty else { return nil }
        let kept = query.split(separator: "&").filter { part in
            let name = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return !names.contains((name.removingPercentEncoding ?? name).lowercased())
        }
        return kept.isEmpty ? nil : kept.joined(separator: "&")
    }

    /// `text` if it is a path on this site (no scheme, no `//host`, no
    /// backslash or control character), for redirects named by the visitor.
    static func localPath(_ text: String) -> String? {
        guard text.hasPrefix("/"), !text.hasPrefix("//"), text.utf8.count <= 512,
              !text.unicodeScalars.contains(where: { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return text
    }

    // MARK: CSRF

    func csrfToken(_ visit: Visit, sessionHash: [UInt8]?) -> String {
        csrf.token(binding: sessionHash.map(CSRFProtection.sessionBinding) ?? CSRFProtection.visitorBinding(visit.visitor))
    }

    /// Refuses a form whose token is missing or was not made for this
    /// session (or this visitor, before sign-in).
    func checkCSRF(_ fields: FormFields, _ visit: Visit, sessionHash: [UInt8]?) throws {
        let binding = sessionHash.map(CSRFProtection.sessionBinding) ?? CSRFProtection.visitorBinding(visit.visitor)
        guard !visit.visitorIsNew || sessionHash != nil, csrf.isValid(fields["csrf"], binding: binding) else {
            throw PageError(.forbidden, text: visit.catalogue.text("form_expired"), code: "csrf_failed")
        }
    }

    // MARK: Forms

    static func form(_ request: Request, visit: Visit) async throws -> FormFields {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw PageError(.unsupportedMediaType, text: visit.catalogue.error("invalid_value"), code: "unsupported_media_type")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumFormBytes)
        } catch {
            throw PageError(.contentTooLarge, text: visit.catalogue.error("invalid_value"), code: "form_too_large")
        }
        do {
            return try FormFields(parsing: body.readableBytesView)
        } catch {
            throw PageError(.badRequest, text: visit.catalogue.error("invalid_value"), code: "form_unreadable")
        }
    }

    /// The form, once its CSRF token is checked against the session (or the visitor).
    func checkedForm(_ request: Request, _ visit: Visit, sessionHash: [UInt8]?) async throws -> FormFields {
        let fields = try await Self.form(request, visit: visit)
        try checkCSRF(fields, visit, sessionHash: sessionHash)
        return fields
    }

    // MARK: Answers

    /// The page `template`, with the visit's language and switch.
    func page(_ template: String, _ visit: Visit, status: HTTPResponse.Status = .ok, values: [String: Any] = [:],
              cookies extra: [String] = [], cacheControl: String = "no-store") -> Response {
        var values = values
        values["language_link"] = visit.languageLink
        return page(html: renderer.render(template, language: visit.language, values: values), visit, status: status, cookies: extra,
                    cacheControl: cacheControl)
    }

    /// A page already rendered (the card shell, the same for every holder).
    func page(html: String, _ visit: Visit, status: HTTPResponse.Status = .ok, cookies extra: [String] = [], cacheControl: String = "no-store") -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: cacheControl]
        headers[values: .setCookie] = newVisitorCookie(visit) + extra
            + (visit.languageChosen ? [cookies.set(cookies.language, visit.language.rawValue, maxAge: 365 * 86_400)] : [])
        Self.addPageHeaders(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A 303 to `location`, setting `cookies`.
    func redirect(_ location: String, _ visit: Visit, cookies extra: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers[values: .setCookie] = newVisitorCookie(visit) + extra
            + (visit.languageChosen ? [cookies.set(cookies.language, visit.language.rawValue, maxAge: 365 * 86_400)] : [])
        Self.addPageHeaders(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    func newVisitorCookie(_ visit: Visit) -> [String] {
        visit.visitorIsNew ? [cookies.set(cookies.visitor, visit.visitor, maxAge: nil)] : []
    }

    static func addPageHeaders(_ headers: inout HTTPFields) {
        headers[contentSecurityPolicy] = ContentSecurityPolicy.pages
    }

    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let queryValueCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")

    /// Errors a page shows: `{field: text}` for the fields, and the list at the top.
    static func errorValues(_ messages: [(field: String?, text: String)]) -> [String: Any] {
        var fields: [String: String] = [:]
        for message in messages { if let field = message.field { fields[field] = message.text } }
        // (Mustache has no "is this list empty" test of its own that reads well; `has_errors` is it.)
        return ["errors": messages.map { ["field": $0.field as Any, "message": $0.text] }, "field_errors": fields, "has_errors": !messages.isEmpty]
    }

    /// The text for an API error on a page, with the values it carries.
    static func text(for error: APIError, _ visit: Visit) -> String {
        let template = visit.catalogue.texts["error_\(error.code)"] ?? visit.catalogue.text("error_other", ["code": error.code])
        var filled = template
        for (name, value) in error.extra { filled = filled.replacingOccurrences(of: "{\(name)}", with: value) }
        return filled
    }
}

/// A page that cannot be shown; ``PageErrorMiddleware`` renders it.
struct PageError: Error, Sendable {
    let status: HTTPResponse.Status
    let text: String
    let code: String

    init(_ status: HTTPResponse.Status, text: String, code: String) {
        self.status = status
        self.text = text
        self.code = code
    }
}
