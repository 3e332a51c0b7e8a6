import ServiceLifecycle

/// The sync loop: fetch at start, then after the refresh interval, or
/// sooner with backoff while fetches fail.
struct KeySetSyncService: Service {
    let services: VerifierServices

    func run() async throws {
        let backoff = SyncBackoff(refreshInterval: services.configuration.refreshInterval, maximum: services.configuration.maximumBackoff)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await services.sync.syncOnce()
                let seconds = backoff.delay(afterFailures: services.state.sync.consecutiveFailures, unit: Double.random(in: 0..<1))
                do { try await Task.sleep(for: .milliseconds(Int64(seconds * 1_000))) } catch { break }
            }
        }
    }
}
