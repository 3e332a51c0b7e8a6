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
/// runs. The storage is opened off the cooperative pool
/// (``IssuerServices/open(configuration:credentials:clock:logger:)``).
public func buildApplication(
    configuration: IssuerConfiguration,
    credentials: IssuerCredentials,
    logger: Logger,
    notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
    prepare: (IssuerServices) async throws -> Void = { _ in },
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let services = try await IssuerServices.open(configuration: configuration, credentials: credentials, logger: logger)
    try await prepare(services)
    return buildApplication(services, notifier: notifier, onServerRunning: onServerRunning)
}

/// Builds the issuer daemon from its composed services: the router with
/// every controller, the rotation loop and the systemd notifier. `@main`
/// runs it; tests call the same function and drive it with
/// HummingbirdTesting (in-process or over a real socket).
public func buildApplication(
    _ services: IssuerServices,
    notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = services.configuration
    var background: [any Service] = []
    if configuration.rotateInDaemon {
        background.append(PeriodicService(name: "key-rotation", interval: .seconds(configuration.checkInterval), runAtStart: true,
                                          logger: services.logger) { await services.rotationTick() })
    }
    if services.credentials.rootKey != nil {
        // Changes made by other processes (a CLI suspension, a key revoked
        // by the runbook) reach the signed key set within this interval.
        background.append(PeriodicService(name: "keyset-refresh", interval: .seconds(KeySetPublisher.refreshCheckInterval),
                                          logger: services.logger) {
            do { try await services.publisher.refreshIfNeeded(now: services.clock.now(), actor: "daemon") } catch {
                // Shutting down cancels the tick; that is no failure.
                if !Task.isCancelled {
                    services.logger.error("key set refresh failed", metadata: ["error": "\(IssuerStoreError.wrapping(error, "refresh").message)"])
                }
            }
        })
    }
    background.append(services.mailDelivery)
    background.append(PeriodicService(name: "maintenance", interval: .seconds(600), runAtStart: true, logger: services.logger) {
        await services.maintenanceTick()
    })
    return makeDaemonApplication(router: buildRouter(services), host: configuration.host, port: configuration.port,
                                 idleTimeout: configuration.idleTimeout, services: background,
                                 notifier: notifier, logger: services.logger, onServerRunning: onServerRunning)
}

/// The routes (see docs/openapi.yaml).
public func buildRouter(_ services: IssuerServices) -> Router<IssuerRequestContext> {
    let router = Router(context: IssuerRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: services.metrics.service))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: UnreadBodyMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: PageNotFoundMiddleware(pages: services.pages))
    OperationsController(services: services).addRoutes(to: router)
    WellKnownController(services: services).addRoutes(to: router)
    let v1 = router.group("v1")
    AlumniAppController(services: services).addRoutes(to: v1)
    AccountController(services: services).addRoutes(to: v1)
    VerifyController(services: services).addRoutes(to: v1)
    let admin = v1.group("admin")
    AdminController(services: services).addRoutes(to: admin)
    ReviewController(services: services).addRoutes(to: admin)
    CardApplicationController(services: services).addRoutes(to: v1, admin: admin)
    MerchantController(services: services).addRoutes(to: v1, admin: admin)
    addPages(services, to: router)
    return router
}

/// The alumni pages (docs/web.md): HTML answers, errors as pages.
func addPages(_ services: IssuerServices, to router: Router<IssuerRequestContext>) {
    let pages = services.pages
    StaticAssetController(assets: pages.renderer.assets).addRoutes(to: router)
    let account = AccountPagesController(services: services, pages: pages)
    let cards = CardPagesController(services: services, pages: pages)
    let applications = ApplicationPagesController(services: services, pages: pages)
    cards.addDataRoutes(to: router)
    applications.addDataRoutes(to: router)
    let group = router.group().add(middleware: PageErrorMiddleware(pages: pages, sessionCookie: pages.cookies.session))
    account.addRoutes(to: group)
    cards.addRoutes(to: group)
    applications.addRoutes(to: group)
    DirectoryPageController(services: services, pages: pages).addRoutes(to: group)
    let staff = router.group("staff").add(middleware: PageErrorMiddleware(pages: pages, signIn: "/staff/login", sessionCookie: pages.cookies.staffSession))
    StaffConsoleController(services: services, pages: pages).addRoutes(to: staff)
}
