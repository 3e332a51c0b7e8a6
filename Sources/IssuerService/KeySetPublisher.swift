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
}

/// Keeps the served key set current. With the root key on this host, it
/// signs a new document when the keys change or half the validity has
/// passed; without it, it serves what `alumnicard keyset install` put in
/// the database and warns as that document nears its `exp`.
public final class KeySetPublisher: Sendable {
    let keyStore: KeyStore
    let rootKey: RootSigningKey?
    let issuer: String
    let validity: Int64
    let logger: Logger
    /// How long a document read from the database is served before the
    /// database is asked again (an install by the CLI shows up this fast).
    let reloadAfter: Int64 = 5

    private struct Held { let loadedAt: Int64; let published: PublishedKeySet? }
    private let held = Mutex<Held?>(nil)

    init(keyStore: KeyStore, rootKey: RootSigningKey?, issuer: String, validity: Int64, logger: Logger) {
        self.keyStore = keyStore
        self.rootKey = rootKey
        self.issuer = issuer
        self.validity = validity
        self.logger = logger
    }

    /// The document being served, if any.
    public func current(now: Int64) throws(IssuerStoreError) -> PublishedKeySet? {
        if let held = held.withLock({ $0 }), now - held.loadedAt < reloadAfter, now >= held.loadedAt {
            return held.published
        }
        return try reload(now: now)
    }

    @discardableResult
    func reload(now: Int64) throws(IssuerStoreError) -> PublishedKeySet? {
        let jws = try keyStore.currentKeySet()
        let published = jws.flatMap(Self.publish)
        held.withLock { $0 = Held(loadedAt: now, published: published) }
        return published
    }

    /// Signs a new document if this host holds the root key and the served
    /// one is missing, lists other keys than the ring, or is past half its
    /// validity. Returns whether it signed.
    @discardableResult
    public func refreshIfNeeded(now: Int64, actor: String) throws(IssuerStoreError) -> Bool {
        let served = try reload(now: now)
        guard let rootKey else {
            if let served, served.document.exp - now < validity / 4 {
                logger.warning("the served key set expires soon and this host has no root key; sign and install a new one", metadata: [
                    "seq": "\(served.document.seq)", "exp": "\(served.document.exp)"])
            }
            return false
        }
        let ring = try keyStore.ring()
        let ringKeys = ring.publishedKeys.compactMap { $0.publicJWK() }
        if let served,
           served.document.keys == ringKeys,
           served.document.exp - now > validity / 2,
           served.document.iss == issuer {
            return false
        }
        guard ring.active != nil else { return false }
        _ = try keyStore.signKeySet(root: rootKey, issuer: issuer, now: now, validity: validity, actor: actor)
        let fresh = try reload(now: now)
        logger.info("signed a new key set", metadata: ["seq": "\(fresh?.document.seq ?? 0)", "keys": "\(ringKeys.count)"])
        return true
    }

    static func publish(_ jws: String) -> PublishedKeySet? {
        // Read back without checking the signature: the store checked it
        // when the document was installed.
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
              let document = try? JSONDecoder().decode(KeySetDocument.self, from: Data(payload)) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let jwks = (try? encoder.encode(JSONWebKeySet(keys: document.keys))).map { Array($0) } ?? []
        return PublishedKeySet(jws: jws, document: document, jwks: jwks,
                               etag: "\"keyset-\(document.seq)\"", jwksETag: "\"jwks-\(hexPrefix(jwks))\"")
    }

    private static func hexPrefix(_ bytes: [UInt8]) -> String {
        Hexadecimal.encode(SHA256.hash(data: bytes).prefix(12))
    }
}
