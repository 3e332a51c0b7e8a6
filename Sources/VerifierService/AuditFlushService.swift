import ServiceLifecycle

/// Writes the audit log's buffer every second, and once more at shutdown.
struct AuditFlushService: Service {
    let audit: VerifierAuditLog

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(1)) } catch { break }
                audit.flush()
            }
        }
        audit.flush()
    }
}
