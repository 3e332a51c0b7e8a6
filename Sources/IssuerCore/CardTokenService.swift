import CardKeys
import CardToken
import Crypto
import Foundation
import IssuerStore
import NIOPosix
import Synchronization

/// A card's token for the current window, and for the next one when the
/// window is about to end.
public struct TokenOffer: Sendable, Equatable {
    public let current: SignedCardToken
    public let window: TokenSchedule.Window
    public let next: SignedCardToken?
    public let nextWindow: TokenSchedule.Window?
}

/// Issues card tokens by refresh window. A token is a pure function of the
/// card's details, the window and the active key: its id is derived by a
/// keyed hash (`TokenID.derived`) and Ed25519 and HMAC signatures are
/// deterministic, so every request and every instance hand out the same
/// bytes without a table to agree through, and a day of tokens ahead
/// costs only the signing (docs/cards.md "Tokens ahead").
public final class CardTokenService: Sendable {
    package let keys: any KeyRepository
    package let cards: any CardRepository
    public let schedule: TokenSchedule
    package let metrics: any FlowMetrics
    /// Derives the token ids; from the KEK, so every instance agrees.
    package let tokenIDKey: SymmetricKey
    /// The most windows one `GET /v1/card/tokens` may ask for.
    public let maxPrefetchWindows: Int
    /// Where a card's last day ends (`issuer.time_zone`).
    package let timeZone: TimeZone
    /// How long the unsealed active key is reused before it is read again
    /// (a rotation by another process is seen within this time; the
    /// daemon's own rotations clear it at once).
    package let keyReuse: Int64 = 5

    private struct CachedKey {
        package let loadedAt: Int64
        package let signing: SigningKey
        package let managed: ManagedKey
        /// Keys retired since they signed, newest first.
        package let retiring: [(signing: SigningKey, managed: ManagedKey)]

        /// The key that was active when `window` began: the active key, or
        /// (for the window during which a rotation happened) the one it
        /// replaced, so the phone's token stays the same for the whole
        /// window. Revoked keys are never among them.
        package func signer(for window: TokenSchedule.Window) -> (signing: SigningKey, notBefore: Int64) {
            if let activated = managed.activatedAt, activated > window.start,
               let previous = retiring.first(where: { ($0.managed.activatedAt ?? .max) <= window.start && ($0.managed.retiredAt ?? .min) > window.start }) {
                return (previous.signing, previous.managed.notBefore)
            }
            return (signing, managed.notBefore)
        }
    }
    private let activeKey = Mutex<CachedKey?>(nil)
    /// Tokens of the current and next windows by card, so the hot path
    /// signs once per card and window; older windows are dropped as time
    /// moves on. A token is reused only for the same details and key.
    private let recent = Mutex<[String: [Signed]]>([:])

    private struct Signed {
        package let details: CardDetails
        package let token: SignedCardToken
    }

    package init(keys: any KeyRepository, cards: any CardRepository, schedule: TokenSchedule, metrics: any FlowMetrics,
         tokenIDKey: SymmetricKey, maxPrefetchWindows: Int, timeZone: TimeZone) {
        self.timeZone = timeZone
        self.keys = keys
        self.cards = cards
        self.schedule = schedule
        self.metrics = metrics
        self.tokenIDKey = tokenIDKey
        self.maxPrefetchWindows = maxPrefetchWindows
    }

    /// The holder's digital card (the one the app shows: a plastic card
    /// has no QR code), or the refusal that says there is none.
    package static func digitalCard(_ cards: [Card]) throws -> Card {
        guard let card = cards.first(where: { $0.kind == .digital }) else {
            throw IssuerError(.notFound, code: "no_card", "this account has no digital alumni card yet; apply for one (POST /v1/card-applications)")
        }
        return card
    }

    /// The card that may have tokens now, with its holder's name, or the
    /// refusal that says why there is none (the API and the card page).
    package func card(forTokensOf holder: Holder, cards: [Card], now: Int64) throws -> (Card, String) {
        let card = try Self.digitalCard(cards)
        switch card.status {
        case .suspended:
            throw IssuerError(.forbidden, code: "card_suspended", "card \(card.number) is suspended; contact the alumni centre")
        case .revoked:
            throw IssuerError(.forbidden, code: "card_revoked", "card \(card.number) has been revoked")
        case .active:
            break
        }
        if CardDate.hasExpired(validThrough: UInt64(card.validThrough.yyyymmdd), atEpochSeconds: now, in: timeZone) {
            throw IssuerError(.forbidden, code: "card_expired", "card \(card.number) was valid through \(card.validThrough); renew it with the alumni centre")
        }
        return (card, holder.displayName)
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
        let details = try Self.details(card, holderName: holderName)
        let key = try await signingKey(now: now)
        let current = try token(for: details, window: window, key: key, now: now)
        guard schedule.offersNext(at: now) else {
            return TokenOffer(current: current, window: window, next: nil, nextWindow: nil)
        }
        let nextWindow = schedule.next(after: window)
        let next = try token(for: details, window: nextWindow, key: key, now: now)
        return TokenOffer(current: current, window: window, next: next, nextWindow: nextWindow)
    }

