import CardKeys
import CardToken
import Foundation
import IssuerService
import IssuerStore
import Testing

/// Issue #26, item 4: the signing keys and the key set behave alike on every backend.
@Suite("Key repository: every backend behaves alike")
struct KeyRepositoryConformanceTests {
    static let kek = KeyEncryptionKey.generate().key
    static let start: Int64 = 1_800_000_000

    static func make(_ backend: StorageBackend) async throws -> any KeyRepository {
        try await backend.store().keys(kek: kek)
    }

    static func code(_ body: () async throws -> Void) async -> IssuerStoreError.Code? {
        do { try await body(); return nil } catch let error as IssuerStoreError { return error.code } catch { return nil }
    }

    @Test(arguments: StorageBackend.allCases)
    func ofTwoRacingDueRotationsOneMakesTheKeysAndTheySignAndVerify(backend: StorageBackend) async throws {
        let keys = try await Self.make(backend)
        #expect(try await keys.ring().keys.isEmpty)
        let changes = try await withThrowingTaskGroup(of: [KeyChange].self) { group in
            for _ in 0..<2 { group.addTask { try await keys.rotate(now: Self.start, force: false, ifDue: true, actor: "daemon", algorithm: .edDSA) } }
            return try await group.reduce(into: [[KeyChange]]()) { $0.append($1) }
        }
        #expect(changes.filter { !$0.isEmpty }.count == 1, "the second found nothing due: \(changes)")
        let active = try #require(try await keys.ring().active)
        let signing = try await keys.signingKeys()
        #expect(signing.active.managed.id == active.id && signing.retiring.isEmpty)
        #expect(try await keys.verificationKeys()[active.id] != nil)
        // The standby may not take over before every verifier holds it; then it does, and the old key retires but still verifies.
        let standby = try #require(try await keys.ring().keys.first { $0.state == .published })
        #expect(await Self.code { _ = try await keys.rotate(now: Self.start + 100, force: true, ifDue: false, actor: "admin:ops", algorithm: .edDSA) }
            == .keyChangeRefused)
        _ = try await keys.rotate(now: standby.notBefore, force: true, ifDue: false, actor: "admin:ops", algorithm: .edDSA)
        let after = try await keys.signingKeys()
        #expect(after.active.managed.id == standby.id && after.retiring.map(\.managed.id) == [active.id])
        #expect(try await keys.verificationKeys()[active.id] != nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aRevokedKeyNoLongerVerifiesAndAnUnknownOneIsRefused(backend: StorageBackend) async throws {
        let keys = try await Self.make(backend)
        _ = try await keys.rotate(now: Self.start, force: true, ifDue: false, actor: "admin:ops", algorithm: .edDSA)
        let active = try #require(try await keys.ring().active)
        #expect(await Self.code { _ = try await keys.revoke(try KeyID(base64URL: "AAAAAAAAAAA"), reason: "x", now: Self.start, actor: "admin:ops") }
            == .keyChangeRefused)
        #expect(try await !keys.revoke(active.id, reason: "leaked", now: Self.start + 10, actor: "admin:ops").isEmpty)
        #expect(try await keys.verificationKeys()[active.id]?.status == .revoked, "kept, so its tokens are named key_revoked")
        #expect(try await keys.ring()[active.id]?.state == .revoked)
        #expect(await Self.code { _ = try await keys.revoke(active.id, reason: "again", now: Self.start + 20, actor: "admin:ops") } == .keyChangeRefused)
    }

    @Test(arguments: StorageBackend.allCases)
    func eachSignedKeySetCarriesTheNextSeqAndVerifiesUnderTheRoot(backend: StorageBackend) async throws {
        let keys = try await Self.make(backend)
        let root = RootSigningKey.generate(), other = RootSigningKey.generate()
        _ = try await keys.rotate(now: Self.start, force: true, ifDue: false, actor: "admin:ops", algorithm: .edDSA)
        #expect(try await keys.currentKeySet() == nil)
        let first = try await keys.signKeySet(root: root, issuer: "https://alumni.example.org", now: Self.start, validity: 86_400, revokedCards: [],
                                             actor: "daemon")
        let second = try await keys.signKeySet(root: root, issuer: "https://alumni.example.org", now: Self.start + 60, validity: 86_400,
                                              revokedCards: ["A000000001"], actor: "daemon")
        #expect(try await keys.currentKeySet() == second && first != second)
        let seq = try await keys.currentSeq()
        let verdict = KeySetVerifier(pinnedRoots: [root.publicKey]).verify(second, heldSeq: seq - 1, now: Self.start + 60)
        #expect(verdict.isOK && verdict.document?.seq == seq && verdict.document?.revokedCards == ["A000000001"])
        // A set signed by a root that is not pinned is refused and changes nothing.
        let elsewhere = try await Self.make(backend)
        _ = try await elsewhere.rotate(now: Self.start, force: true, ifDue: false, actor: "test", algorithm: .edDSA)
        let foreign = try await elsewhere.signKeySet(root: other, issuer: "https://alumni.example.org", now: Self.start, validity: 86_400,
                                                             revokedCards: [], actor: "test")
        #expect(await Self.code { try await keys.install(foreign, pinnedRoots: [root.publicKey], now: Self.start + 70, actor: "cli:ops") } != nil)
        #expect(try await keys.currentKeySet() == second)
    }

    /// A root kept offline: the unsigned document takes its seq at once (so
    /// nothing signed meanwhile reuses it), serves nothing until it comes
    /// back signed, and installs over the set served.
    @Test(arguments: StorageBackend.allCases)
    func anUnsignedKeySetTakesItsSeqAndIsServedOnceInstalled(backend: StorageBackend) async throws {
        let keys = try await Self.make(backend)
        let root = RootSigningKey.generate()
        _ = try await keys.rotate(now: Self.start, force: true, ifDue: false, actor: "admin:ops", algorithm: .edDSA)
        let served = try await keys.signKeySet(root: root, issuer: "https://alumni.example.org", now: Self.start, validity: 86_400, revokedCards: [],
                                               actor: "daemon")
        let document = try await keys.nextKeySetDocument(issuer: "https://alumni.example.org", now: Self.start + 60, validity: 86_400,
                                                         revokedCards: ["A000000002"])
        let taken = try await keys.currentSeq()
        #expect(taken == document.seq && document.revokedCards == ["A000000002"] && document.keys.count == 2)
        #expect(try await keys.currentKeySet() == served, "an unsigned document is not served")
        let later = try await keys.nextKeySetDocument(issuer: "https://alumni.example.org", now: Self.start + 60, validity: 86_400, revokedCards: [])
        #expect(later.seq == document.seq + 1)
        let signed = KeySetSigner.sign(document, with: root)
        try await keys.install(signed, pinnedRoots: [root.publicKey], now: Self.start + 70, actor: "cli:ops")
        #expect(try await keys.currentKeySet() == signed)
        #expect(try await keys.currentSeq() == later.seq, "the seq handed out stays taken")
    }
}
