import CardKeys
import CardToken
import Foundation

/// The key set a verifier holds: the signed document as fetched (kept byte
/// for byte, so the cache file can be checked again), what it says, and
/// the token verifier built from it.
public struct HeldKeySet: Sendable {
    public let jws: String
    public let document: KeySetDocument
    public let keys: TrustedKeySet
    /// The root that signed it.
    public let signer: RootPublicKey
    /// The trusted root that endorsed ``signer`` when this set introduced it
    /// (a root rotation); nil otherwise.
    public let retiredRoot: RootPublicKey?

    init(jws: String, verdict: KeySetVerdict) throws(CardTokenError) {
        guard verdict.isOK, let document = verdict.document, let signer = verdict.signer else {
            throw CardTokenError(.invalidKey, "the key set was refused (\(verdict.reason.rawValue)): \(verdict.detail)")
        }
        self.jws = jws
        self.document = document
        self.signer = signer
        retiredRoot = verdict.retiredRoot
        keys = try document.trustedKeys()
    }

    /// The last moment the set may be used: `exp` plus the offline grace (saturating).
    public func usableUntil(offlineGrace: Int64) -> Int64 {
        let (sum, overflow) = document.exp.addingReportingOverflow(offlineGrace)
        return overflow ? .max : sum
    }

    /// Whether the set is past its `exp` plus the offline grace at `now`:
    /// then the verifier answers `keyset_stale` instead of a verdict.
    public func isStale(at now: Int64, offlineGrace: Int64) -> Bool {
        now > usableUntil(offlineGrace: offlineGrace)
    }

    /// Whether more than half the set's validity has passed: the issuer
    /// re-signs by then, so an unchanged set past it is a warning sign.
    public func isPastHalfItsValidity(at now: Int64) -> Bool {
        let half = (Int128(document.exp) - Int128(document.iat)) / 2
        return Int128(now) > Int128(document.iat) + half
    }
}
