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
        case .rollback: "its seq is lower than one already accepted, or equal to it with other contents (an old document replayed)"
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
    /// A new root the document's rotation introduced and a trusted root
    /// endorsed; the verifier trusts it from now on.
    public let newRoot: RootPublicKey?
    /// The root that endorsed ``newRoot``; the verifier stops trusting it.
    public let retiredRoot: RootPublicKey?

    public var isOK: Bool { reason == .ok }
}

/// The rollback floor (keyset.md §2, order 4): the highest `seq` ever
/// accepted and, when known, the SHA-256 of the document accepted with it.
public struct KeySetFloor: Sendable, Equatable, Codable {
    public var seq: UInt64
    /// Hex SHA-256 of the compact JWS accepted at ``seq``.
    public var sha256: String?

    public init(seq: UInt64, sha256: String? = nil) {
        self.seq = seq
        self.sha256 = sha256
    }

    /// The floor after accepting `jws` with `seq` (a lower seq never lowers it).
    public init(accepting jws: String, seq: UInt64) {
        self.init(seq: seq, sha256: Self.digest(jws))
    }

    public static func digest(_ jws: String) -> String {
        Hexadecimal.encode(SHA256.hash(data: Array(Self.canonical(jws).utf8)))
    }

    static func canonical(_ jws: String) -> String { jws.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Checks key set documents (keyset.md §2): pure; the pinned roots, the
/// held `seq` and the time are passed in.
public struct KeySetVerifier: Sendable {
    public static let type = "alumni-card-keyset+jws"
    public let pinnedRoots: [RootPublicKey]

    public init(pinnedRoots: [RootPublicKey]) { self.pinnedRoots = pinnedRoots }

    /// Checks with only the held `seq` known (the key set vectors' form).
    public func verify(_ jws: String, heldSeq: UInt64?, now: Int64) -> KeySetVerdict {
        verify(jws, floor: heldSeq.map { KeySetFloor(seq: $0) }, now: now)
    }

    /// Checks `jws` against the rollback floor at `now`.
    public func verify(_ jws: String, floor: KeySetFloor?, now: Int64) -> KeySetVerdict {
        func refuse(_ reason: KeySetReason, _ detail: String, _ document: KeySetDocument? = nil) -> KeySetVerdict {
            KeySetVerdict(reason: reason, detail: detail, document: document, signer: nil, newRoot: nil, retiredRoot: nil)
        }
        // 1. malformed: structure, header and payload, before any key is used.
        let parts: CompactJWS.Parts
        switch CompactJWS.parse(KeySetFloor.canonical(jws)) {
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
        var retiredRoot: RootPublicKey?
        if signer == nil {
            guard let rotation = document.rootRotation else {
                return refuse(.untrustedRoot, "the signer \(kid) is not a trusted root", document)
            }
            switch endorsement(rotation.endorsement, for: kid, seq: document.seq, now: now) {
            case .failure(let why):
                return refuse(.untrustedRoot, "the signer \(kid) is not a trusted root, and the document's root rotation does not introduce it: \(why.text)", document)
            case .success(let (endorsed, endorser)):
                signer = endorsed
                newRoot = endorsed
                retiredRoot = endorser
            }
        }
        // 3. bad_signature
        guard let signer, parts.signature.count == 64, signer.key.isValidSignature(parts.signature, for: parts.signingInput) else {
            return refuse(.badSignature, "the signature does not verify under root \(kid)", document)
        }
        // 4. rollback; 5. stale.
        if let floor {
            if document.seq < floor.seq {
                return refuse(.rollback, "seq \(document.seq) is lower than \(floor.seq), the highest already accepted", document)
            }
            if document.seq == floor.seq, let held = floor.sha256, held != KeySetFloor.digest(jws) {
                return refuse(.rollback, "seq \(document.seq) was already accepted with other contents; a new document needs a higher seq", document)
            }
        }
        if now > document.exp {
            return refuse(.stale, "it expired at \(document.exp), \(Int128(now) - Int128(document.exp)) s ago", document)
        }
        return KeySetVerdict(reason: .ok, detail: "", document: document, signer: signer, newRoot: newRoot, retiredRoot: retiredRoot)
    }

    private struct EndorsementProblem: Error { let text: String }

    /// The new root an endorsement introduces, and the trusted root that
    /// endorsed it, if the endorsement covers a document by `kid` with `seq` at `now`.
    private func endorsement(_ jws: String, for kid: KeyID, seq: UInt64, now: Int64)
        -> Result<(RootPublicKey, RootPublicKey), EndorsementProblem> {
        guard case .success(let parts) = CompactJWS.parse(jws),
              case .success(let endorserID) = CompactJWS.checkHeader(parts.header, type: RootEndorsement.type) else {
            return .failure(.init(text: "the endorsement is not a well-formed root endorsement JWS"))
        }
        guard let endorser = pinnedRoots.first(where: { $0.id == endorserID }) else {
            return .failure(.init(text: "the endorsement is signed by \(endorserID), which is not a trusted root"))
        }
        guard parts.signature.count == 64, endorser.key.isValidSignature(parts.signature, for: parts.signingInput) else {
            return .failure(.init(text: "the endorsement's signature does not verify under \(endorserID)"))
        }
        guard let statement = try? JSONDecoder().decode(RootEndorsement.self, from: Data(parts.payload)),
              let endorsed = try? RootPublicKey(jwk: statement.newRoot) else {
            return .failure(.init(text: "the endorsement's payload is not a root endorsement (new_root, iat, first_seq, exp)"))
        }
        guard endorsed.id == kid else {
            return .failure(.init(text: "it endorses \(endorsed.id), not the signer \(kid)"))
        }
        guard seq >= statement.firstSeq else {
            return .failure(.init(text: "it covers seq \(statement.firstSeq) and later, not \(seq)"))
        }
        guard now <= statement.exp else {
            return .failure(.init(text: "it expired at \(statement.exp)"))
        }
        return .success((endorsed, endorser))
    }
}

/// Signing key sets and root endorsements with a root key.
public enum KeySetSigner {
    /// The compact JWS of `document` signed by `root` (keyset.md §1).
    public static func sign(_ document: KeySetDocument, with root: RootSigningKey) -> String {
        CompactJWS.sign(payload: document.json(), type: KeySetVerifier.type, by: root)
    }

    /// How long an endorsement introduces its new root by default: long
    /// enough for every offline verifier to sync once (keyset validity plus
    /// offline grace, with room), short enough that it cannot be replayed later.
    public static let defaultEndorsementValidity: Int64 = 30 * 86_400

    /// The old root's endorsement of a new root, for ``RootRotation``,
    /// covering documents with `seq ≥ firstSeq` until `now + validity`.
    public static func endorse(_ newRoot: RootPublicKey, by oldRoot: RootSigningKey, at now: Int64, firstSeq: UInt64,
                               validity: Int64 = defaultEndorsementValidity) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let (exp, overflow) = now.addingReportingOverflow(validity)
        let statement = RootEndorsement(newRoot: newRoot.jwk, iat: now, firstSeq: firstSeq, exp: overflow ? .max : exp)
        let payload = Array(try! encoder.encode(statement))
        return CompactJWS.sign(payload: payload, type: RootEndorsement.type, by: oldRoot)
    }
}
