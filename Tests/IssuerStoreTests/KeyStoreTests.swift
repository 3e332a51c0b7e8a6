import CardKeys
import CardToken
import Foundation
import GRDB
import IssuerStore
import IssuerStoreSQLite
import TestSupport
import Testing

/// The key store on a real SQLite file: sealing under the KEK, audit rows,
/// and `seq` that never goes backwards.
@Suite struct KeyStoreTests {
    static let start: Int64 = 1_764_036_000

    static func withDatabase(_ body: (String) throws -> Void) throws {
        let directory = try ProjectPaths.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent("issuer.sqlite").path)
    }

    @Test func privateKeysAreNeverInPlaintextInTheDatabaseFile() throws {
        try Self.withDatabase { path in
            let kek = KeyEncryptionKey.generate().key
            let store = try KeyStore(database: AppDatabase.open(path: path), kek: kek)
            try store.rotate(now: Self.start, actor: "test")
            let secret = try store.activeKey().signing.privateBytes
            #expect(secret.count == 32)
            // Checkpoint so everything is in the main file, then read every file SQLite wrote.
            _ = try store.database.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path + suffix)))
                let encodings = [secret, Array(Base64URL.encode(secret).utf8), Array(Data(secret).base64EncodedString().utf8), Array(Hex.encode(secret).utf8)]
                for needle in encodings {
                    #expect(!bytes.contains(needle), "the private key appears in \(path + suffix)")
                }
            }
            #expect(SecureFileMode.of(path) == 0o600)
        }
    }

    @Test func aWrongKEKStopsTheStoreWithAClearMessage() throws {
        try Self.withDatabase { path in
            let right = KeyEncryptionKey.generate().key
            try KeyStore(database: AppDatabase.open(path: path), kek: right).rotate(now: Self.start, actor: "test")
            do {
                _ = try KeyStore(database: AppDatabase.open(path: path), kek: KeyEncryptionKey.generate().key)
                Issue.record("a wrong KEK was accepted")
            } catch let error as IssuerStoreError {
                #expect(error.code == .kekMismatch)
                #expect(error.message.contains("not the key the database was created with"))
            }
            // The right one still opens, and its keys decrypt.
            #expect(try KeyStore(database: AppDatabase.open(path: path), kek: right).activeKey().signing.algorithm == .edDSA)
        }
    }

    @Test func missingOrBadKEKFilesAreRefusedWithWhatToDo() throws {
        let directory = try ProjectPaths.temporaryDirectory("kek")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("none").path
        #expect(throws: IssuerStoreError(.kekUnavailable, "")) { try KeyEncryptionKey.load(path: missing) }
        let short = directory.appendingPathComponent("short").path
        #expect(FileManager.default.createFile(atPath: short, contents: Data("AAAA\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: IssuerStoreError(.kekUnavailable, "")) { try KeyEncryptionKey.load(path: short) }
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let contents = KeyEncryptionKey.generate().fileContents
        #expect(FileManager.default.createFile(atPath: credentials.appendingPathComponent(KeyEncryptionKey.credentialName).path, contents: contents,
                                               attributes: [.posixPermissions: 0o600]))
        _ = try KeyEncryptionKey.locate(explicitPath: nil, fallbackPath: missing, environment: ["CREDENTIALS_DIRECTORY": credentials.path])
    }

    @Test func everyChangeIsAuditedAndSeqOnlyGrows() throws {
        let store = try KeyStore(database: AppDatabase.inMemory(), kek: KeyEncryptionKey.generate().key)
        let first = try store.rotate(now: Self.start, actor: "alice")
        #expect(first.count == 2)
        let seqAfterRotate = try store.currentSeq()
        #expect(seqAfterRotate >= UInt64(Self.start))
        let active = try #require(store.ring().active)
        try store.revoke(active.id, reason: "drill", now: Self.start + 60, actor: "bob")
        let events = try store.auditEvents()
        #expect(events.map(\.action) == ["key_created", "key_activated", "key_window_opened", "key_revoked", "key_created", "key_created"])
        #expect(events.first { $0.action == "key_revoked" }?.actor == "bob")
        #expect(events.first { $0.action == "key_revoked" }?.detail.contains("drill") == true)
        #expect(try store.currentSeq() > seqAfterRotate)

        // Documents take ever larger seqs, even when the clock reads earlier.
        let root = RootSigningKey.generate()
        let a = try store.nextKeySetDocument(issuer: "ntu-alumni", now: Self.start + 120, validity: 86_400)
        let b = try store.nextKeySetDocument(issuer: "ntu-alumni", now: Self.start - 86_400, validity: 86_400)
        #expect(b.seq > a.seq)
        let jws = try store.signKeySet(root: root, issuer: "ntu-alumni", now: Self.start + 180, validity: 86_400, actor: "carol")
        #expect(try store.currentKeySet() == jws)
        #expect(try store.auditEvents(limit: 1).first?.actor == "carol")
        // An older signed document cannot replace the served one.
        let stale = KeySetSigner.sign(a, with: root)
        #expect(throws: IssuerStoreError(.keySetRefused, "")) { try store.install(stale, pinnedRoots: [root.publicKey], now: Self.start + 180, actor: "carol") }
    }

    /// After a restore from an old backup, the next document's seq still
    /// exceeds everything published since, because it is at least the time.
    @Test func seqMovesForwardAfterRestoringAnOldBackup() throws {
        try Self.withDatabase { path in
            let kek = KeyEncryptionKey.generate().key
            let store = try KeyStore(database: AppDatabase.open(path: path), kek: kek)
            try store.rotate(now: Self.start, actor: "test")
            let backup = path + ".backup"
            try store.database.writer.backup(to: DatabaseQueue(path: backup))
            var published: UInt64 = 0
            for hour in 1...24 {
                published = try store.nextKeySetDocument(issuer: "x", now: Self.start + Int64(hour) * 3_600, validity: 86_400).seq
            }
            let restored = try KeyStore(database: AppDatabase.open(path: backup), kek: kek)
            let next = try restored.nextKeySetDocument(issuer: "x", now: Self.start + 25 * 3_600, validity: 86_400)
            #expect(next.seq > published)
        }
    }

    @Test func removedKeysLoseTheirSealedPrivateKeys() throws {
        try Self.withDatabase { path in
            let policy = RotationPolicy.default
            let store = try KeyStore(database: AppDatabase.open(path: path), kek: KeyEncryptionKey.generate().key, policy: policy)
            try store.rotate(now: Self.start, force: true, actor: "test")
            let first = try #require(try store.ring().active).id
            // Rotate until the first key has retired and passed its retention.
            var now = Self.start
            for _ in 0..<4 {
                now += policy.rotationPeriod + policy.publicationLead
                try store.rotate(now: now, force: true, actor: "test")
            }
            #expect(try store.ring()[first]?.state == .removed)
            let sealed = try store.database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT sealed_private_key FROM signing_key WHERE kid = ?", arguments: [first.base64URL])
            }
            #expect(sealed == Data())
        }
    }

    @Test func aKeySetWhoseSeqDoesNotFitIsRefusedNotATrap() throws {
        try Self.withDatabase { path in
            let store = try KeyStore(database: AppDatabase.open(path: path), kek: KeyEncryptionKey.generate().key)
            try store.rotate(now: Self.start, force: true, actor: "test")
            let root = RootSigningKey.generate()
            var document = try store.nextKeySetDocument(issuer: "ntu-alumni", now: Self.start, validity: 86_400)
            document.seq = UInt64(Int64.max) + 1
            #expect(throws: IssuerStoreError(.keySetRefused, "")) {
                try store.install(KeySetSigner.sign(document, with: root), pinnedRoots: [root.publicKey], now: Self.start, actor: "test")
            }
        }
    }

    @Test func adminTokensExpireAndRecordTheirLastUse() throws {
        try Self.withDatabase { path in
            let tokens = AdminTokenStore(database: try AppDatabase.open(path: path))
            let token = try tokens.create(name: "desk-1", role: .operator, lifetime: 3_600, now: Self.start, actor: "test")
            let live = try #require(try tokens.lookup(token, now: Self.start + 10))
            #expect(live.name == "desk-1" && live.role == .operator && live.noteUse)
            try tokens.noteUse(name: live.name, now: Self.start + 10)
            #expect(try tokens.list().first?.lastUsedAt == Self.start + 10)
            #expect(try tokens.lookup(token, now: Self.start + 30)?.noteUse == false) // noted to the minute
            #expect(try tokens.lookup(token, now: Self.start + 3_600) != nil)
            #expect(try tokens.lookup(token, now: Self.start + 3_601) == nil)
            #expect(try tokens.list().first?.expiresAt == Self.start + 3_600)
        }
    }

    @Test func theDatabaseIsCreatedPrivateAndCommitsFully() throws {
        try Self.withDatabase { path in
            let database = try AppDatabase.open(path: path)
            try database.writer.write { db in try db.execute(sql: "CREATE TABLE probe (x)") }
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                #expect(SecureFileMode.of(path + suffix) == 0o600, "\(suffix)")
            }
            #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2) // FULL
        }
    }
}

enum SecureFileMode {
    static func of(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int
    }
}
