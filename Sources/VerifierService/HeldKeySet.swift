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

    init(jws: String, document: KeySetDocument, signer: RootPublicKey) throws(CardTokenError) {
        self.jws = jws
        self.document = document
        self.signer = signer
        keys = try document.trustedKeys()
    }

    /// Whether the set is past its `exp` plus the offline grace at `now`:
    /// then the verifier answers `keyset_stale` instead of a verdict.
    public func isStale(at now: Int64, offlineGrace: Int64) -> Bool {
        now > document.exp + offlineGrace
    }
}
