import CardKeys
import CardToken
import Foundation
import GRDB
import IssuerStore

/// The issuer's signing keys in the database: every change one IMMEDIATE
/// transaction with its audit rows, private keys sealed under the KEK, and
/// the key set's `seq` kept so that it never goes backwards.
public struct KeyStore: Sendable {
    public let database: AppDatabase
    public let kek: KeyEncryptionKey
    public let policy: RotationPolicy

    private static let checkPlaintext = KeyStorageRules.checkPlaintext
    private static let checkContext = KeyStorageRules.checkContext

    /// Opens the store, proving the KEK is the one this database was made
    /// with (a fresh database adopts it), unless `checkingKEK` is false: a
    /// database not migrated yet is checked after its migrations (``checkKEK()``).
    public init(database: AppDatabase, kek: KeyEncryptionKey, policy: RotationPolicy = .default, checkingKEK: Bool = true) throws(IssuerStoreError) {
        self.database = database
        self.kek = kek
        self.policy = policy
        if checkingKEK { try checkKEK() }
    }

    /// Proves the KEK is the one this database was made with; a fresh
    /// database adopts it.
    public func checkKEK() throws(IssuerStoreError) {
        let kek = kek
        let matches: Bool
        do {
            matches = try database.writer.write { db in
                if let state = try KeySetStateRecord.fetchOne(db, key: 1) {
                    return kek.open(Array(state.kekCheck), context: Self.checkContext) == Self.checkPlaintext
                }
                try KeySetStateRecord(seq: 0, kekCheck: Data(kek.seal(Self.checkPlaintext, context: Self.checkContext))).insert(db)
                return true
            }
        } catch {
            throw IssuerStoreError(.databaseUnavailable, "cannot read the key store: \(error)")
        }
        guard matches else { throw KeyStorageRules.kekMismatch() }
    }

    /// The keys as a ring.
    public func ring() throws(IssuerStoreError) -> KeyRing {
        try read { db in try Self.loadRing(db, policy: policy) }
    }

