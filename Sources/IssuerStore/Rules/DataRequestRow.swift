import Foundation

/// A data request's stored columns, as every backend keeps them, and the
/// rules both backends share: the id, sealing its free texts (bound to the
/// request's id), and what a closed account keeps.
package struct DataRequestRow: Sendable {
    package var id: String
    package var holderID: Int64?
    package var studentID: String
    package var kind: String
    package var status: String
    package var sealedDetails: Data?
    package var receivedAt: Int64
    package var due: Int64
    package var extendedAt: Int64?
    package var sealedExtensionReason: Data?
    package var decidedAt: Int64?
    package var decidedBy: String?
    package var sealedOutcome: Data?
    package var exportUntil: Int64?

    package init(id: String, holderID: Int64?, studentID: String, kind: String, status: String, sealedDetails: Data?, receivedAt: Int64, due: Int64,
                 extendedAt: Int64?, sealedExtensionReason: Data?, decidedAt: Int64?, decidedBy: String?, sealedOutcome: Data?, exportUntil: Int64?) {
        self.id = id
        self.holderID = holderID
        self.studentID = studentID
        self.kind = kind
        self.status = status
        self.sealedDetails = sealedDetails
        self.receivedAt = receivedAt
        self.due = due
        self.extendedAt = extendedAt
        self.sealedExtensionReason = sealedExtensionReason
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.sealedOutcome = sealedOutcome
        self.exportUntil = exportUntil
    }

    /// `dr-` and 16 characters without look-alikes.
    package static func newID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        return "dr-" + String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    package static func seal(_ text: String?, _ field: String, id: String, seal: PersonalDataSeal) -> Data? {
        text.map { seal.seal($0, field: "data_request_\(field)", studentID: id) }
    }

    package func request(seal: PersonalDataSeal) throws(IssuerStoreError) -> DataRequest {
        guard let kind = DataRequestKind(rawValue: kind), let status = DataRequestStatus(rawValue: status) else {
            throw IssuerStoreError(.corruptRecord, "data request \(id) has an unknown kind or status")
        }
        func open(_ sealed: Data?, _ field: String) throws(IssuerStoreError) -> String? {
            try sealed.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "data_request_\(field)", studentID: id) }
        }
        return DataRequest(id: id, holderID: holderID, studentID: studentID, kind: kind, status: status, details: try open(sealedDetails, "details"),
                           receivedAt: receivedAt, due: Int(due), extendedAt: extendedAt, extensionReason: try open(sealedExtensionReason, "extension"),
                           decidedAt: decidedAt, decidedBy: decidedBy, outcome: try open(sealedOutcome, "outcome"), exportUntil: exportUntil)
    }

    /// The one extension the Act allows, with its reason sealed; returns its audit entry.
    package mutating func extend(reason: String, newDue: Int, actor: String, now: Int64, seal: PersonalDataSeal) throws(IssuerStoreError) -> AuditEvent {
        guard extendedAt == nil else { throw IssuerStoreError(.invalidChange, "data request \(id) was extended once already; the Act allows one extension") }
        extendedAt = now
        due = Int64(newDue)
        sealedExtensionReason = Self.seal(reason, "extension", id: id, seal: seal)
        return AuditEvent(at: now, actor: actor, action: "data_request_extended", subject: id, detail: "due \(newDue)")
    }

    /// Staff's decision, its note or reason sealed; returns its audit entry.
    package mutating func decide(_ decision: DataRequestDecision, actor: String, now: Int64, seal: PersonalDataSeal) -> AuditEvent {
        let text: String
        switch decision {
        case .complete(let note): (status, text) = (DataRequestStatus.completed.rawValue, note)
        case .refuse(let reason): (status, text) = (DataRequestStatus.refused.rawValue, reason)
        }
        decidedAt = now
        decidedBy = actor
        sealedOutcome = Self.seal(text, "outcome", id: id, seal: seal)
        return AuditEvent(at: now, actor: actor, action: "data_request_\(status)", subject: id, detail: kind)
    }

    /// The name a closed account keeps: not the person's, so nothing of them is left to open.
    package static let closedAccountName = "（已刪除 deleted）"
    /// Why a closure revoked the cards (the key set and the audit say so).
    package static let closureReason = "account closed at the holder's request (personal data deletion)"
}
