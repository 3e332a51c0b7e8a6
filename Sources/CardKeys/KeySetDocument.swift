import CardToken
import Foundation

/// The payload of a published key set (keyset.md §1): what verifiers trust.
public struct KeySetDocument: Sendable, Equatable, Codable {
    public var iss: String
    /// Grows with every new document; verifiers refuse a lower one.
    public var seq: UInt64
    public var iat: Int64
    /// After this the set is stale.
    public var exp: Int64
    public var keys: [JSONWebKey]
    public var revokedCards: [String]
    /// The longest `exp − iat` the issuer signs (keyset.md §1); verifiers
    /// refuse longer tokens as `lifetime_exceeded`.
    public var maxTokenLifetime: Int64?
    /// Present while the root changes: the old root's endorsement of the
    /// root that signs this document (see ``RootRotation``).
    public var rootRotation: RootRotation?

    enum CodingKeys: String, CodingKey {
        case iss, seq, iat, exp, keys
        case revokedCards = "revoked_cards"
        case rootRotation = "root_rotation"
        case maxTokenLifetime = "max_token_lifetime"
    }

    public init(iss: String, seq: UInt64, iat: Int64, exp: Int64, keys: [JSONWebKey], revokedCards: [String],
                maxTokenLifetime: Int64? = nil, rootRotation: RootRotation? = nil) {
        self.iss = iss
        self.seq = seq
        self.iat = iat
        self.exp = exp
        self.keys = keys
        self.revokedCards = revokedCards
        self.maxTokenLifetime = maxTokenLifetime
        self.rootRotation = rootRotation
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(String.self, forKey: .iss)
        seq = try container.decode(UInt64.self, forKey: .seq)
        iat = try container.decode(Int64.self, forKey: .iat)
        exp = try container.decode(Int64.self, forKey: .exp)
        keys = try container.decode([JSONWebKey].self, forKey: .keys)
        // keyset.md: the list "may be empty"; an absent one is read as empty.
        revokedCards = try container.decodeIfPresent([String].self, forKey: .revokedCards) ?? []
        maxTokenLifetime = try container.decodeIfPresent(Int64.self, forKey: .maxTokenLifetime)
        rootRotation = try container.decodeIfPresent(RootRotation.self, forKey: .rootRotation)
    }

    /// The document for a ring at `now`: its published Ed25519 keys (HMAC
    /// secrets never appear), the revoked cards and the ring's token lifetime.
    public init(ring: KeyRing, issuer: String, seq: UInt64, now: Int64, validity: Int64, revokedCards: [String]) throws(CardKeysError) {
        guard ring.active != nil else {
            throw CardKeysError(.invalidKeySet, "there is no active key; run `alumnicard keys rotate` first")
        }
        let (exp, overflow) = now.addingReportingOverflow(validity)
        guard validity > 0, !overflow else {
            throw CardKeysError(.invalidKeySet, "a key set valid for \(validity) s from \(now) cannot be written; give a positive validity")
        }
        self.init(iss: issuer, seq: seq, iat: now, exp: exp,
                  keys: ring.publishedKeys.compactMap { $0.publicJWK() }, revokedCards: revokedCards.sorted(),
                  maxTokenLifetime: ring.policy.tokenLifetime)
    }

    /// The trusted keys, revoked cards and lifetime bound a token verifier uses.
    public func trustedKeys() throws(CardTokenError) -> TrustedKeySet {
        try TrustedKeySet(jwkSet: JSONWebKeySet(keys: keys, revokedCards: revokedCards, maxTokenLifetime: maxTokenLifetime))
    }

    /// Stable JSON: sorted members, no escaped slashes.
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(self))
    }
}

/// A root rotation, announced inside a document signed by the new root:
/// the old root's compact JWS endorsing it. A verifier that trusts the old
/// root checks the endorsement, then the document under the new root, and
/// from then on trusts the new root instead of the old (keyset.md §3).
public struct RootRotation: Sendable, Equatable, Codable {
    /// Compact JWS by the old root over ``RootEndorsement``.
    public var endorsement: String

    public init(endorsement: String) { self.endorsement = endorsement }
}

/// What an old root signs to hand over to a new one (docs/key-rotation.md,
/// "The endorsement"). It is bound to the new root's key, to the first
/// `seq` the new root may sign under it, and to an expiry, so an old,
/// public endorsement cannot be replayed to bring back a root later.
public struct RootEndorsement: Sendable, Equatable, Codable {
    public static let type = "alumni-card-root-endorsement+jws"
    /// The new root's public JWK.
    public var newRoot: JSONWebKey
    public var iat: Int64
    /// The lowest key set `seq` the endorsement covers.
    public var firstSeq: UInt64
    /// After this the endorsement introduces nothing.
    public var exp: Int64

    enum CodingKeys: String, CodingKey {
        case newRoot = "new_root"
        case iat, exp
        case firstSeq = "first_seq"
    }

    public init(newRoot: JSONWebKey, iat: Int64, firstSeq: UInt64, exp: Int64) {
        self.newRoot = newRoot
        self.iat = iat
        self.firstSeq = firstSeq
        self.exp = exp
    }
}
