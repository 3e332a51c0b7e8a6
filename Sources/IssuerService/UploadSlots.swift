import DaemonSupport
import HTTPTypes
import Synchronization

/// A bound on uploads in progress, so that many large uploads at once
/// cannot exhaust disk bandwidth, file descriptors or memory: over the
/// bound, a new upload is answered 503 with `Retry-After` at once.
final class UploadSlots: Sendable {
    private let limit: Int
    private let inUse = Mutex(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `body` holding a slot, or throws 503 when none is free.
    func withSlot<T>(_ body: () async throws -> T) async throws -> T {
        let taken = inUse.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard taken else {
            throw APIError(.serviceUnavailable, code: "too_many_uploads", "too many uploads are in progress; try again in a minute",
                           headers: [.retryAfter: "30"])
        }
        defer { inUse.withLock { $0 -= 1 } }
        return try await body()
    }
}
