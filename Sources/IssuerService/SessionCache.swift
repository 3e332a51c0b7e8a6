import IssuerStore
import Synchronization

/// The holder and cards behind each live session, kept for a few seconds so
/// that the app's requests (a token every few minutes from every phone, and
/// every refresh of the QR code) do not each read the database.
///
/// This instance forgets an entry at once when it ends the session or
/// changes a card or account; a change made by another process (the CLI,
/// another instance) is seen within ``reuse`` seconds.
final class SessionCache: Sendable {
    struct Entry: Sendable {
        let holder: Holder
        let cards: [Card]
        let expiresAt: Int64
        let loadedAt: Int64
    }

    let reuse: Int64
    let capacity: Int
    private let entries = Mutex<[[UInt8]: Entry]>([:])

    init(reuse: Int64 = 5, capacity: Int = 100_000) {
        self.reuse = reuse
        self.capacity = capacity
    }

    /// The cached entry for `tokenHash`, if it is recent and its session live.
    func entry(_ tokenHash: [UInt8], now: Int64) -> Entry? {
        guard let entry = entries.withLock({ $0[tokenHash] }),
              now >= entry.loadedAt, now - entry.loadedAt < reuse, entry.expiresAt > now else { return nil }
        return entry
    }

    func store(_ entry: Entry, for tokenHash: [UInt8]) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[tokenHash] = entry
        }
    }

    func forget(_ tokenHash: [UInt8]) { _ = entries.withLock { $0.removeValue(forKey: tokenHash) } }

    /// After a change to cards or accounts.
    func forgetAll() { entries.withLock { $0.removeAll() } }
}
