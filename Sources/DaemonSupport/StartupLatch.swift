import Foundation
import ServiceLifecycle
import Synchronization

/// Opens once, when what the daemon's background work needs is ready (the
/// storage migrated, in `beforeServerStarts`). Work that starts beside the
/// server waits for it, so no loop queries tables that do not exist yet.
/// A waiter that is cancelled stops waiting at once.
public final class StartupLatch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init(open: Bool = false) {
        state.withLock { $0.isOpen = open }
    }

    public var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the latch and lets every waiter go.
    public func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the latch is open, or at once when the task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// A background service that starts its work once `latch` opens; a
/// graceful shutdown before then ends it without running.
public struct LatchedService: Service {
    let latch: StartupLatch
    let service: any Service

    public init(after latch: StartupLatch, _ service: any Service) {
        self.latch = latch
        self.service = service
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await latch.wait() }
        guard latch.isOpen, !Task.isCancelled else { return }
        try await service.run()
    }
}
