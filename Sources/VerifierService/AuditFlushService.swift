import NIOPosix
import ServiceLifecycle

/// Writes the audit log's buffer every second, and once more at shutdown;
/// saves the trust record's proven time when it moved (a file write, on a
/// thread of the pool kept for blocking work).
struct AuditFlushService: Service {
    let services: VerifierServices

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(1)) } catch { break }
                await services.audit.flush()
                try? await NIOThreadPool.singleton.runIfActive { services.saveTrustIfMoved() }
            }
        }
        await services.audit.flush()
        try? await NIOThreadPool.singleton.runIfActive { services.saveTrustIfMoved() }
    }
}
