import AccountRules
import CardToken
import Clocks
import DaemonSupport
import FormEncoding
import Foundation
import HTTPTypes
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb
import NIOCore
import NIOPosix
import QREncoder

/// The card pages: applying for the digital card (`/card/apply`), and the
/// card itself (`/card`), a shell with no personal data that its script
/// fills from `/card/tokens` and keeps working offline. They call the same
/// services as `/v1/card-applications` and `/v1/card/tokens`.
struct CardPagesController: Sendable {
    let tokens: CardTokenService
    let cardApplications: CardApplicationService
    let calendar: ReviewCalendar
    let authentication: SessionAuthentication
    let metrics: IssuerMetrics
    let clock: IssuerClock
    let configuration: IssuerConfiguration
    let pages: WebPages
    /// The card shell in each language, rendered once: it holds no personal
    /// data and is the same for every holder (Mustache's rendering of the
    /// catalogue costs more than the rest of the request).
    let shells: [WebLanguage: String]

    init(tokens: CardTokenService, cardApplications: CardApplicationService, calendar: ReviewCalendar, authentication: SessionAuthentication,
         metrics: IssuerMetrics, clock: IssuerClock, configuration: IssuerConfiguration, pages: WebPages) {
        self.tokens = tokens
        self.cardApplications = cardApplications
        self.calendar = calendar
        self.authentication = authentication
        self.metrics = metrics
        self.clock = clock
        self.configuration = configuration
        self.pages = pages
        var shells: [WebLanguage: String] = [:]
        for language in WebLanguage.allCases {
            shells[language] = Self.renderShell(pages, language: language)
        }
        self.shells = shells
    }

    /// Page routes (errors become pages).
    func addRoutes(to group: RouterGroup<IssuerRequestContext>) {
        group.get("card", use: cardPage)
        group.get("card/apply", use: applyPage)
        group.post("card/apply", use: apply)
    }

    /// The script's data route (errors stay JSON, for the script to read).
    func addDataRoutes(to router: Router<IssuerRequestContext>) {
        router.get("card/tokens", use: tokens)
        router.get(RouterPath(CardServiceWorker.path), use: serviceWorker)
    }

    // MARK: Applying

    func applyValues(_ visit: WebPages.Visit, holder: Holder, csrf: String, errors: [(field: String?, text: String)] = [],
                     notice: String? = nil, issuedNow: Bool = false) async throws -> [String: Any] {
        let history = try await cardApplications.history(holderID: holder.id)
        let configuration = self.configuration, catalogue = visit.catalogue, calendar = self.calendar
        var values = WebPages.errorValues(errors)
        values["signed_in"] = true
        values["csrf"] = csrf
        // Only what the rules would accept is offered; when nothing would be, the page says why, as information.
        switch try await cardApplications.offer(holder: holder) {
        case .success(let offered):
            let fee = offered == .first ? configuration.firstCardFee : configuration.renewalFee
            values["offer"] = ["kind": offered.rawValue, "text": catalogue.text("card_apply_offer", [
                "kind": catalogue.text(offered == .first ? "card_apply_first" : "card_apply_renewal"), "amount": String(fee)])]
        case .failure(let closed):
            if !issuedNow { values["closed"] = WebPages.text(for: closed.answer, visit) }
        }
        values["issue_note"] = catalogue.text(configuration.issueOn == .submission ? "card_apply_issue_submission" : "card_apply_issue_payment")
        values["issued_now"] = issuedNow
        if let notice { values["notice"] = notice }
        values["has_history"] = !history.isEmpty
        values["history"] = history.map { application -> [String: String] in
            let status = application.status == .issued
                ? catalogue.text("card_apply_issued", ["number": application.cardNumber ?? "", "date": application.validThrough?.description ?? ""])
                : catalogue.text("card_apply_awaiting", ["amount": String(application.feeAmount)])
            return ["submitted": calendar.day(of: application.submittedAt).description,
                    "kind": catalogue.text(application.kind == .first ? "card_apply_first" : "card_apply_renewal"), "status": status]
        }
        return values
    }

    /// The holder, signed in with the password already changed; else where to send them.
    func cardHolder(_ visit: WebPages.Visit) async throws -> (holder: Holder, cards: [Card], tokenHash: [UInt8])? {
        guard let token = visit.sessionToken else { return nil }
        return try await authentication.cardHolder(sessionToken: token)
    }

