import CardToken
import Clocks
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import Logging
import NIOCore
import NIOPosix
import QREncoder

/// The alumni app's API: log in and out, my card, my current token and
/// its QR code.
struct AlumniAppController: Sendable {
    let signIn: SignInService
    let tokens: CardTokenService
    let qrImages: QRImageCache
    let authentication: SessionAuthentication
    let clientAddresses: ClientAddressResolver
    let metrics: IssuerMetrics
    let clock: IssuerClock
    let configuration: IssuerConfiguration

    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.post("session", use: login)
        group.delete("session", use: logout)
        let holders = group.signedInHolders(authentication, cardAccess: true)
        holders.get("card", use: card)
        holders.get("card/token", use: token)
        holders.get("card/token/qr", use: qr)
        holders.get("card/tokens", use: tokensAhead)
    }

    struct LoginRequest: Decodable {
        let login: String
        let password: String
        let altcha: String?
        let mailCode: String?

        enum CodingKeys: String, CodingKey {
            case login, password, altcha
            case mailCode = "mail_code"
        }
    }

    struct LoginResponse: Encodable {
        let sessionToken: String
        let tokenType = "Bearer"
        let expiresAt: Int64
        let studentID: String
        let passwordChangeRequired: Bool

        enum CodingKeys: String, CodingKey {
            case sessionToken = "session_token"
            case tokenType = "token_type"
            case expiresAt = "expires_at"
            case studentID = "student_id"
            case passwordChangeRequired = "password_change_required"
        }
    }

    @Sendable func login(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let body = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let input = try JSONBody.decode(LoginRequest.self, from: body, allowedKeys: ["login", "password", "altcha", "mail_code"])
        let session = try await signIn.signIn(
            .init(login: input.login, password: input.password, altcha: input.altcha, mailCode: input.mailCode,
                  client: clientAddresses.client(of: request, context: context), userAgent: request.headers[.userAgent]),
            logger: context.logger)
        return try JSONBody.response(LoginResponse(sessionToken: session.token, expiresAt: session.expiresAt, studentID: session.studentID,
                                                   passwordChangeRequired: session.passwordChangeRequired), status: .created)
    }

    @Sendable func logout(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        try await signIn.signOut(sessionToken: try Authentication.bearerToken(request))
        return Response(status: .noContent)
    }

    struct CardResponse: Encodable {
        let cardNumber: String
        let status: String
        let validThrough: String
        let holderName: String
        let maskedName: String
        let studentID: String
        let email: String?

        enum CodingKeys: String, CodingKey {
            case status, email
            case cardNumber = "card_number"
            case validThrough = "valid_through"
            case holderName = "holder_name"
            case maskedName = "masked_name"
            case studentID = "student_id"
        }
    }

    @Sendable func card(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let signedIn = try context.holder()
        let (holder, cards) = (signedIn.holder, signedIn.cards)
        let card = try CardTokenService.digitalCard(cards)
        return try JSONBody.response(CardResponse(
            cardNumber: card.number.rawValue, status: card.status.rawValue, validThrough: card.validThrough.description,
            holderName: holder.displayName, maskedName: HolderNameMasking.mask(holder.displayName),
            studentID: holder.studentID, email: holder.email))
    }

    struct TokenBody: Encodable {
        let token: String
        let kid: String
        let issuedAt: Int64
        let refreshAt: Int64
        let expiresAt: Int64

        enum CodingKeys: String, CodingKey {
            case token, kid
            case issuedAt = "issued_at"
            case refreshAt = "refresh_at"
            case expiresAt = "expires_at"
        }

        init(_ stored: SignedCardToken, window: TokenSchedule.Window) {
            token = stored.token
            kid = stored.kid
            issuedAt = stored.issuedAt
            refreshAt = window.refreshAt
            expiresAt = stored.expiresAt
        }
    }

    struct TokenResponse: Encodable {
        let current: TokenBody
        let next: TokenBody?
        let secondsToRefresh: Int64

        enum CodingKeys: String, CodingKey {
            case token, kid, next
            case issuedAt = "issued_at"
            case refreshAt = "refresh_at"
            case expiresAt = "expires_at"
            case secondsToRefresh = "seconds_to_refresh"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(current.token, forKey: .token)
            try container.encode(current.kid, forKey: .kid)
            try container.encode(current.issuedAt, forKey: .issuedAt)
            try container.encode(current.refreshAt, forKey: .refreshAt)
            try container.encode(current.expiresAt, forKey: .expiresAt)
            try container.encode(secondsToRefresh, forKey: .secondsToRefresh)
            try container.encodeIfPresent(next, forKey: .next)
        }
    }

    private func cardForTokens(_ context: IssuerRequestContext, now: Int64) throws -> (Card, String) {
        let signedIn = try context.holder()
        return try tokens.card(forTokensOf: signedIn.holder, cards: signedIn.cards, now: now)
    }

    /// The card's offer, or the refusal that says why there is none.
    private func offer(_ context: IssuerRequestContext) async throws -> TokenOffer {
        let now = clock.now()
        let (card, name) = try cardForTokens(context, now: now)
        return try await tokens.offer(card: card, holderName: name, now: now)
    }

    /// One token of a day ahead (`/v1/card/tokens`); the card page's
    /// `/card/tokens` adds its QR symbol.
    struct TokenAhead: Encodable {
        let token: String
        let windowStart: Int64
        let refreshAt: Int64
        let expiresAt: Int64
        /// `SIZE:BASE64` of the packed modules (``QRCode/packedModules``), for the card page only.
        var qr: String? = nil

        enum CodingKeys: String, CodingKey {
            case token, qr
            case windowStart = "window_start"
            case refreshAt = "refresh_at"
            case expiresAt = "expires_at"
        }
    }

    /// `?windows=N` of `/v1/card/tokens` and the page's `/card/tokens`: 1…`limit`, all of them when absent.
    static func windowCount(_ request: Request, limit: Int) throws -> Int {
        for name in request.uri.queryParameters.map({ String($0.key) }) where name != "windows" {
            throw APIError.badRequest("unknown_field", "unknown query parameter \"\(name.prefix(64))\"; allowed: windows")
        }
        guard let text = request.uri.queryParameters["windows"] else { return limit }
        guard let value = Int(text), (1...limit).contains(value) else {
            throw APIError.badRequest("invalid_value", "windows must be a whole number from 1 to \(limit) (tokens.max_prefetch_windows)")
        }
        return value
    }

    /// `GET /v1/card/tokens?windows=N` (alumni-api.md §9): the current
    /// window's token and those of the N − 1 windows after it.
    @Sendable func tokensAhead(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let count = try Self.windowCount(request, limit: tokens.maxPrefetchWindows)
        let now = clock.now()
        let (card, name) = try cardForTokens(context, now: now)
        let tokens = try await tokens.tokensAhead(card: card, holderName: name, now: now, count: count)
        metrics.tokenServed(format: "ahead", count: tokens.count)
        let body = tokens.map { TokenAhead(token: $0.0.token, windowStart: $0.1.start, refreshAt: $0.1.refreshAt, expiresAt: $0.0.expiresAt) }
        return try JSONBody.response(["tokens": body])
    }

    @Sendable func token(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let offer = try await offer(context)
        metrics.tokenServed(format: "json")
        let now = clock.now()
        return try JSONBody.response(TokenResponse(
            current: TokenBody(offer.current, window: offer.window),
            next: zip(offer.next, offer.nextWindow).map { TokenBody($0, window: $1) },
            secondsToRefresh: max(0, offer.window.refreshAt - now)))
    }

    @Sendable func qr(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "svg"
        guard format == "svg" || format == "png" else {
            throw APIError.badRequest("invalid_value", "format must be svg or png")
        }
        var scale = format == "svg" ? 8 : 6
        if let text = request.uri.queryParameters["scale"] {
            guard let value = Int(text), (1...32).contains(value) else {
                throw APIError.badRequest("invalid_value", "scale must be a whole number from 1 to 32")
            }
            scale = value
        }
        for name in request.uri.queryParameters.map({ String($0.key) }) where !["format", "scale"].contains(name) {
            throw APIError.badRequest("unknown_field", "unknown query parameter \"\(name.prefix(64))\"; allowed: format, scale")
        }
        let offer = try await offer(context)
        let image = try qrImages.image(card: offer.current.cardNumber, token: offer.current.token, variant: "\(format)@\(scale)") {
            let code = try QRCode.encode(text: offer.current.token, errorCorrection: .medium)
            return format == "png" ? ByteBuffer(bytes: try code.png(moduleSize: scale)) : ByteBuffer(string: code.svg(moduleSize: scale))
        }
        metrics.tokenServed(format: format)
        var headers: HTTPFields = [.cacheControl: "no-store", .contentType: format == "png" ? "image/png" : "image/svg+xml"]
        headers[HTTPField.Name("X-Refresh-At")!] = String(offer.window.refreshAt)
        headers[HTTPField.Name("X-Expires-At")!] = String(offer.current.expiresAt)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: image))
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
