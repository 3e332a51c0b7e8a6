import CardKeys
import CardToken
import Crypto
import Foundation
import IssuerStore
import Logging
import Synchronization

/// The key set as served at `/.well-known/alumni-card/keyset.jws` and, as
/// a plain JWK Set, at `/.well-known/jwks.json`, with their ETags.
public struct PublishedKeySet: Sendable {
    public let jws: String
    public let document: KeySetDocument
    public let jwks: [UInt8]
    public let etag: String
    public let jwksETag: String
    /// The kid of the root that signed it (from the JWS header).
    public let signerKID: String?
}

/// Keeps the served key set current. With the root key on this host, it
/// signs a new document when the keys change or half the validity has
/// passed; without it, it serves what `alumnicard keyset install` put in
/// the database and warns as that document nears its `exp`.
public final class KeySetPublisher: Sendable {
    package let keys: any KeyRepository
    package let cards: any CardRepository
    /// How long a withdrawn card stays in `revoked_cards` (see
    /// `IssuerConfiguration.withdrawnCardHorizon`), and the verifiers'
    /// leeway past the last `exp` of tokens it was handed ahead.
    package let withdrawnCardHorizon: Int64
    package let leeway: Int64
    package let rootKey: RootSigningKey?
    package let issuer: String
    package let validity: Int64
    package let logger: Logger
    /// How long a document read from the database is served before the
    /// database is asked again (an install by the CLI shows up this fast).
    package let reloadAfter: Int64 = 5

    /// How often the daemon checks whether the served set is still right.
    public static let refreshCheckInterval: Int64 = 30

    private struct Held { let loadedAt: Int64; let published: PublishedKeySet? }
    private let held = Mutex<Held?>(nil)

    package init(keys: any KeyRepository, cards: any CardRepository, withdrawnCardHorizon: Int64, leeway: Int64, rootKey: RootSigningKey?, issuer: String, validity: Int64,
         logger: Logger) {
        self.cards = cards
        self.withdrawnCardHorizon = withdrawnCardHorizon
        self.leeway = leeway
        self.keys = keys
        self.rootKey = rootKey
        self.issuer = issuer
        self.validity = validity
        self.logger = logger
    }

    /// The document being served, if any. When the database cannot be
    /// read, the document held is served on (it is signed and static), so
    /// merchants keep syncing through a database outage.
    public func current(now: Int64) async -> PublishedKeySet? {
        let last = held.withLock({ $0 })
        if let last, now - last.loadedAt < reloadAfter, now >= last.loadedAt {
            return last.published
        }
        do {
            return try await reload(now: now)
        } catch {
            logger.warning("cannot reload the key set from the database; serving the one held", metadata: ["error": "\(error.message)"])
            return last?.published
        }
    }

    @discardableResult
    package func reload(now: Int64) async throws(IssuerStoreError) -> PublishedKeySet? {
        let jws: String?
        do { jws = try await keys.currentKeySet() } catch { throw .wrapping(error, "cannot read the key set") }
        let published = jws.flatMap(Self.publish)
        held.withLock { $0 = Held(loadedAt: now, published: published) }
        return published
    }

    /// Signs a new document if this host holds the root key and the served
    /// one is missing, lists other keys than the ring, or is past half its
    /// validity. Returns whether it signed.
    @discardableResult
    public func refreshIfNeeded(now: Int64, actor: String) async throws(IssuerStoreError) -> Bool {
        let served = try await reload(now: now)
        guard let rootKey else {
            if let served, Int128(served.document.exp) - Int128(now) < Int128(validity / 4) {
                logger.warning("the served key set expires soon and this host has no root key; sign and install a new one", metadata: [
                    "seq": "\(served.document.seq)", "exp": "\(served.document.exp)"])
            }
            return false
        }
        if let served, let signer = served.signerKID, signer != rootKey.id.base64URL {
            // An installed document from another root (an offline root
            // rotation): re-signing it with the old root would drop the
            // rotation. The offline signer keeps it fresh.
            logger.warning("the served key set is signed by another root than the one on this host; not re-signing it", metadata: [
                "served_root": "\(signer)", "host_root": "\(rootKey.id)"])
            return false
        }
        let ring: KeyRing
        do { ring = try await keys.ring() } catch { throw .wrapping(error, "cannot read the keys") }
        let withdrawn = try await withdrawnCards(now: now)
        let ringKeys = ring.publishedKeys.compactMap { $0.publicJWK() }
        if let served,
           served.document.keys == ringKeys,
           served.document.revokedCards == withdrawn,
           Int128(served.document.exp) - Int128(now) > Int128(validity / 2),
           served.document.iss == issuer {
            return false
        }
        guard ring.active != nil else { return false }
        let issuer = issuer, validity = validity
        do {
            _ = try await keys.signKeySet(root: rootKey, issuer: issuer, now: now, validity: validity, revokedCards: withdrawn, actor: actor)
        } catch { throw .wrapping(error, "cannot sign the key set") }
        let fresh = try await reload(now: now)
        logger.info("signed a new key set", metadata: ["seq": "\(fresh?.document.seq ?? 0)", "keys": "\(ringKeys.count)",
                                                       "revoked_cards": "\(withdrawn.count)"])
        return true
    }

    /// What `alumnicard keyset export` hands out.
    package enum Export: Sendable {
        /// Signed by the root given and installed as the document served.
        case signed(String)
        /// For a root kept offline: signed elsewhere, then installed.
        case unsigned(KeySetDocument)
    }

    /// The next key set, always with a new seq and the cards withdrawn as of
    /// `now`: signed with `root` and served from then on, or unsigned. The
    /// same on every backend; ``refreshIfNeeded(now:actor:)`` is its
    /// conditional sibling for a host that keeps the root.
    package func export(root: RootSigningKey?, issuer: String, validity: Int64, now: Int64, actor: String) async throws(IssuerStoreError) -> Export {
        let withdrawn = try await withdrawnCards(now: now)
        do {
            guard let root else {
                return .unsigned(try await keys.nextKeySetDocument(issuer: issuer, now: now, validity: validity, revokedCards: withdrawn))
            }
            let jws = try await keys.signKeySet(root: root, issuer: issuer, now: now, validity: validity, revokedCards: withdrawn, actor: actor)
            _ = try? await reload(now: now)
            return .signed(jws)
        } catch { throw .wrapping(error, "cannot export the key set") }
    }

    /// The cards a key set lists as withdrawn at `now` (keyset.md's `revoked_cards`).
    private func withdrawnCards(now: Int64) async throws(IssuerStoreError) -> [String] {
        do {
            return try await cards.withdrawnCards(since: now - withdrawnCardHorizon, liveAfter: now - leeway)
        } catch { throw .wrapping(error, "cannot read the withdrawn cards") }
    }

    package static func publish(_ jws: String) -> PublishedKeySet? {
        // Read back without checking the signature: the store checked it
        // when the document was installed.
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
              let document = try? JSONDecoder().decode(KeySetDocument.self, from: Data(payload)) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let jwks = (try? encoder.encode(JSONWebKeySet(keys: document.keys))).map { Array($0) } ?? []
        let header = Base64URL.decode(String(parts[0])).flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        return PublishedKeySet(jws: jws, document: document, jwks: jwks,
                               etag: "\"keyset-\(document.seq)\"", jwksETag: "\"jwks-\(hexPrefix(jwks))\"",
                               signerKID: header?["kid"] as? String)
    }

    private static func hexPrefix(_ bytes: [UInt8]) -> String {
        Hexadecimal.encode(SHA256.hash(data: bytes).prefix(12))
    }
}
