import NIOCore
import Synchronization

/// The rendered QR image of each card's current token, by format and
/// scale: the token stays the same for a whole refresh window, so the
/// image does too, and the app may ask for it many times. An entry is
/// replaced when the card's token changes; the whole cache is dropped if
/// it outgrows `capacity` (a bound on memory, not an eviction policy).
final class QRImageCache: Sendable {
    private struct Entry { let token: String; let image: ByteBuffer }
    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 4_096) { self.capacity = capacity }

    /// The image of `token` for `card` in `variant`, rendered by `render` if
    /// it is not held yet.
    func image(card: String, token: String, variant: String, render: () throws -> ByteBuffer) rethrows -> ByteBuffer {
        let key = card + "|" + variant
        if let entry = entries.withLock({ $0[key] }), entry.token == token { return entry.image }
        let image = try render()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(token: token, image: image)
        }
        return image
    }
}