    /// The audit log, newest first.
    public func auditEvents(limit: Int = 100) throws(IssuerStoreError) -> [AuditEvent] {
        try read { db in try AuditEvent.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    /// Rotates as ``KeyRing/rotate(now:force:newKey:)`` does. With
    /// `ifDue`, does nothing unless the ring is due. `beforeCommit` runs
    /// inside the transaction after every write (a crash-test hook).
    @discardableResult
    public func rotate(now: Int64, force: Bool = false, ifDue: Bool = false, actor: String,
                       algorithm: CoseAlgorithm = .edDSA, beforeCommit: (@Sendable () -> Void)? = nil) throws(IssuerStoreError) -> [KeyChange] {
        try change(actor: actor, now: now, beforeCommit: beforeCommit) { ring, newKey throws(CardKeysError) in
            if ifDue && !ring.isDue(at: now) { return [] }
            return try ring.rotate(now: now, force: force) { newKey(algorithm) }
        }
    }

    /// Revokes a key; if it was active, the standby takes over at once.
    @discardableResult
    public func revoke(_ id: KeyID, reason: String, now: Int64, actor: String) throws(IssuerStoreError) -> [KeyChange] {
        try change(actor: actor, now: now, beforeCommit: nil) { ring, newKey throws(CardKeysError) in
            let algorithm = ring[id]?.algorithm ?? .edDSA
            return try ring.revoke(id, reason: reason, now: now) { newKey(algorithm) }
        }
    }

    /// The key set document for now, with a new `seq`: at least one more
    /// than any before, and at least `now` (so a database restored from an
    /// old backup still moves forward; see docs/key-rotation.md).
    public func nextKeySetDocument(issuer: String, now: Int64, validity: Int64, revokedCards: [String] = []) throws(IssuerStoreError) -> KeySetDocument {
        try write { db in
            var state = try KeySetStateRecord.fetchOne(db, key: 1)!
            state.seq = KeyStorageRules.nextSeq(after: state.seq, now: now)
            try state.update(db)
            do {
                return try KeySetDocument(ring: Self.loadRing(db, policy: policy), issuer: issuer, seq: UInt64(state.seq),
                                          now: now, validity: validity, revokedCards: revokedCards)
            } catch let error as CardKeysError {
                throw IssuerStoreError(.keySetRefused, error.message)
            }
        }
    }

    /// Signs the next document with the root key on this host and keeps it
    /// as the one served.
    public func signKeySet(root: RootSigningKey, issuer: String, now: Int64, validity: Int64, revokedCards: [String] = [], actor: String) throws(IssuerStoreError) -> String {
        let document = try nextKeySetDocument(issuer: issuer, now: now, validity: validity, revokedCards: revokedCards)
        let jws = KeySetSigner.sign(document, with: root)
        try install(jws, pinnedRoots: [root.publicKey], now: now, actor: actor)
        return jws
    }

    /// Keeps a key set signed elsewhere (an offline root) as the one
    /// served, after checking it as a verifier would.
    public func install(_ jws: String, pinnedRoots: [RootPublicKey], now: Int64, actor: String) throws(IssuerStoreError) {
        try write { db in
            var state = try KeySetStateRecord.fetchOne(db, key: 1)!
            let (document, seq) = try KeyStorageRules.judgeInstallation(jws, current: state.document, pinnedRoots: pinnedRoots, now: now)
            state.seq = max(state.seq, seq)
            state.document = jws
            state.signedAt = document.iat
            try state.update(db)
            try AuditEvent(at: now, actor: actor, action: "keyset_installed", subject: "seq \(document.seq)", detail: "expires \(document.exp)").insert(db)
        }
    }

    /// The signed key set being served, if any.
    public func currentKeySet() throws(IssuerStoreError) -> String? {
        try read { db in try KeySetStateRecord.fetchOne(db, key: 1)?.document }
    }

    /// The highest `seq` handed out.
    public func currentSeq() throws(IssuerStoreError) -> UInt64 {
        try read { db in UInt64(try KeySetStateRecord.fetchOne(db, key: 1)?.seq ?? 0) }
    }

    // MARK: - Internals

    private func change(actor: String, now: Int64, beforeCommit: (@Sendable () -> Void)?,
                        _ operation: (inout KeyRing, (CoseAlgorithm) -> KeyRing.NewKey) throws(CardKeysError) -> [KeyChange]) throws(IssuerStoreError) -> [KeyChange] {
        do {
            return try database.writer.writeWithoutTransaction { db in
                var changes: [KeyChange] = []
                // IMMEDIATE: a second process waits here, then sees this one's keys.
                try db.inTransaction(.immediate) {
                    var records = Dictionary(uniqueKeysWithValues: try SigningKeyRecord.fetchAll(db).map { ($0.kid, $0) })
                    var ring = KeyRing(keys: try records.values.map { try $0.managedKey() }, policy: policy)
                    var made: [KeyID: SigningKey] = [:]
                    do {
                        changes = try operation(&ring) { algorithm in
                            let key = SigningKey.generate(algorithm)
                            made[key.id] = key
                            return KeyRing.NewKey(id: key.id, algorithm: algorithm, publicKey: key.ed25519PublicKey)
                        }
                    } catch let error as CardKeysError {
                        throw IssuerStoreError(.keyChangeRefused, error.message)
                    }
                    guard !changes.isEmpty else { return .rollback }
                    // Retirements and revocations first, so the one-active and
                    // one-standby indexes hold after every statement.
                    let ordered = ring.keys.sorted { KeyStorageRules.writeOrder($0.state) < KeyStorageRules.writeOrder($1.state) }
                    for key in ordered {
                        let kid = key.id.base64URL
                        if var record = records[kid] {
                            guard try record.managedKey() != key else { continue }
                            record.update(from: key)
                            try record.update(db)
                            records[kid] = record
                        } else if let secret = made[key.id] {
                            let sealed = kek.seal(secret.privateBytes, context: SigningKeyRecord.sealContext(kid: kid, alg: key.algorithm.rawValue))
                            try SigningKeyRecord(key, sealedPrivateKey: Data(sealed)).insert(db)
                        }
                    }
                    for change in changes {
                        try AuditEvent(at: change.at, actor: actor, action: "key_\(change.kind.rawValue)", subject: change.id.base64URL, detail: change.detail).insert(db)
                    }
                    var state = try KeySetStateRecord.fetchOne(db, key: 1)!
                    state.seq = KeyStorageRules.nextSeq(after: state.seq, now: now) // the served set is out of date
                    try state.update(db)
                    beforeCommit?()
                    return .commit
                }
                return changes
            }
        } catch {
            throw .wrapping(error, "the key change was not saved")
        }
    }

    static func loadRing(_ db: Database, policy: RotationPolicy) throws -> KeyRing {
        KeyRing(keys: try SigningKeyRecord.fetchAll(db).map { try $0.managedKey() }, policy: policy)
    }

    func unseal(_ record: SigningKeyRecord) throws(IssuerStoreError) -> SigningKey {
        try KeyStorageRules.unseal(record.sealedPrivateKey, kid: record.kid, alg: record.alg, kek: kek)
    }

    private func read<T>(_ body: (Database) throws -> T) throws(IssuerStoreError) -> T { try database.read(body) }

    private func write<T>(_ body: (Database) throws -> T) throws(IssuerStoreError) -> T { try database.write(body) }
}
