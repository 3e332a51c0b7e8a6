import CardKeys
import CardToken
import DaemonSupport
import Foundation
import IssuerStore
import Synchronization

/// A card's token for the current window, and for the next one when the
/// window is about to end.
public struct TokenOffer: Sendable, Equatable {
    public let current: StoredCardToken
    public let window: TokenSchedule.Window
    public let next: StoredCardToken?
    public let nextWindow: TokenSchedule.Window?
}

/// Issues card tokens by refresh window. The first request in a window
/// signs the token and keeps it in the database (`INSERT OR IGNORE`, so
/// racing requests and instances agree); later requests read it, from
/// memory when this instance has seen it.
public final class CardTokenService: Sendable {
    let keyStore: KeyStore
    let accounts: AccountStore
    public let schedule: TokenSchedule
    let metrics: IssuerMetrics
    let databaseThreads: DatabaseThreads
    /// How long the unsealed active key is reused before it is read again
    /// (a rotation by another process is seen within this time; the
    /// daemon's own rotations clear it at once).
    let keyReuse: Int64 = 5

    private struct CachedKey {
        let loadedAt: Int64
        let signing: SigningKey
        let managed: ManagedKey
        /// Kids of revoked keys as the database knew them at `loadedAt`.
        let revoked: Set<String>

        func usable(_ token: StoredCardToken) -> Bool { !revoked.contains(token.kid) }
    }
    private let activeKey = Mutex<CachedKey?>(nil)
    /// Tokens of the current and next windows by card; older windows are
    /// dropped as time moves on, so this holds at most two per card.
    private let recent = Mutex<[String: [StoredCardToken]]>([:])

    init(keyStore: KeyStore, accounts: AccountStore, schedule: TokenSchedule, metrics: IssuerMetrics, databaseThreads: DatabaseThreads) {
        self.databaseThreads = databaseThreads
        self.keyStore = keyStore
        self.accounts = accounts
        self.schedule = schedule
        self.metrics = metrics
    }

    /// Forgets the cached active key (after a rotation or revocation).
    public func keysChanged() {
        activeKey.withLock { $0 = nil }
        recent.withLock { $0.removeAll() }
    }

    /// Forgets the tokens held in memory (after cards changed).
    public func cardsChanged() {
        recent.withLock { $0.removeAll() }
    }

    /// The offer for `card` at `now`. The caller has checked that the card
    /// may have tokens.
    public func offer(card: Card, holderName: String, now: Int64) async throws -> TokenOffer {
        let window = schedule.window(at: now)
        let details = CardDetails(number: card.number, holderName: try HolderName(HolderNameMasking.mask(holderName)), validThrough: card.validThrough)
        let current = try await token(for: details, window: window, now: now)
        guard schedule.offersNext(at: now) else {
            return TokenOffer(current: current, window: window, next: nil, nextWindow: nil)
        }
        let nextWindow = schedule.next(after: window)
        let next = try await token(for: details, window: nextWindow, now: now)
        return TokenOffer(current: current, window: window, next: next, nextWindow: nextWindow)
    }

    private func token(for card: CardDetails, window: TokenSchedule.Window, now: Int64) async throws -> StoredCardToken {
        let number = card.number.rawValue
        let key = try await signingKey(now: now)
        // A token kept under a key that has since been revoked (by this
        // process or another) is never handed out again.
        if let held = recent.withLock({ $0[number]?.first { $0.windowStart == window.start } }), key.usable(held) {
            return held
        }
        let accounts = accounts
        if let stored = try await databaseThreads.read({ try accounts.storedToken(card: number, windowStart: window.start) }), key.usable(stored) {
            remember(stored, now: now)
            return stored
        }
        // A key that took over inside this window may not sign before its nbf.
        let issuedAt = max(window.start, key.managed.notBefore)
        var random = SystemRandomNumberGenerator()
        let lifetime = window.expiresAt - issuedAt
        guard lifetime <= schedule.maxTokenLifetime else {
            throw CardTokenError(.invalidClaimValue, "a token for window \(window.start) would live \(lifetime) s, longer than the published \(schedule.maxTokenLifetime) s")
        }
        let issued = try TokenIssuer().issue(
            card: card, key: key.signing, now: issuedAt, lifetime: lifetime, tokenID: .random(using: &random))
        metrics.tokenSigned(algorithm: key.signing.algorithm.jwkName)
        let candidate = StoredCardToken(cardNumber: number, windowStart: window.start, token: issued.text, kid: issued.keyID.base64URL,
                                        issuedAt: issuedAt, expiresAt: window.expiresAt)
        let pruneBefore = now - schedule.refreshInterval
        let kept = try await databaseThreads.write { try accounts.keep(candidate, pruneBefore: pruneBefore) }
        remember(kept, now: now)
        return kept
    }

    private func remember(_ token: StoredCardToken, now: Int64) {
        let oldest = schedule.window(at: now).start
        recent.withLock { recent in
            var list = recent[token.cardNumber, default: []].filter { $0.windowStart >= oldest && $0.windowStart != token.windowStart }
            list.append(token)
            recent[token.cardNumber] = list
        }
    }

    private func signingKey(now: Int64) async throws -> CachedKey {
        if let cached = activeKey.withLock({ $0 }), now - cached.loadedAt < keyReuse, now >= cached.loadedAt {
            return cached
        }
        let keyStore = keyStore
        let (signing, managed, revoked) = try await databaseThreads.read {
            let (signing, managed) = try keyStore.activeKey()
            return (signing, managed, try keyStore.revokedKeyIDs())
        }
        let loaded = CachedKey(loadedAt: now, signing: signing, managed: managed, revoked: revoked)
        activeKey.withLock { $0 = loaded }
        return loaded
    }

    /// Drops memory for windows that have ended (called by the rotation loop).
    public func prune(now: Int64) {
        let oldest = schedule.window(at: now).start
        recent.withLock { recent in
            recent = recent.compactMapValues { list in
                let live = list.filter { $0.windowStart >= oldest }
                return live.isEmpty ? nil : live
            }
        }
    }
}
