import IssuerStore
import CardKeys
import CardToken
import GRDB

extension KeyStore {
    /// The active key's private part with its managed record (its signing
    /// window decides the `iat` a token may carry).
    public func activeKey() throws(IssuerStoreError) -> (signing: SigningKey, managed: ManagedKey) {
        try database.read { db in
            guard let record = try SigningKeyRecord.filter(Column("state") == "active").fetchOne(db) else {
                throw IssuerStoreError(.keyChangeRefused, "there is no active signing key; run `alumnicard keys rotate` to make one")
            }
            return (try unseal(record), try record.managedKey())
        }
    }

    /// The keys that stopped signing (retiring, not revoked) with their
    /// private parts: a window that began before a rotation keeps the token
    /// its key signed, for the rest of that window.
    public func retiringKeys() throws(IssuerStoreError) -> [(signing: SigningKey, managed: ManagedKey)] {
        let records = try database.read { db in try SigningKeyRecord.filter(Column("state") == "retiring").fetchAll(db) }
        var keys: [(SigningKey, ManagedKey)] = []
        for record in records { keys.append((try unseal(record), try record.managedKey())) }
        return keys
    }

    /// Every key that may still check a token, as the issuer's own online
    /// verifier trusts them: Ed25519 public keys and HMAC secrets, with
    /// their signing windows and statuses (revoked keys included, so their
    /// tokens are named `key_revoked`).
    public func verificationKeys() throws(IssuerStoreError) -> TrustedKeySet {
        let records = try database.read { db in
            try SigningKeyRecord.filter(Column("state") != "removed").fetchAll(db)
        }
        var trusted: [TrustedKey] = []
        for record in records {
            let managed = try record.managedKey()
            guard let status = managed.state.publishedStatus else { continue }
            trusted.append(try unseal(record).verificationKey(signingWindow: managed.signingWindow, status: status))
        }
        do { return try TrustedKeySet(keys: trusted) } catch {
            throw IssuerStoreError(.corruptKey, "the stored keys do not form a key set: \(error)")
        }
    }
}
