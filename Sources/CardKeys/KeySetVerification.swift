import CardToken
import Crypto
import Foundation

/// Why a key set was accepted or refused, in keyset.md §2's order.
public enum KeySetReason: String, Sendable, CaseIterable {
    case ok
    case malformed
    case untrustedRoot = "untrusted_root"
    case badSignature = "bad_signature"
    case rollback
    case stale

    /// What it means, for people.
    public var explanation: String {
        switch self {
        case .ok: "the key set is genuine and current"
        case .malformed: "the document is not a well-formed AlumniCard key set"
        case .untrustedRoot: "it is signed by a key that is not a pinned root"
        case .badSignature: "the signature does not verify under the pinned root"
        case .rollback: "its seq is lower than the key set already held (an old document replayed)"
        case .stale: "it is past its exp"
        }
    }
}

/// The answer for one key set document.
public struct KeySetVerdict: Sendable {
    public let reason: KeySetReason
    /// What was wrong, in words; empty for ok.
    public let detail: String
    /// The document, once it parsed (even when the verdict is not ok).
    public let document: KeySetDocument?
    /// The root whose signature verified.
    public let signer: RootPublicKey?
    /// A new root the document's rotation introduced and a pinned root
    /// endorsed; the verifier pins it from now on.
    public let newRoot: RootPublicKey?

    public var isOK: Bool { reason == .ok }
}

/// Checks key set documents (keyset.md §2): pure; the pinned roots, the
/// held `seq` and the time are passed in.
public struct KeySetVerifier: Sendable {
    public static let type = "alumni-card-keyset+jws"
    public let pinnedRoots: [RootPublicKey]

    public init(pinnedRoots: [RootPublicKey]) { self.pinnedRoots = pinnedRoots }

    public func verify(_ jws: String, heldSeq: UInt64?, now: Int64) -> KeySetVerdict {
        func refuse(_ reason: KeySetReason, _ detail: String, _ document: KeySetDocument? = nil) -> KeySetVerdict {
            KeySetVerdict(reason: reason, detail: detail, document: document, signer: nil, newRoot: nil)
        }
        // 1. malformed: structure, header and payload, before any key is used.
        let parts: CompactJWS.Parts
        switch CompactJWS.parse(jws.trimmingCharacters(in: .whitespacesAndNewlines)) {
        case .success(let parsed): parts = parsed
        case .failure(let why): return refuse(.malformed, why.text)
        }
        let kid: KeyID
        switch CompactJWS.checkHeader(parts.header, type: Self.type) {
        case .success(let id): kid = id
        case .failure(let why): return refuse(.malformed, why.text)
        }
        let document: KeySetDocument
        do {
            document = try JSONDecoder().decode(KeySetDocument.self, from: Data(parts.payload))
        } catch {
            return refuse(.malformed, "the payload is not a key set: \(JSONWebKeySet.describe(error))")
        }
        for key in document.keys {
            guard key.kty == "OKP", key.d == nil, key.k == nil else {
                return refuse(.malformed, "the key set lists a key that is not an Ed25519 public key (kid \(key.kid ?? "absent")); secrets are never published", document)
            }
            do { _ = try TrustedKey(jwk: key) } catch { return refuse(.malformed, error.message, document) }
        }

        // 2. untrusted_root, directly or through an endorsed rotation.
        var signer = pinnedRoots.first { $0.id == kid }
        var newRoot: RootPublicKey?
        if signer == nil {
            guard let rotation = document.rootRotation, let endorsed = endorsedRoot(rotation.endorsement), endorsed.id == kid else {
                return refuse(.untrustedRoot, "the signer \(kid) is not a pinned root\(document.rootRotation == nil ? "" : ", and the document's root rotation is not endorsed by one")", document)
            }
            signer = endorsed
            newRoot = endorsed
        }
        // 3. bad_signature
        guard let signer, parts.signature.count == 64, signer.key.isValidSignature(parts.signature, for: parts.signingInput) else {
            return refuse(.badSignature, "the signature does not verify under root \(kid)", document)
        }
        // 4. rollback; 5. stale.
        if let heldSeq, document.seq < heldSeq {
            return refuse(.rollback, "seq \(document.seq) is lower than the held \(heldSeq)", document)
        }
        if now > document.exp {
            return refuse(.stale, "it expired at \(document.exp), \(now - document.exp) s ago", document)
        }
        return KeySetVerdict(reason: .ok, detail: "", document: document, signer: signer, newRoot: newRoot)
    }

    /// The new root an endorsement by a pinned root names, if it verifies.
    private func endorsedRoot(_ endorsement: String) -> RootPublicKey? {
        guard case .success(let parts) = CompactJWS.parse(endorsement),
              case .success(let kid) = CompactJWS.checkHeader(parts.header, type: RootEndorsement.type),
              let oldRoot = pinnedRoots.first(where: { $0.id == kid }),
              parts.signature.count == 64, oldRoot.key.isValidSignature(parts.signature, for: parts.signingInput),
              let statement = try? JSONDecoder().decode(RootEndorsement.self, from: Data(parts.payload)) else { return nil }
        return try? RootPublicKey(jwk: statement.newRoot)
    }
}

/// Signing key sets and root endorsements with a root key.
public enum KeySetSigner {
    /// The compact JWS of `document` signed by `root` (keyset.md §1).
    public static func sign(_ document: KeySetDocument, with root: RootSigningKey) -> String {
        CompactJWS.sign(payload: document.json(), type: KeySetVerifier.type, by: root)
    }

    /// The old root's endorsement of a new root, for ``RootRotation``.
    public static func endorse(_ newRoot: RootPublicKey, by oldRoot: RootSigningKey, at now: Int64) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = Array(try! encoder.encode(RootEndorsement(newRoot: newRoot.jwk, iat: now)))
        return CompactJWS.sign(payload: payload, type: RootEndorsement.type, by: oldRoot)
    }
}