    /// The tokens of the current window and the `count − 1` after it
    /// (alumni-api.md §9), the same ones `offer` hands out in each window
    /// while the key and the card's details stay as they are. The card's
    /// `tokens_live_until` is moved forward before any is returned, so a
    /// withdrawal keeps the card in `revoked_cards` until the last expires.
    public func tokensAhead(card: Card, holderName: String, now: Int64, count: Int) async throws -> [(SignedCardToken, TokenSchedule.Window)] {
        // The controller refuses counts out of range; clamped here so no caller can ask for more.
        let count = min(max(count, 1), maxPrefetchWindows)
        let details = try Self.details(card, holderName: holderName)
        let key = try await signingKey(now: now)
        let first = schedule.window(at: now)
        let current = key.signer(for: first)
        var upcoming = [first]
        // Later windows are signed by the active key, and only while its signing
        // window admits their iat: past it the list stops short, and the phone
        // asks again once the next key has taken over.
        while upcoming.count < count {
            let next = schedule.next(after: upcoming[upcoming.count - 1])
            guard next.start <= key.managed.notAfter else { break }
            upcoming.append(next)
        }
        let windows = upcoming
        try await cards.noteTokensHandedOut(card: card.number.rawValue, until: windows[windows.count - 1].expiresAt)
        let schedule = schedule, tokenIDKey = tokenIDKey, active = key.signing, activeNotBefore = key.managed.notBefore
        // Up to a day of signatures: on a thread pool, not the cooperative threads.
        let tokens = try await NIOThreadPool.singleton.runIfActive {
            try windows.enumerated().map { index, window in
                let (signing, notBefore) = index == 0 ? (current.signing, current.notBefore) : (active, activeNotBefore)
                return try Self.sign(details, window: window, signing: signing, notBefore: notBefore, schedule: schedule, tokenIDKey: tokenIDKey)
            }
        }
        metrics.tokenSigned(algorithm: key.signing.algorithm.jwkName, count: tokens.count)
        return Array(zip(tokens, windows))
    }

    private static func details(_ card: Card, holderName: String) throws -> CardDetails {
        CardDetails(number: card.number, holderName: try HolderName(HolderNameMasking.mask(holderName)), validThrough: card.validThrough)
    }

    private func token(for details: CardDetails, window: TokenSchedule.Window, key: CachedKey, now: Int64) throws -> SignedCardToken {
        let signer = key.signer(for: window)
        let number = details.number.rawValue, kid = signer.signing.id.base64URL
        if let held = recent.withLock({ $0[number]?.first { $0.token.windowStart == window.start && $0.token.kid == kid && $0.details == details } }) {
            return held.token
        }
        let token = try Self.sign(details, window: window, signing: signer.signing, notBefore: signer.notBefore, schedule: schedule,
                                  tokenIDKey: tokenIDKey)
        metrics.tokenSigned(algorithm: signer.signing.algorithm.jwkName)
        remember(Signed(details: details, token: token), now: now)
        return token
    }

    /// The token of `details` in `window` under `signing`: the same inputs
    /// give the same bytes on every instance.
    package static func sign(_ details: CardDetails, window: TokenSchedule.Window, signing: SigningKey, notBefore: Int64,
                     schedule: TokenSchedule, tokenIDKey: SymmetricKey) throws -> SignedCardToken {
        // A key that took over inside this window may not sign before its nbf.
        let issuedAt = max(window.start, notBefore)
        let lifetime = window.expiresAt - issuedAt
        guard lifetime <= schedule.maxTokenLifetime else {
            throw CardTokenError(.invalidClaimValue, "a token for window \(window.start) would live \(lifetime) s, longer than the published \(schedule.maxTokenLifetime) s")
        }
        let tokenID = TokenID.derived(key: tokenIDKey, cardNumber: details.number.rawValue, windowStart: window.start, keyID: signing.id)
        let issued = try TokenIssuer().issue(card: details, key: signing, now: issuedAt, lifetime: lifetime, tokenID: tokenID)
        return SignedCardToken(cardNumber: details.number.rawValue, windowStart: window.start, token: issued.text, kid: issued.keyID.base64URL,
                               issuedAt: issuedAt, expiresAt: window.expiresAt)
    }

    private func remember(_ signed: Signed, now: Int64) {
        let oldest = schedule.window(at: now).start
        recent.withLock { recent in
            var list = recent[signed.token.cardNumber, default: []].filter {
                $0.token.windowStart >= oldest && !($0.token.windowStart == signed.token.windowStart)
            }
            list.append(signed)
            recent[signed.token.cardNumber] = list
        }
    }

    private func signingKey(now: Int64) async throws -> CachedKey {
        if let cached = activeKey.withLock({ $0 }), now - cached.loadedAt < keyReuse, now >= cached.loadedAt {
            return cached
        }
        let found = try await keys.signingKeys()
        let loaded = CachedKey(loadedAt: now, signing: found.active.signing, managed: found.active.managed, retiring: found.retiring)
        activeKey.withLock { $0 = loaded }
        return loaded
    }

    /// Drops memory for windows that have ended (called by the rotation loop).
    public func prune(now: Int64) {
        let oldest = schedule.window(at: now).start
        recent.withLock { recent in
            recent = recent.compactMapValues { list in
                let live = list.filter { $0.token.windowStart >= oldest }
                return live.isEmpty ? nil : live
            }
        }
    }
}
