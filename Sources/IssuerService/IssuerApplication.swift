import Clocks
import DaemonSupport
import Hummingbird
import IssuerCore
import IssuerStore
import IssuerWeb
import Logging
import NIOCore
import ServiceLifecycle

/// Opens the issuer's storage and builds the daemon on it: what `serve`
/// runs. The storage is opened off the cooperative pool but not migrated
/// (``IssuerServices/open(configuration:credentials:clock:logger:)``); its
/// migrations run in `beforeServerStarts`, then `prepare` (serve's checks
/// and development seeding), before the socket listens.
public func buildApplication(
    configuration: IssuerConfiguration,
    credentials: IssuerCredentials,
    logger: Logger,
    notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
    prepare: @escaping @Sendable (IssuerServices) async throws -> Void = { _ in },
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let services = try await IssuerServices.open(configuration: configuration, credentials: credentials, logger: logger)
    return buildApplication(services, notifier: notifier, prepare: prepare, onServerRunning: onServerRunning)
}

/// Builds the issuer daemon from its composed services: the router with
/// every controller, the background loops and the systemd notifier. Before
/// the server listens, the storage is migrated (nothing to do when it is
/// current) and `prepare` runs; the background loops wait for both, so
/// none reads a table that is not there yet. `@main` runs it; tests call
/// the same function and drive it with HummingbirdTesting (in-process or
/// over a real socket).
public func buildApplication(
    _ services: IssuerServices,
    notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
    prepare: @escaping @Sendable (IssuerServices) async throws -> Void = { _ in },
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = services.configuration
    let storageReady = StartupLatch()
    var background: [any Service] = []
    if configuration.rotateInDaemon {
        background.append(PeriodicService(name: "key-rotation", interval: .seconds(configuration.checkInterval), runAtStart: true,
                                          logger: services.logger) { await services.rotationTick() })
    }
    if services.credentials.rootKey != nil {
        // Changes made by other processes (a CLI suspension, a key revoked
        // by the runbook) reach the signed key set within this interval.
        background.append(PeriodicService(name: "keyset-refresh", interval: .seconds(KeySetPublisher.refreshCheckInterval),
                                          logger: services.logger) { await services.keySetRefreshTick() })
    }
    background.append(services.mailDelivery)
    background.append(PeriodicService(name: "maintenance", interval: .seconds(600), runAtStart: true, logger: services.logger) {
        await services.maintenanceTick()
    })
    // The storage's pool runs from the start (the migrations need it) and,
    // listed first, stops last.
    let storage: [any Service] = services.engine.service.map { [$0] } ?? []
    return makeDaemonApplication(router: buildRouter(services), host: configuration.host, port: configuration.port,
                                 idleTimeout: configuration.idleTimeout,
                                 services: storage + background.map { LatchedService(after: storageReady, $0) },
                                 notifier: notifier, logger: services.logger,
                                 beforeServerStarts: {
                                     try await services.migrateStorage()
                                     try await prepare(services)
                                     storageReady.open()
                                 },
                                 onServerRunning: onServerRunning)
}

/// The routes (see docs/openapi.yaml). Each controller gets the services
/// it calls; `services` is the composition root, read here and nowhere below.
public func buildRouter(_ services: IssuerServices) -> Router<IssuerRequestContext> {
    let s = services, configuration = services.configuration, clock = services.clock, authentication = services.authentication
    let router = Router(context: IssuerRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: s.metrics.service))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: UnreadBodyMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: PageNotFoundMiddleware(pages: s.pages))
    OperationsController(readiness: s.readiness, metrics: s.metrics).addRoutes(to: router)
    WellKnownController(publisher: s.publisher, clock: clock, configuration: configuration).addRoutes(to: router)
    let v1 = router.group("v1")
    AlumniAppController(signIn: s.signIn, tokens: s.tokens, qrImages: s.qrImages, authentication: authentication, clientAddresses: s.clientAddresses,
                        metrics: s.metrics, clock: clock, configuration: configuration).addRoutes(to: v1)
    AccountController(applications: s.applications, passwords: s.passwords, humanCheck: s.humanCheck, authentication: authentication,
                      clientAddresses: s.clientAddresses, clock: clock, configuration: configuration).addRoutes(to: v1)
    OwnAccountController(accounts: s.accountSelfService, authentication: authentication, clientAddresses: s.clientAddresses,
                         configuration: configuration).addRoutes(to: v1)
    VerifyController(verifier: s.verifier, publisher: s.publisher, metrics: s.metrics, clock: clock).addRoutes(to: v1)
    let admin = v1.group("admin")
    AdminController(keyService: s.keyService, accountAdministration: s.accountAdministration, auditTrail: s.auditTrail, authentication: authentication,
                    configuration: configuration).addRoutes(to: admin)
    ReviewController(applications: s.applications, mailDelivery: s.mailDelivery, authentication: authentication, clock: clock,
                     configuration: configuration).addRoutes(to: admin)
    DataRequestController(service: s.dataRequests, authentication: authentication, clientAddresses: s.clientAddresses, configuration: configuration)
        .addRoutes(to: v1, admin: admin)
    CardApplicationController(cardApplications: s.cardApplications, authentication: authentication, configuration: configuration)
        .addRoutes(to: v1, admin: admin)
    MerchantController(merchantDirectory: s.merchantDirectory, authentication: authentication, configuration: configuration).addRoutes(to: v1, admin: admin)
    addPages(services, to: router)
    return router
}

/// The alumni pages (docs/web.md): HTML answers, errors as pages.
func addPages(_ services: IssuerServices, to router: Router<IssuerRequestContext>) {
    let s = services, pages = services.pages, configuration = services.configuration, clock = services.clock, authentication = services.authentication
    StaticAssetController(assets: pages.renderer.assets).addRoutes(to: router)
    let account = AccountPagesController(signIn: s.signIn, passwords: s.passwords, authentication: authentication, clientAddresses: s.clientAddresses,
                                         clock: clock, configuration: configuration, pages: pages)
    let cards = CardPagesController(tokens: s.tokens, cardApplications: s.cardApplications, calendar: s.applications.calendar, authentication: authentication,
                                    metrics: s.metrics, clock: clock, configuration: configuration, pages: pages)
    let applications = ApplicationPagesController(applications: s.applications, clientAddresses: s.clientAddresses, clock: clock,
                                                  configuration: configuration, pages: pages)
    cards.addDataRoutes(to: router)
    applications.addDataRoutes(to: router)
    let group = router.group().add(middleware: PageErrorMiddleware(pages: pages, sessionCookie: pages.cookies.session))
    account.addRoutes(to: group)
    OwnAccountPagesController(accounts: s.accountSelfService, dataRequests: s.dataRequests, authentication: authentication,
                              clientAddresses: s.clientAddresses, clock: clock, pages: pages).addRoutes(to: group)
    cards.addRoutes(to: group)
    applications.addRoutes(to: group)
    DirectoryPageController(merchantDirectory: s.merchantDirectory, pages: pages).addRoutes(to: group)
    let staff = router.group("staff").add(middleware: PageErrorMiddleware(pages: pages, signIn: "/staff/login", sessionCookie: pages.cookies.staffSession))
    StaffConsoleController(applications: s.applications, cardApplications: s.cardApplications, staffSignIn: s.staffSignIn, keyService: s.keyService,
                           merchantDirectory: s.merchantDirectory, dataRequests: s.dataRequests, publisher: s.publisher, composer: s.composer,
                           authentication: authentication,
                           clientAddresses: s.clientAddresses, clock: clock, pages: pages).addRoutes(to: staff)
}
