import CardToken
import DaemonSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the merchant verifier daemon: the scanner page, `/v1/verify`,
/// status and probes, and the key set sync loop.
public func buildVerifierApplication(
    _ services: VerifierServices,
    syncInBackground: Bool = true,
    notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var background: [any Service] = [AuditFlushService(services: services)]
    if syncInBackground { background.append(KeySetSyncService(services: services)) }
    let configuration = services.configuration
    return makeDaemonApplication(router: buildVerifierRouter(services), host: configuration.host, port: configuration.port,
                                 idleTimeout: configuration.idleTimeout, handlersOnEventLoops: true, services: background, notifier: notifier, logger: services.logger, onServerRunning: onServerRunning)
}

/// The verifier's routes.
public func buildVerifierRouter(_ services: VerifierServices) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: services.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: BrowserRequestGuard(configuration: services.configuration))

    router.get("/") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                         .contentSecurityPolicy: ScannerPage.contentSecurityPolicy],
                 body: .init(byteBuffer: ByteBuffer(string: ScannerPage.html(merchant: services.configuration.merchantName))))
    }
    router.post("v1/verify") { request, _ in
        VerificationRequest.response(services.verification.verify(try await VerificationRequest.token(from: request)))
    }
    router.get("v1/verify") { request, _ in
        VerificationRequest.response(services.verification.verify(try await VerificationRequest.token(from: request)))
    }
    router.get("v1/status") { _, _ in try JSONBody.response(services.status()) }
    router.get("healthz") { _, _ in try JSONBody.response(["status": "ok"]) }
    router.get("readyz") { _, _ in
        if services.isReady { return try JSONBody.response(["status": "ready"]) }
        let why = services.state.held == nil ? "no key set has been fetched yet" : "the key set is past its exp; sync is failing: \(services.state.sync.lastError ?? "not tried yet")"
        return try JSONBody.response(["status": "not_ready", "problem": why], status: .serviceUnavailable)
    }
    router.get("metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.exposition())))
    }
    return router
}
