import Synchronization

/// Clients already over their hourly number of applications, remembered
/// in this process until their window ends, so a client that keeps
/// sending is refused without a database write (and before much of its
/// body is read). It only ever refuses sooner: the count in the database
/// stays the limit, and another instance learns of the client from its
/// own first refused attempt. Bounded: when full, expired entries go
/// first, then the one that ends soonest.
package final class RefusedClients: Sendable {
    private let until = Mutex<[String: Int64]>([:])
    private let capacity: Int

    package init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// When the client's refusal ends, if it is refused at `now`.
    package func refusedUntil(_ client: String, now: Int64) -> Int64? {
        until.withLock { entries in
            guard let end = entries[client] else { return nil }
            if end > now { return end }
            entries[client] = nil
            return nil
        }
    }

    package func refuse(_ client: String, until end: Int64, now: Int64) {
        until.withLock { entries in
            if entries.count >= capacity, entries[client] == nil {
                entries = entries.filter { $0.value > now }
                if entries.count >= capacity, let soonest = entries.min(by: { $0.value < $1.value }) { entries[soonest.key] = nil }
            }
            entries[client] = end
        }
    }
}
