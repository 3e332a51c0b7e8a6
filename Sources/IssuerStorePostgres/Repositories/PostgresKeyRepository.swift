import CardKeys
import CardToken
import Foundation
import IssuerStore
import PostgresNIO

/// ``KeyRepository`` on PostgreSQL. Every key change and every key set
/// locks the one `keyset_state` row first (`FOR UPDATE`), so changes from
/// any instance run one after another, each on the ring the last one left:
/// of two rotations due at once on two instances, one makes the keys.
public struct PostgresKeyRepository: KeyRepository {
    let storage: PostgresStorage
    let kek: KeyEncryptionKey
    let policy: RotationPolicy

    public init(storage: PostgresStorage, kek: KeyEncryptionKey, policy: RotationPolicy = .default) {
        self.storage = storage
        self.kek = kek
        self.policy = policy
    }

    /// Proves the KEK is the one this database was made with; a fresh
    /// database adopts it. Run at start, after the migrations.
    public func checkKEK() async throws {
        let sealed = Data(kek.seal(KeyStorageRules.checkPlaintext, context: KeyStorageRules.checkContext))
        let stored = try await storage.transaction("cannot read the key store") { connection in
            try await connection.run("INSERT INTO keyset_state (id, seq, kek_check) VALUES (1, 0, \(sealed)) ON CONFLICT (id) DO NOTHING")
            return try await connection.value("SELECT kek_check FROM keyset_state WHERE id = 1", as: Data.self)
        }
        guard let stored, kek.open(Array(stored), context: KeyStorageRules.checkContext) == KeyStorageRules.checkPlaintext else {
            throw KeyStorageRules.kekMismatch()
        }
    }

    static let columns = """
        kid, alg, state, public_key, sealed_private_key, published_at, not_before, not_after, planned_handoff,
        activated_at, retired_at, revoked_at, revocation_reason, removed_at
        """

    struct Row {
        let key: ManagedKey
        let kid: String
        let alg: Int64
        let sealed: Data
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [Row] {
        var rows: [Row] = []
        for try await row in sequence.decode((String, Int64, String, Data?, Data, Int64, Int64, Int64, Int64, Int64?, Int64?, Int64?, String?, Int64?).self) {
            let key = try KeyStorageRules.managedKey(kid: row.0, alg: row.1, state: row.2, publicKey: row.3, publishedAt: row.5, notBefore: row.6,
                                                     notAfter: row.7, plannedHandoff: row.8, activatedAt: row.9, retiredAt: row.10, revokedAt: row.11,
                                                     revocationReason: row.12, removedAt: row.13)
            rows.append(Row(key: key, kid: row.0, alg: row.1, sealed: row.4))
        }
        return rows
    }

    func readRows(_ filter: String = "") async throws -> [Row] {
        try await storage.read("cannot read the keys") { connection in
            try await Self.rows(try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM signing_key \(filter)"),
                                                           logger: PostgresConnection.quiet))
        }
    }

    public func ring() async throws -> KeyRing {
        KeyRing(keys: try await readRows().map(\.key), policy: policy)
    }

    public func currentSeq() async throws -> UInt64 {
        let seq = try await storage.read("cannot read the key set") { connection in
            try await connection.value("SELECT seq FROM keyset_state WHERE id = 1", as: Int64.self)
        } ?? 0
        return UInt64(max(0, seq))
    }

    public func rotate(now: Int64, force: Bool, ifDue: Bool, actor: String, algorithm: CoseAlgorithm) async throws -> [KeyChange] {
        try await change(actor: actor, now: now) { ring, newKey throws(CardKeysError) in
            if ifDue && !ring.isDue(at: now) { return [] }
            return try ring.rotate(now: now, force: force) { newKey(algorithm) }
        }
    }

    public func revoke(_ id: KeyID, reason: String, now: Int64, actor: String) async throws -> [KeyChange] {
        try await change(actor: actor, now: now) { ring, newKey throws(CardKeysError) in
            let algorithm = ring[id]?.algorithm ?? .edDSA
            return try ring.revoke(id, reason: reason, now: now) { newKey(algorithm) }
        }
    }

