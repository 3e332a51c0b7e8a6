import CardKeys
import CardToken
import IssuerStore

/// ``KeyRepository`` on the SQLite database: the key store's calls on the
/// database threads.
public struct SQLiteKeyRepository: KeyRepository {
    let keyStore: KeyStore
    let threads: DatabaseThreads

    public init(keyStore: KeyStore, threads: DatabaseThreads) {
        self.keyStore = keyStore
        self.threads = threads
    }

    public func ring() async throws -> KeyRing {
        let keyStore = keyStore
        return try await threads.read { try keyStore.ring() }
    }

    public func currentSeq() async throws -> UInt64 {
        let keyStore = keyStore
        return try await threads.read { try keyStore.currentSeq() }
    }

    public func rotate(now: Int64, force: Bool, ifDue: Bool, actor: String, algorithm: CoseAlgorithm) async throws -> [KeyChange] {
        let keyStore = keyStore
        return try await threads.write { try keyStore.rotate(now: now, force: force, ifDue: ifDue, actor: actor, algorithm: algorithm) }
    }

    public func revoke(_ id: KeyID, reason: String, now: Int64, actor: String) async throws -> [KeyChange] {
        let keyStore = keyStore
        return try await threads.write { try keyStore.revoke(id, reason: reason, now: now, actor: actor) }
    }

    public func signingKeys() async throws -> SigningKeys {
        let keyStore = keyStore
        return try await threads.read {
            SigningKeys(active: try keyStore.activeKey(),
                        retiring: try keyStore.retiringKeys().sorted { ($0.managed.retiredAt ?? 0) > ($1.managed.retiredAt ?? 0) })
        }
    }

    public func verificationKeys() async throws -> TrustedKeySet {
        let keyStore = keyStore
        return try await threads.read { try keyStore.verificationKeys() }
    }

    public func currentKeySet() async throws -> String? {
        let keyStore = keyStore
        return try await threads.read { try keyStore.currentKeySet() }
    }

    public func nextKeySetDocument(issuer: String, now: Int64, validity: Int64, revokedCards: [String]) async throws -> KeySetDocument {
        let keyStore = keyStore
        return try await threads.write { try keyStore.nextKeySetDocument(issuer: issuer, now: now, validity: validity, revokedCards: revokedCards) }
    }

    public func signKeySet(root: RootSigningKey, issuer: String, now: Int64, validity: Int64, revokedCards: [String], actor: String) async throws -> String {
        let keyStore = keyStore
        return try await threads.write {
            try keyStore.signKeySet(root: root, issuer: issuer, now: now, validity: validity, revokedCards: revokedCards, actor: actor)
        }
    }

    public func install(_ jws: String, pinnedRoots: [RootPublicKey], now: Int64, actor: String) async throws {
        let keyStore = keyStore
        try await threads.write { try keyStore.install(jws, pinnedRoots: pinnedRoots, now: now, actor: actor) }
    }
}
