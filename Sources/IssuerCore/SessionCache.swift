import IssuerStore
import Synchronization

/// The holder and cards behind each live session, kept for a few seconds so
/// that the app's requests (a token every few minutes from every phone, and
/// every refresh of the QR code) do not each read the database.
///
/// This instance forgets an entry at once when it ends the session or
/// changes a card or account; a change made by another process (the CLI,
/// another instance) is seen within ``reuse`` seconds.
package final class SessionCache: Sendable {
    package struct Entry: Sendable {
        package let holder: Holder
        package let cards: [Card]
        package let expiresAt: Int64
        package let loadedAt: Int64
    }

    package let reuse: Int64
    /// A session's last use is written at most once in this many seconds (the sessions list's "last seen").
    package static let lastSeenResolution: Int64 = 300
    package let capacity: Int
    private let entries = Mutex<[[UInt8]: Entry]>([:])

    package init(reuse: Int64 = 5, capacity: Int = 100_000) {
        self.reuse = reuse
        self.capacity = capacity
    }

    /// The cached entry for `tokenHash`, if it is recent and its session live.
    package func entry(_ tokenHash: [UInt8], now: Int64) -> Entry? {
        guard let entry = entries.withLock({ $0[tokenHash] }),
              now >= entry.loadedAt, now - entry.loadedAt < reuse, entry.expiresAt > now else { return nil }
        return entry
    }

    package func store(_ entry: Entry, for tokenHash: [UInt8]) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[tokenHash] = entry
        }
    }

    package func forget(_ tokenHash: [UInt8]) { _ = entries.withLock { $0.removeValue(forKey: tokenHash) } }

    /// After a change to cards or accounts.
    package func forgetAll() { entries.withLock { $0.removeAll() } }
}
