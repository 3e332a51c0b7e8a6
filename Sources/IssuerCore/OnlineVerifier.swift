import CardToken
import Foundation
import IssuerStore
import Synchronization

/// `POST /v1/verify` on the issuer: the spec's checks against every key
/// the issuer still holds (HMAC secrets included), then the card's
/// current status in the issuer's own records, which an offline verifier
/// cannot know.
public final class OnlineVerifier: Sendable {
    package let keys: any KeyRepository
    package let cards: any CardRepository
    package let leeway: Int64
    package let timeZone: TimeZone
    package let reloadAfter: Int64 = 5

    private struct Held { let loadedAt: Int64; let verifier: TokenVerifier }
    private let held = Mutex<Held?>(nil)

    package init(keys: any KeyRepository, cards: any CardRepository, leeway: Int64, timeZone: TimeZone) {
        self.keys = keys
        self.cards = cards
        self.leeway = leeway
        self.timeZone = timeZone
    }

    public func keysChanged() { held.withLock { $0 = nil } }

    /// Card statuses read in the last few seconds (a verify per scan must
    /// not each read the database); forgotten on changes in this process.
    private struct KnownCard { let status: CardStatus?; let loadedAt: Int64 }
    private let knownCards = Mutex<[String: KnownCard]>([:])

    public func cardsChanged() { knownCards.withLock { $0.removeAll() } }

    private func status(of number: String, now: Int64) async throws -> CardStatus? {
        if let known = knownCards.withLock({ $0[number] }), now >= known.loadedAt, now - known.loadedAt < reloadAfter {
            return known.status
        }
        let status = try await self.cards.card(number: number)?.status
        knownCards.withLock { cards in
            if cards.count >= 100_000 { cards.removeAll(keepingCapacity: true) }
            cards[number] = KnownCard(status: status, loadedAt: now)
        }
        return status
    }

    public func verify(_ text: String, now: Int64) async throws -> VerdictReport {
        let verdict = try await verifier(now: now).verify(text, now: now)
        var report = VerdictReport(verdict, now: now)
        if verdict.isOK, let number = verdict.claims?.cardNumber.rawValue,
           let status = try await status(of: number, now: now), status != .active {
            report.verdict = "refused"
            report.reason = VerificationReason.cardRevoked.code
            report.message = VerificationReason.cardRevoked.explanation
            report.detail = "the issuer's records show card \(number) as \(status.rawValue)"
        }
        return report
    }

    private func verifier(now: Int64) async throws -> TokenVerifier {
        if let held = held.withLock({ $0 }), now - held.loadedAt < reloadAfter, now >= held.loadedAt {
            return held.verifier
        }
        let verifier = TokenVerifier(keys: try await keys.verificationKeys(), leeway: leeway, issuerTimeZone: timeZone)
        held.withLock { $0 = Held(loadedAt: now, verifier: verifier) }
        return verifier
    }
}
