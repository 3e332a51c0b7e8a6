/// A request under Taiwan's Personal Data Protection Act (Art. 3, 10, 11,
/// 13), alumni-api.md §10.
public enum DataRequestKind: String, Sendable, Codable, CaseIterable {
    /// A copy of everything held (Art. 3 (3)): prepared at once.
    case copy
    /// Supplement or correct (Art. 11 I).
    case correction
    /// Stop collecting, processing or using (Art. 11 III, IV).
    case stopProcessing = "stop_processing"
    /// Delete (Art. 11 III): completing it closes the account.
    case deletion

    /// Art. 13: 15 days for a copy, 30 for the rest, calendar days; an extension adds as much again, once.
    public var statutoryDays: Int { self == .copy ? 15 : 30 }
}

public enum DataRequestStatus: String, Sendable, Codable, CaseIterable {
    case open, completed, refused
}

/// One data request as stored, its free texts unsealed.
public struct DataRequest: Sendable, Equatable {
    public let id: String
    /// Nil once the account it came from is gone from the database.
    public let holderID: Int64?
    public let studentID: String
    public let kind: DataRequestKind
    public let status: DataRequestStatus
    /// What the person wrote (a correction's details).
    public let details: String?
    public let receivedAt: Int64
    /// The statutory due date, `YYYYMMDD` in the issuer's time zone (moved once by an extension).
    public let due: Int
    public let extendedAt: Int64?
    public let extensionReason: String?
    public let decidedAt: Int64?
    public let decidedBy: String?
    /// The completion's note or the refusal's reason.
    public let outcome: String?
    /// A copy's download works until then.
    public let exportUntil: Int64?

    package init(id: String, holderID: Int64?, studentID: String, kind: DataRequestKind, status: DataRequestStatus, details: String?, receivedAt: Int64,
                 due: Int, extendedAt: Int64?, extensionReason: String?, decidedAt: Int64?, decidedBy: String?, outcome: String?, exportUntil: Int64?) {
        self.id = id
        self.holderID = holderID
        self.studentID = studentID
        self.kind = kind
        self.status = status
        self.details = details
        self.receivedAt = receivedAt
        self.due = due
        self.extendedAt = extendedAt
        self.extensionReason = extensionReason
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.outcome = outcome
        self.exportUntil = exportUntil
    }

    /// Open past its due date (`today` as `YYYYMMDD`).
    public func isOverdue(today: Int) -> Bool { status == .open && due < today }
}

/// What a data request's decision does, for ``DataRequestRepository/decide(id:decision:actor:now:mail:)``.
public enum DataRequestDecision: Sendable, Equatable {
    case complete(note: String)
    case refuse(reason: String)
}

/// What completing a deletion left for the caller to do outside the transaction.
public struct AccountClosure: Sendable, Equatable {
    /// The documents to remove from the document store.
    public let documentFiles: [String]
    /// Cards revoked by the closure (the key set lists them).
    public let revokedCards: [String]

    package init(documentFiles: [String], revokedCards: [String]) {
        self.documentFiles = documentFiles
        self.revokedCards = revokedCards
    }
}

/// Everything held about one person, for the copy (alumni-api.md §10).
public struct PersonalDataRecord: Sendable {
    public let details: AccountDetails
    /// The national ID in full: the copy is the person's own.
    public let nationalID: String?
    public let cards: [Card]
    public let cardApplications: [CardApplication]
    public let accountApplications: [AccountApplication]
    public let sessions: [HolderSessionRecord]
    public let dataRequests: [DataRequest]
    /// Audit events whose subject or actor is the person, an application of theirs or a card of theirs.
    public let auditEvents: [AuditEvent]

    package init(details: AccountDetails, nationalID: String?, cards: [Card], cardApplications: [CardApplication],
                 accountApplications: [AccountApplication], sessions: [HolderSessionRecord], dataRequests: [DataRequest], auditEvents: [AuditEvent]) {
        self.details = details
        self.nationalID = nationalID
        self.cards = cards
        self.cardApplications = cardApplications
        self.accountApplications = accountApplications
        self.sessions = sessions
        self.dataRequests = dataRequests
        self.auditEvents = auditEvents
    }
}

/// Where a data request's mail goes: the address on file and the name to greet.
public struct MailRecipient: Sendable, Equatable {
    public let email: String
    public let name: String

    package init(email: String, name: String) {
        self.email = email
        self.name = name
    }
}