    @Sendable func applyPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let found = try await cardHolder(visit) else { return pages.redirect("/login", visit) }
        let notice = request.uri.queryParameters["done"] == "password" ? visit.catalogue.text("password_changed") : nil
        return pages.page("card_apply", visit, values: try await applyValues(visit, holder: found.holder, csrf: pages.csrfToken(visit, sessionHash: found.tokenHash),
                                                                             notice: notice))
    }

    @Sendable func apply(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let found = try await cardHolder(visit) else { return pages.redirect("/login", visit) }
        let fields = try await pages.checkedForm(request, visit, sessionHash: found.tokenHash)
        let csrf = pages.csrfToken(visit, sessionHash: found.tokenHash)
        guard let kindText = fields["kind"], let kind = CardApplicationRules.Kind(rawValue: kindText) else {
            return pages.page("card_apply", visit, status: .unprocessableContent, values: try await applyValues(
                visit, holder: found.holder, csrf: csrf, errors: [(nil, visit.catalogue.text("field_required") + "：" + visit.catalogue.text("card_apply_kind"))]))
        }
        let application: CardApplication
        do {
            application = try await cardApplications.submit(
                holder: found.holder, kind: kind, altcha: fields.nonEmpty("altcha"), logger: context.logger)
        } catch let refusal as any ClientRefusal where refusal.answer.status == .conflict || refusal.answer.status == .forbidden {
            let error = refusal.answer
            // A refusal of the rules is not the visitor's mistake: the page shows why no application is possible now.
            return pages.page("card_apply", visit, status: error.status, values: try await applyValues(visit, holder: found.holder, csrf: csrf))
        } catch let refusal as any ClientRefusal {
            let error = refusal.answer
            return pages.page("card_apply", visit, status: error.status, values: try await applyValues(
                visit, holder: found.holder, csrf: csrf, errors: [(nil, WebPages.text(for: error, visit))]))
        }
        let issued = application.status == .issued
        let notice = issued
            ? visit.catalogue.text("card_apply_issued", ["number": application.cardNumber ?? "", "date": application.validThrough?.description ?? ""])
            : visit.catalogue.text("card_apply_awaiting", ["amount": String(application.feeAmount)])
        return pages.page("card_apply", visit, status: .created, values: try await applyValues(
            visit, holder: found.holder, csrf: csrf, notice: visit.catalogue.text("card_apply_done") + " " + notice, issuedNow: issued))
    }

    // MARK: The card

    /// Texts the card script shows, in the page's language.
    struct CardTexts: Encodable {
        let loading, countdown, offline, noToken, noCard, refused, loginAgain: String
        let errors: [String: String]

        enum CodingKeys: String, CodingKey {
            case loading, countdown, offline, refused, errors
            case noToken = "no_token"
            case noCard = "no_card"
            case loginAgain = "login_again"
        }
    }

    static func renderShell(_ pages: WebPages, language: WebLanguage) -> String {
        let catalogue = pages.renderer.catalogue(language)
        let codes = ["card_suspended", "card_revoked", "card_expired", "account_suspended", "database_busy"]
        let texts = CardTexts(loading: catalogue.text("card_loading"), countdown: catalogue.text("card_countdown"), offline: catalogue.text("card_offline"),
                              noToken: catalogue.text("card_no_token"), noCard: catalogue.text("card_no_card"), refused: catalogue.text("card_refused"),
                              loginAgain: catalogue.text("card_login_again"),
                              errors: Dictionary(uniqueKeysWithValues: codes.map { ($0, catalogue.error($0)) }))
        return pages.renderer.render("card", language: language, values: ["signed_in": true, "language_link": WebPages.languageSwitch(to: language.other, back: "/card"), "texts": PageRenderer.jsonDataBlock(texts)])
    }

    /// The shell: the same bytes for every holder (the service worker keeps
    /// it), so it may be revalidated rather than never stored.
    @Sendable func cardPage(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let session = visit.sessionToken else { return pages.redirect("/login", visit) }
        // Sessions from before the binding existed get it here (it lasts as long as a session can).
        let binding = CardPageBinding.cookie(pages.cookies, sessionTokenHash: BearerToken.digest(session), maxAge: configuration.sessionLifetime)
        return pages.page(html: shells[visit.language]!, visit, cookies: [binding], cacheControl: "no-cache")
    }

    struct CardData: Encodable {
        struct Facts: Encodable {
            let maskedName: String
            let cardNumber: String
            let validThrough: String
            enum CodingKeys: String, CodingKey {
                case maskedName = "masked_name"
                case cardNumber = "card_number"
                case validThrough = "valid_through"
            }
        }

        let card: Facts
        let serverTime: Double
        let tokens: [AlumniAppController.TokenAhead]
        /// The session these tokens were fetched for (``CardPageBinding``).
        let binding: String
        enum CodingKeys: String, CodingKey {
            case card, tokens, binding
            case serverTime = "server_time"
        }
    }

    /// `GET /card/tokens[?windows=N]`: the card's facts and a day of tokens (or N windows) with their
    /// symbols, for the signed-in holder's cookie. The symbols are encoded
    /// here, by the same encoder as `/v1/card/token/qr`, so the page carries
    /// no encoder of its own.
    @Sendable func tokens(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        let visit = pages.visit(request)
        guard let session = visit.sessionToken else { throw APIError.unauthorized("no session cookie; log in at /login, then open /card") }
        let (holder, cards, _) = try await authentication.cardHolder(sessionToken: session)
        let count = try AlumniAppController.windowCount(request, limit: tokens.maxPrefetchWindows)
        let now = clock.now()
        let (card, name) = try tokens.card(forTokensOf: holder, cards: cards, now: now)
        let ahead = try await tokens.tokensAhead(card: card, holderName: name, now: now, count: count)
        metrics.tokenServed(format: "page", count: ahead.count)
        // A day of symbols is a few hundred milliseconds of work: off the cooperative threads.
        let tokens = try await NIOThreadPool.singleton.runIfActive {
            try ahead.map { stored, window in
                let code = try QRCode.encode(text: stored.token, errorCorrection: .medium)
                return AlumniAppController.TokenAhead(token: stored.token, windowStart: window.start, refreshAt: window.refreshAt,
                                                      expiresAt: stored.expiresAt, qr: "\(code.size):" + Data(code.packedModules).base64EncodedString())
            }
        }
        let data = CardData(card: .init(maskedName: HolderNameMasking.mask(name), cardNumber: card.number.rawValue, validThrough: card.validThrough.description),
                            serverTime: clock.preciseNow(), tokens: tokens,
                            binding: CardPageBinding.value(sessionTokenHash: BearerToken.digest(session)))
        return try JSONBody.response(data)
    }

    @Sendable func serviceWorker(_ request: Request, context: IssuerRequestContext) async throws -> Response {
        var headers: HTTPFields = [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"]
        WebPages.addPageHeaders(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: pages.serviceWorker.script)))
    }
}
