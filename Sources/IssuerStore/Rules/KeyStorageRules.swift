import CardKeys
import CardToken
import Foundation

/// What every backend does the same with the signing keys: how a key's
/// private part is sealed and opened (bound to its kid and alg), in which
/// order a ring's changes are written (so the one-active and one-standby
/// unique indexes hold after every statement), the KEK check, and how a
/// key set offered for installation is judged.
package enum KeyStorageRules {
    /// What a sealed private key is bound to: the kid and the alg.
    package static func sealContext(kid: String, alg: Int64) -> [UInt8] {
        Array("alumnicard signing key \(kid) alg \(alg)".utf8)
    }

    /// Retirements and revocations first, then the active key, then the standby.
    package static func writeOrder(_ state: KeyState) -> Int {
        switch state {
        case .retiring, .revoked, .removed: 0
        case .active: 1
        case .published: 2
        }
    }

    /// A private key opened from its seal.
    package static func unseal(_ sealed: Data, kid: String, alg: Int64, kek: KeyEncryptionKey) throws(IssuerStoreError) -> SigningKey {
        guard let secret = kek.open(Array(sealed), context: sealContext(kid: kid, alg: alg)),
              let algorithm = CoseAlgorithm(rawValue: alg), let id = try? KeyID(base64URL: kid) else {
            throw IssuerStoreError(.corruptKey, "the private key of \(kid) does not decrypt under this key-encryption key")
        }
        do {
            let key = algorithm == .edDSA ? try SigningKey(ed25519Seed: secret) : try SigningKey(hmacSecret: secret, algorithm: algorithm, id: id)
            guard key.id == id else { throw IssuerStoreError(.corruptKey, "the private key stored as \(kid) has another kid") }
            return key
        } catch let error as IssuerStoreError {
            throw error
        } catch {
            throw IssuerStoreError(.corruptKey, "the private key of \(kid) is not valid: \(error)")
        }
    }

    /// A managed key from its stored columns.
    package static func managedKey(kid: String, alg: Int64, state: String, publicKey: Data?, publishedAt: Int64, notBefore: Int64, notAfter: Int64,
                                   plannedHandoff: Int64, activatedAt: Int64?, retiredAt: Int64?, revokedAt: Int64?, revocationReason: String?,
                                   removedAt: Int64?) throws(IssuerStoreError) -> ManagedKey {
        guard let id = try? KeyID(base64URL: kid), let algorithm = CoseAlgorithm(rawValue: alg), let keyState = KeyState(rawValue: state) else {
            throw IssuerStoreError(.corruptKey, "the stored key \(kid) has an unreadable kid, alg or state")
        }
        var key = ManagedKey(id: id, algorithm: algorithm, publicKey: publicKey.map { Array($0) }, state: keyState, publishedAt: publishedAt,
                             notBefore: notBefore, notAfter: notAfter, plannedHandoff: plannedHandoff)
        key.activatedAt = activatedAt
        key.retiredAt = retiredAt
        key.revokedAt = revokedAt
        key.revocationReason = revocationReason
        key.removedAt = removedAt
        return key
    }

    /// What proves the KEK is the database's own: sealed once, opened at every start.
    package static let checkPlaintext = Array("AlumniCard key-encryption key check".utf8)
    package static let checkContext = Array("kek-check".utf8)

    package static func kekMismatch() -> IssuerStoreError {
        IssuerStoreError(.kekMismatch, "the key-encryption key does not open this database's keys: it is not the key the database was created with. Point --kek (or the \(KeyEncryptionKey.credentialName) credential) at the right file; the keys cannot be recovered without it")
    }

    /// The next key set's seq: at least one more than any before, and at
    /// least `now`, so a database restored from an old backup still moves forward.
    package static func nextSeq(after seq: Int64, now: Int64) -> Int64 {
        max(seq.addingReportingOverflow(1).partialValue, now)
    }

    /// Checks a key set offered for installation as a verifier would,
    /// against the one held (`current`); returns it with its seq.
    package static func judgeInstallation(_ jws: String, current: String?, pinnedRoots: [RootPublicKey], now: Int64)
        throws(IssuerStoreError) -> (document: KeySetDocument, seq: Int64) {
        let held: KeySetFloor? = current.flatMap { current in
            KeySetVerifier(pinnedRoots: pinnedRoots).verify(current, heldSeq: nil, now: Int64.min + 1).document
                .map { KeySetFloor(accepting: current, seq: $0.seq) }
        }
        let verdict = KeySetVerifier(pinnedRoots: pinnedRoots).verify(jws, floor: held, now: now)
        guard verdict.isOK, let document = verdict.document else {
            throw IssuerStoreError(.keySetRefused, "the key set was refused (\(verdict.reason.rawValue)): \(verdict.detail)")
        }
        guard let seq = Int64(exactly: document.seq) else {
            throw IssuerStoreError(.keySetRefused, "the key set's seq \(document.seq) is larger than this issuer can store (\(Int64.max)); it cannot be one this issuer made")
        }
        return (document, seq)
    }
}
