import Synchronization

/// A bound on uploads in progress, so that many large uploads at once
/// cannot exhaust disk bandwidth, file descriptors or memory: over the
/// bound, a new upload is answered 503 with `Retry-After` at once. One
/// client holds at most `perClient` of them, so a few connections from one
/// address cannot shut everyone else out (review 2, #3).
package final class UploadSlots: Sendable {
    private let limit: Int
    private let perClient: Int
    private struct Held { var total = 0; var byClient: [String: Int] = [:] }
    private let held = Mutex(Held())

    package init(limit: Int, perClient: Int) {
        self.limit = max(1, limit)
        self.perClient = max(1, perClient)
    }

    /// Runs `body` holding one of `client`'s slots, or throws 503 when none is free.
    package func withSlot<T>(client: String, _ body: () async throws -> T) async throws -> T {
        let refusal = held.withLock { held -> IssuerError? in
            guard held.total < limit else {
                return IssuerError(.unavailable, code: "too_many_uploads", "too many uploads are in progress; try again in a minute",
                                retryAfter: 30)
            }
            guard held.byClient[client, default: 0] < perClient else {
                return IssuerError(.unavailable, code: "too_many_uploads",
                                "this address already has \(perClient) uploads in progress; wait for them to finish", retryAfter: 30)
            }
            held.total += 1
            held.byClient[client, default: 0] += 1
            return nil
        }
        if let refusal { throw refusal }
        defer {
            held.withLock { held in
                held.total -= 1
                let left = held.byClient[client, default: 1] - 1
                held.byClient[client] = left > 0 ? left : nil
            }
        }
        return try await body()
    }

    /// Uploads in progress now (for tests and metrics).
    package var inUse: Int { held.withLock { $0.total } }
}