    public func signingKeys() async throws -> SigningKeys {
        let rows = try await readRows("WHERE state IN ('active', 'retiring')")
        guard let active = rows.first(where: { $0.key.state == .active }) else {
            throw IssuerStoreError(.keyChangeRefused, "there is no active signing key; run `alumnicard keys rotate` to make one")
        }
        let retiring = try rows.filter { $0.key.state == .retiring }
            .map { row throws(IssuerStoreError) in (signing: try unseal(row), managed: row.key) }
            .sorted { ($0.managed.retiredAt ?? 0) > ($1.managed.retiredAt ?? 0) }
        return SigningKeys(active: (try unseal(active), active.key), retiring: retiring)
    }

    public func verificationKeys() async throws -> TrustedKeySet {
        var trusted: [TrustedKey] = []
        for row in try await readRows("WHERE state != 'removed'") {
            guard let status = row.key.state.publishedStatus else { continue }
            trusted.append(try unseal(row).verificationKey(signingWindow: row.key.signingWindow, status: status))
        }
        do { return try TrustedKeySet(keys: trusted) } catch {
            throw IssuerStoreError(.corruptKey, "the stored keys do not form a key set: \(error)")
        }
    }

    public func currentKeySet() async throws -> String? {
        try await storage.read("cannot read the key set") { connection in
            try await connection.value("SELECT document FROM keyset_state WHERE id = 1 AND document IS NOT NULL", as: String.self)
        }
    }

    public func nextKeySetDocument(issuer: String, now: Int64, validity: Int64, revokedCards: [String]) async throws -> KeySetDocument {
        let policy = policy
        return try await storage.transaction("cannot prepare the key set") { connection in
            let document = try await Self.nextDocument(connection, policy: policy, issuer: issuer, now: now, validity: validity, revokedCards: revokedCards)
            try await connection.run("UPDATE keyset_state SET seq = \(Int64(document.seq)) WHERE id = 1")
            return document
        }
    }

    public func signKeySet(root: RootSigningKey, issuer: String, now: Int64, validity: Int64, revokedCards: [String], actor: String) async throws -> String {
        let policy = policy
        return try await storage.transaction("cannot sign the key set") { connection in
            let document = try await Self.nextDocument(connection, policy: policy, issuer: issuer, now: now, validity: validity, revokedCards: revokedCards)
            let jws = KeySetSigner.sign(document, with: root)
            try await connection.run("UPDATE keyset_state SET seq = \(Int64(document.seq)), document = \(jws), signed_at = \(document.iat) WHERE id = 1")
            try await connection.audit(at: now, actor: actor, action: "keyset_installed", subject: "seq \(document.seq)", detail: "expires \(document.exp)")
            return jws
        }
    }

    public func install(_ jws: String, pinnedRoots: [RootPublicKey], now: Int64, actor: String) async throws {
        try await storage.transaction("cannot install the key set") { connection in
            let seq = try await Self.lockState(connection)
            let current = try await connection.value("SELECT document FROM keyset_state WHERE id = 1 AND document IS NOT NULL", as: String.self)
            let (document, offered) = try KeyStorageRules.judgeInstallation(jws, current: current, pinnedRoots: pinnedRoots, now: now)
            try await connection.run("""
                UPDATE keyset_state SET seq = \(max(seq, offered)), document = \(jws), signed_at = \(document.iat) WHERE id = 1
                """)
            try await connection.audit(at: now, actor: actor, action: "keyset_installed", subject: "seq \(document.seq)", detail: "expires \(document.exp)")
        }
    }

    // MARK: - Internals

