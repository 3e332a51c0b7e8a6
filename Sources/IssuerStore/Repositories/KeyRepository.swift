import CardKeys
import CardToken

/// The signing keys and the served key set, whatever holds them (issue
/// #26). Every change runs ``KeyRing``'s rules between reading the ring and
/// writing it back, in one transaction, audited; refusals are
/// `keyChangeRefused`. Every backend passes `KeyRepositoryConformanceTests`.
public protocol KeyRepository: Sendable {
    func ring() async throws -> KeyRing
    /// The sequence number of the newest key set signed or installed.
    func currentSeq() async throws -> UInt64
    /// Rotates as ``KeyRing/rotate(now:force:newKey:)`` does; with `ifDue`, only when the ring is due.
    func rotate(now: Int64, force: Bool, ifDue: Bool, actor: String, algorithm: CoseAlgorithm) async throws -> [KeyChange]
    func revoke(_ id: KeyID, reason: String, now: Int64, actor: String) async throws -> [KeyChange]
    /// The active key unsealed, with the retired keys still inside their signing window, newest first: what signing a token needs, in one read.
    func signingKeys() async throws -> SigningKeys
    /// Every published key with its signing window and status, revoked keys
    /// included so their tokens are named `key_revoked`.
    func verificationKeys() async throws -> TrustedKeySet
    /// The key set served now, as its compact JWS.
    func currentKeySet() async throws -> String?
    /// The next key set document, unsigned, taking its seq (one higher than
    /// any before, and at least `now`): for a root kept offline, which signs
    /// it elsewhere and brings it back through ``install(_:pinnedRoots:now:actor:)``.
    func nextKeySetDocument(issuer: String, now: Int64, validity: Int64, revokedCards: [String]) async throws -> KeySetDocument
    /// Signs and stores the next key set (its seq one higher), audited.
    func signKeySet(root: RootSigningKey, issuer: String, now: Int64, validity: Int64, revokedCards: [String], actor: String) async throws -> String
    /// Keeps a key set signed elsewhere (an offline root) as the one served, after checking it as a verifier would.
    func install(_ jws: String, pinnedRoots: [RootPublicKey], now: Int64, actor: String) async throws
}

/// The keys a token is signed with: the active one, and those retired
/// while still inside their signing window (newest first).
public struct SigningKeys: Sendable {
    public let active: (signing: SigningKey, managed: ManagedKey)
    public let retiring: [(signing: SigningKey, managed: ManagedKey)]

    public init(active: (signing: SigningKey, managed: ManagedKey), retiring: [(signing: SigningKey, managed: ManagedKey)]) {
        self.active = active
        self.retiring = retiring
    }
}
