import IssuerStore
import CardKeys
import CardToken
import Foundation
import GRDB

/// A row of `signing_key`: a managed key and its sealed private part.
struct SigningKeyRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "signing_key"

    var kid: String
    var alg: Int64
    var state: String
    var publicKey: Data?
    var sealedPrivateKey: Data
    var publishedAt: Int64
    var notBefore: Int64
    var notAfter: Int64
    var plannedHandoff: Int64
    var activatedAt: Int64?
    var retiredAt: Int64?
    var revokedAt: Int64?
    var revocationReason: String?
    var removedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case kid, alg, state
        case publicKey = "public_key"
        case sealedPrivateKey = "sealed_private_key"
        case publishedAt = "published_at"
        case notBefore = "not_before"
        case notAfter = "not_after"
        case plannedHandoff = "planned_handoff"
        case activatedAt = "activated_at"
        case retiredAt = "retired_at"
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
        case removedAt = "removed_at"
    }

    init(_ key: ManagedKey, sealedPrivateKey: Data) {
        kid = key.id.base64URL
        alg = key.algorithm.rawValue
        state = key.state.rawValue
        publicKey = key.publicKey.map { Data($0) }
        self.sealedPrivateKey = sealedPrivateKey
        publishedAt = key.publishedAt
        notBefore = key.notBefore
        notAfter = key.notAfter
        plannedHandoff = key.plannedHandoff
        activatedAt = key.activatedAt
        retiredAt = key.retiredAt
        revokedAt = key.revokedAt
        revocationReason = key.revocationReason
        removedAt = key.removedAt
    }

    /// Copies the ring's view of the key onto the row, keeping the sealed
    /// key until the key is removed: then it is erased (crypto-shredding),
    /// so a later copy of the database and the KEK reveals no old key.
    mutating func update(from key: ManagedKey) {
        let sealed = key.state == .removed ? Data() : sealedPrivateKey
        self = SigningKeyRecord(key, sealedPrivateKey: sealed)
    }

    func managedKey() throws(IssuerStoreError) -> ManagedKey {
        try KeyStorageRules.managedKey(kid: kid, alg: alg, state: state, publicKey: publicKey, publishedAt: publishedAt, notBefore: notBefore,
                                       notAfter: notAfter, plannedHandoff: plannedHandoff, activatedAt: activatedAt, retiredAt: retiredAt,
                                       revokedAt: revokedAt, revocationReason: revocationReason, removedAt: removedAt)
    }

    /// What the seal is bound to (``KeyStorageRules/sealContext(kid:alg:)``).
    static func sealContext(kid: String, alg: Int64) -> [UInt8] { KeyStorageRules.sealContext(kid: kid, alg: alg) }
}

/// The single row of `keyset_state`.
struct KeySetStateRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "keyset_state"
    var id: Int64 = 1
    var seq: Int64
    var document: String?
    var signedAt: Int64?
    var kekCheck: Data

    enum CodingKeys: String, CodingKey {
        case id, seq, document
        case signedAt = "signed_at"
        case kekCheck = "kek_check"
    }
}

/// An audit entry is a row of `audit_event`.
extension AuditEvent: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_event"
}