    /// The ring as it stands in a document with the next seq, the key set's row locked.
    static func nextDocument(_ connection: PostgresConnection, policy: RotationPolicy, issuer: String, now: Int64, validity: Int64,
                             revokedCards: [String]) async throws -> KeySetDocument {
        let seq = KeyStorageRules.nextSeq(after: try await lockState(connection), now: now)
        let ring = KeyRing(keys: try await rows(try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM signing_key"),
                                                                           logger: PostgresConnection.quiet)).map(\.key), policy: policy)
        do {
            return try KeySetDocument(ring: ring, issuer: issuer, seq: UInt64(seq), now: now, validity: validity, revokedCards: revokedCards)
        } catch {
            throw IssuerStoreError(.keySetRefused, error.message)
        }
    }

    /// Locks the key set's row (every key change and key set waits here) and returns its seq.
    static func lockState(_ connection: PostgresConnection) async throws -> Int64 {
        guard let seq = try await connection.value("SELECT seq FROM keyset_state WHERE id = 1 FOR UPDATE", as: Int64.self) else {
            throw IssuerStoreError(.databaseUnavailable, "the key store was not prepared: start the issuer once to check the KEK")
        }
        return seq
    }

    func unseal(_ row: Row) throws(IssuerStoreError) -> SigningKey {
        try KeyStorageRules.unseal(row.sealed, kid: row.kid, alg: row.alg, kek: kek)
    }

    private func change(actor: String, now: Int64,
                        _ operation: @escaping @Sendable (inout KeyRing, (CoseAlgorithm) -> KeyRing.NewKey) throws(CardKeysError) -> [KeyChange]) async throws -> [KeyChange] {
        let policy = policy, kek = kek
        return try await storage.transaction("the key change was not saved") { connection in
            let seq = try await Self.lockState(connection)
            let rows = try await Self.rows(try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM signing_key FOR UPDATE"),
                                                                      logger: PostgresConnection.quiet))
            var ring = KeyRing(keys: rows.map(\.key), policy: policy)
            var made: [KeyID: SigningKey] = [:]
            let changes: [KeyChange]
            do {
                changes = try operation(&ring) { algorithm in
                    let key = SigningKey.generate(algorithm)
                    made[key.id] = key
                    return KeyRing.NewKey(id: key.id, algorithm: algorithm, publicKey: key.ed25519PublicKey)
                }
            } catch let error as CardKeysError {
                throw IssuerStoreError(.keyChangeRefused, error.message)
            }
            guard !changes.isEmpty else { return [] }
            let stored = Dictionary(uniqueKeysWithValues: rows.map { ($0.key.id, $0) })
            for key in ring.keys.sorted(by: { KeyStorageRules.writeOrder($0.state) < KeyStorageRules.writeOrder($1.state) }) {
                let kid = key.id.base64URL
                let publicKey = key.publicKey.map { Data($0) }
                if let existing = stored[key.id] {
                    guard existing.key != key else { continue }
                    // A removed key's sealed secret is erased (crypto-shredding).
                    let sealed = key.state == .removed ? Data() : existing.sealed
                    try await connection.run("""
                        UPDATE signing_key SET state = \(key.state.rawValue), public_key = \(publicKey), sealed_private_key = \(sealed),
                            published_at = \(key.publishedAt), not_before = \(key.notBefore), not_after = \(key.notAfter),
                            planned_handoff = \(key.plannedHandoff), activated_at = \(key.activatedAt), retired_at = \(key.retiredAt),
                            revoked_at = \(key.revokedAt), revocation_reason = \(key.revocationReason), removed_at = \(key.removedAt)
                        WHERE kid = \(kid)
                        """)
                } else if let secret = made[key.id] {
                    let alg = key.algorithm.rawValue
                    let sealed = Data(kek.seal(secret.privateBytes, context: KeyStorageRules.sealContext(kid: kid, alg: alg)))
                    try await connection.run("""
                        INSERT INTO signing_key (kid, alg, state, public_key, sealed_private_key, published_at, not_before, not_after, planned_handoff,
                                                 activated_at, retired_at, revoked_at, revocation_reason, removed_at)
                        VALUES (\(kid), \(alg), \(key.state.rawValue), \(publicKey), \(sealed), \(key.publishedAt), \(key.notBefore), \(key.notAfter),
                                \(key.plannedHandoff), \(key.activatedAt), \(key.retiredAt), \(key.revokedAt), \(key.revocationReason), \(key.removedAt))
                        """)
                }
            }
            for change in changes {
                try await connection.audit(at: change.at, actor: actor, action: "key_\(change.kind.rawValue)", subject: change.id.base64URL, detail: change.detail)
            }
            // The served set is out of date.
            try await connection.run("UPDATE keyset_state SET seq = \(KeyStorageRules.nextSeq(after: seq, now: now)) WHERE id = 1")
            return changes
        }
    }
}
