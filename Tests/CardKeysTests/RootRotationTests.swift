import CardKeys
import CardToken
import Foundation
import Testing

/// Root rotation: a document signed by the new root and carrying the old
/// root's endorsement is accepted by verifiers that pin only the old root.
@Suite struct RootRotationTests {
    static let now: Int64 = 1_764_061_200

    static func document(seq: UInt64, rotation: RootRotation? = nil) -> KeySetDocument {
        KeySetDocument(iss: "ntu-alumni", seq: seq, iat: now, exp: now + 86_400, keys: [], revokedCards: [], rootRotation: rotation)
    }

    @Test func anEndorsedNewRootIsAcceptedAndLearned() {
        let old = RootSigningKey.generate(), new = RootSigningKey.generate()
        let endorsement = KeySetSigner.endorse(new.publicKey, by: old, at: Self.now)
        let jws = KeySetSigner.sign(Self.document(seq: 7, rotation: RootRotation(endorsement: endorsement)), with: new)

        let pinningOld = KeySetVerifier(pinnedRoots: [old.publicKey]).verify(jws, heldSeq: 6, now: Self.now)
        #expect(pinningOld.reason == .ok)
        #expect(pinningOld.newRoot == new.publicKey)
        let pinningNew = KeySetVerifier(pinnedRoots: [new.publicKey]).verify(jws, heldSeq: nil, now: Self.now)
        #expect(pinningNew.reason == .ok)
        #expect(pinningNew.newRoot == nil)
        // Once learned, plain documents from the new root verify.
        let later = KeySetSigner.sign(Self.document(seq: 8), with: new)
        #expect(KeySetVerifier(pinnedRoots: [old.publicKey, new.publicKey]).verify(later, heldSeq: 7, now: Self.now).reason == .ok)
    }

    @Test func unendorsedOrMisendorsedRootsAreUntrusted() {
        let old = RootSigningKey.generate(), new = RootSigningKey.generate(), stranger = RootSigningKey.generate()
        let verifier = KeySetVerifier(pinnedRoots: [old.publicKey])
        // No endorsement.
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1), with: new), heldSeq: nil, now: Self.now).reason == .untrustedRoot)
        // Endorsed by a key nobody pinned.
        let byStranger = KeySetSigner.endorse(new.publicKey, by: stranger, at: Self.now)
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: byStranger)), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
        // The old root endorsed another key than the signer.
        let forOther = KeySetSigner.endorse(stranger.publicKey, by: old, at: Self.now)
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: forOther)), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
        // An endorsement with a flipped signature bit.
        var tampered = Array(KeySetSigner.endorse(new.publicKey, by: old, at: Self.now))
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: String(tampered))), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
    }

    @Test func publishedSecretsAndJunkAreMalformed() {
        let root = RootSigningKey.generate()
        let verifier = KeySetVerifier(pinnedRoots: [root.publicKey])
        var withSecret = Self.document(seq: 1)
        withSecret.keys = [JSONWebKey(kty: "oct", alg: "HS256", kid: "AAAAAAAAAAA", k: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0")]
        #expect(verifier.verify(KeySetSigner.sign(withSecret, with: root), heldSeq: nil, now: Self.now).reason == .malformed)
        for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!", String(repeating: "A", count: 2 << 20)] {
            #expect(verifier.verify(junk, heldSeq: nil, now: Self.now).reason == .malformed)
        }
    }
}
