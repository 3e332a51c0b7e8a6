@testable import CardKeys
import CardToken
import Foundation
import TestSupport
import Testing

/// Root rotation: a document signed by the new root and carrying the old
/// root's endorsement is accepted by verifiers that pin only the old root.
@Suite(.onItsOwnThread) struct RootRotationTests {
    static let now: Int64 = 1_764_061_200

    static func document(seq: UInt64, rotation: RootRotation? = nil) -> KeySetDocument {
        KeySetDocument(iss: "ntu-alumni", seq: seq, iat: now, exp: now + 86_400, keys: [], revokedCards: [], rootRotation: rotation)
    }

    @Test func anEndorsedNewRootIsAcceptedAndLearned() {
        let old = RootSigningKey.generate(), new = RootSigningKey.generate()
        let endorsement = KeySetSigner.endorse(new.publicKey, by: old, at: Self.now, firstSeq: 1)
        let jws = KeySetSigner.sign(Self.document(seq: 7, rotation: RootRotation(endorsement: endorsement)), with: new)

        let pinningOld = KeySetVerifier(pinnedRoots: [old.publicKey]).verify(jws, heldSeq: 6, now: Self.now)
        #expect(pinningOld.reason == .ok)
        #expect(pinningOld.newRoot == new.publicKey)
        #expect(pinningOld.retiredRoot == old.publicKey)
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
        let byStranger = KeySetSigner.endorse(new.publicKey, by: stranger, at: Self.now, firstSeq: 1)
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: byStranger)), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
        // The old root endorsed another key than the signer.
        let forOther = KeySetSigner.endorse(stranger.publicKey, by: old, at: Self.now, firstSeq: 1)
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: forOther)), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
        // An endorsement with a flipped signature bit.
        var tampered = Array(KeySetSigner.endorse(new.publicKey, by: old, at: Self.now, firstSeq: 1))
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 1, rotation: RootRotation(endorsement: String(tampered))), with: new),
                                heldSeq: nil, now: Self.now).reason == .untrustedRoot)
    }

    @Test func anEndorsementCoversOnlyItsFirstSeqOnwardAndUntilItsExpiry() {
        let old = RootSigningKey.generate(), new = RootSigningKey.generate()
        let verifier = KeySetVerifier(pinnedRoots: [old.publicKey])
        let endorsement = RootRotation(endorsement: KeySetSigner.endorse(new.publicKey, by: old, at: Self.now, firstSeq: 10, validity: 3_600))
        func check(seq: UInt64, at now: Int64) -> KeySetVerdict {
            var document = Self.document(seq: seq, rotation: endorsement)
            document.iat = now
            document.exp = now + 86_400
            return verifier.verify(KeySetSigner.sign(document, with: new), heldSeq: nil, now: now)
        }
        #expect(check(seq: 10, at: Self.now).reason == .ok)
        #expect(check(seq: 9, at: Self.now).reason == .untrustedRoot)
        #expect(check(seq: 11, at: Self.now + 3_600).reason == .ok)
        // An old, public endorsement replayed later introduces nothing.
        let replayed = check(seq: 50, at: Self.now + 3_601)
        #expect(replayed.reason == .untrustedRoot)
        #expect(replayed.detail.contains("expired"))
    }

    @Test func anEndorsementWithoutItsBindingIsNotAccepted() throws {
        let old = RootSigningKey.generate(), new = RootSigningKey.generate()
        // The earlier form: only the new root and iat, no first_seq or exp.
        struct Unbound: Encodable { let new_root: JSONWebKey; let iat: Int64 }
        let payload = Array(try JSONEncoder().encode(Unbound(new_root: new.publicKey.jwk, iat: Self.now)))
        let endorsement = CompactJWS.sign(payload: payload, type: RootEndorsement.type, by: old)
        let jws = KeySetSigner.sign(Self.document(seq: 3, rotation: RootRotation(endorsement: endorsement)), with: new)
        #expect(KeySetVerifier(pinnedRoots: [old.publicKey]).verify(jws, heldSeq: nil, now: Self.now).reason == .untrustedRoot)
    }

    @Test func aDifferentDocumentWithTheHeldSeqIsRefused() {
        let root = RootSigningKey.generate()
        let verifier = KeySetVerifier(pinnedRoots: [root.publicKey])
        let held = KeySetSigner.sign(Self.document(seq: 11), with: root)
        var other = Self.document(seq: 11)
        other.revokedCards = ["A000000017"]
        let floor = KeySetFloor(accepting: held, seq: 11)
        #expect(verifier.verify(held, floor: floor, now: Self.now).reason == .ok)
        #expect(verifier.verify(held + "\n", floor: floor, now: Self.now).reason == .ok)
        let swapped = verifier.verify(KeySetSigner.sign(other, with: root), floor: floor, now: Self.now)
        #expect(swapped.reason == .rollback)
        #expect(verifier.verify(KeySetSigner.sign(Self.document(seq: 12), with: root), floor: floor, now: Self.now).reason == .ok)
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
