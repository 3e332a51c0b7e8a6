import Clocks
import Foundation
import IssuerStore
import Logging

/// Runs work that must be done by one instance at a time (a rotation
/// check, the key set's signing, the retention passes) under a lease row
/// (``InstanceRepository``): the instance that takes the lease does the
/// work and renews the lease while it runs; the others skip their turn.
/// A holder that dies stops renewing, and its lease lapses by itself
/// after `duration` seconds. On SQLite the lease is never contested in
/// service, so the work simply runs.
package struct OnceAcrossInstances: Sendable {
    package let instances: any InstanceRepository
    package let clock: IssuerClock
    /// This process among the instances: host, process and a random part,
    /// so a restarted process never mistakes its predecessor's lease for its own.
    package let holder: String
    package let logger: Logger

    package init(instances: any InstanceRepository, clock: IssuerClock, logger: Logger, holder: String = OnceAcrossInstances.processHolder()) {
        self.instances = instances
        self.clock = clock
        self.logger = logger
        self.holder = holder
    }

    package static func processHolder() -> String {
        // Well within the lease table's 128 characters for a holder.
        let host = ProcessInfo.processInfo.hostName.prefix(30)
        return "\(host):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `work` when this instance takes the lease `name` (for
    /// `duration` seconds, renewed every third of it while `work` runs),
    /// and gives the lease up after. Returns nil, without running it, when
    /// another instance holds the lease or the storage cannot be asked.
    @discardableResult
    package func run<T: Sendable>(_ name: String, duration: Int64, _ work: @escaping @Sendable () async -> T) async -> T? {
        let instances = instances, holder = holder, clock = clock
        do {
            guard try await instances.acquireLease(name, holder: holder, now: clock.now(), duration: duration) else { return nil }
        } catch {
            if !Task.isCancelled {
                logger.warning("cannot take the lease; skipping this turn", metadata: ["lease": "\(name)", "error": "\(IssuerStoreError.wrapping(error, "lease").message)"])
            }
            return nil
        }
        let result = await withTaskGroup(of: T?.self) { group in
            group.addTask {
                // Renewal: the clock may be a manual one in tests; the pause is real time, a third of the lease.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(max(1, duration / 3)))
                    if Task.isCancelled { break }
                    _ = try? await instances.acquireLease(name, holder: holder, now: clock.now(), duration: duration)
                }
                return nil
            }
            group.addTask { await work() }
            var value: T?
            for await finished in group {
                if let finished { value = finished; break }
            }
            group.cancelAll()
            return value
        }
        // Given up in a task of its own, so that a shutdown cancelling this one does not stop it.
        await Task { try? await instances.releaseLease(name, holder: holder) }.value
        return result
    }

    /// Runs `work` once this instance holds the lease `name`, waiting (up
    /// to `patience`) while another holds it: start-up work every instance
    /// does, but never two at once (the development seed's check-then-create
    /// steps). Throws when the lease stays taken or the storage fails.
    package func runInTurn<T: Sendable>(_ name: String, duration: Int64, patience: Duration = .seconds(60),
                                        _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + patience
        while try await !instances.acquireLease(name, holder: holder, now: clock.now(), duration: duration) {
            guard ContinuousClock.now < deadline else {
                throw IssuerStoreError(.databaseBusy, "another instance has held the lease \(name) for longer than \(patience); try again")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        do {
            let value = try await work()
            try? await instances.releaseLease(name, holder: holder)
            return value
        } catch {
            try? await instances.releaseLease(name, holder: holder)
            throw error
        }
    }
}
