import Synchronization

/// Remembers the tokens (by `cti`) a verifier has accepted, each until its
/// token expires, at most `capacity` at a time: when full, the oldest
/// entries go first. A token's `exp` bounds its entry, so memory never
/// holds more than the tokens alive in one token lifetime (plus leeway).
public final class ReplayCache: Sendable {
    public struct Sighting: Sendable, Equatable {
        /// When the token was first presented.
        public let firstSeen: Int64
        /// How many times before this one.
        public let count: Int
    }

    private struct Entry { var firstSeen: Int64; var expires: Int64; var count: Int }
    private struct State {
        var entries: [UInt64: Entry] = [:]
        /// Insertion order, for eviction; `head` is the oldest live index.
        var order: [UInt64] = []
        var head = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Records `tokenID` (valid until `expires`, leeway included) at `now`;
    /// returns the earlier sighting if there was one.
    public func record(_ tokenID: UInt64, expires: Int64, now: Int64) -> Sighting? {
        state.withLock { state in
            if var entry = state.entries[tokenID], entry.expires >= now {
                let sighting = Sighting(firstSeen: entry.firstSeen, count: entry.count)
                entry.count += 1
                state.entries[tokenID] = entry
                return sighting
            }
            Self.evict(&state, now: now, capacity: capacity - 1)
            state.entries[tokenID] = Entry(firstSeen: now, expires: expires, count: 1)
            state.order.append(tokenID)
            return nil
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// Drops expired entries, and the oldest ones beyond `capacity`.
    private static func evict(_ state: inout State, now: Int64, capacity: Int) {
        while state.head < state.order.count {
            let key = state.order[state.head]
            guard let entry = state.entries[key] else { state.head += 1; continue }
            guard entry.expires < now || state.entries.count > capacity else { break }
            state.entries.removeValue(forKey: key)
            state.head += 1
        }
        // Compact the order list once most of it is spent.
        if state.head > 1_024 && state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
