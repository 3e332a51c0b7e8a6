import AccountRules
import Foundation

/// What a submission needs besides the form.
public struct ApplicationSubmission: Sendable {
    public let id: String
    public let form: AccountApplicationForm
    public let nationalID: IdentityNumber
    public let consent: ConsentRecord
    public let statusTokenHash: [UInt8]
    public let reviewDue: Int
    public let documents: [StoredDocument]

    public init(id: String, form: AccountApplicationForm, nationalID: IdentityNumber, consent: ConsentRecord, statusTokenHash: [UInt8],
                reviewDue: Int, documents: [StoredDocument]) {
        self.id = id
        self.form = form
        self.nationalID = nationalID
        self.consent = consent
        self.statusTokenHash = statusTokenHash
        self.reviewDue = reviewDue
        self.documents = documents
    }
}

/// What the store found about an identity before a submission, so the
/// service can choose the mails (never shown to the applicant).
public struct IdentityFacts: Sendable, Equatable {
    /// A holder (activated or only imported), or an open application, has this ID.
    public let known: Bool
    /// The e-mail on file of the holder with this ID, if any.
    public let holderEmail: String?

    package init(known: Bool, holderEmail: String? = nil) {
        self.known = known
        self.holderEmail = holderEmail
    }
}

/// A summary line of the queue.
public struct ApplicationQueueEntry: Sendable, Equatable {
    public let id: String
    public let status: ApplicationStatus
    public let submittedAt: Int64
    public let reviewDue: Int?
    public let chineseName: String
    public let nationalIDMasked: String
    public let records: [EducationRecord]
    public let registrarMatch: String?
    public let knownIdentity: Bool

    package init(id: String, status: ApplicationStatus, submittedAt: Int64, reviewDue: Int? = nil, chineseName: String, nationalIDMasked: String, records: [EducationRecord], registrarMatch: String? = nil, knownIdentity: Bool) {
        self.id = id
        self.status = status
        self.submittedAt = submittedAt
        self.reviewDue = reviewDue
        self.chineseName = chineseName
        self.nationalIDMasked = nationalIDMasked
        self.records = records
        self.registrarMatch = registrarMatch
        self.knownIdentity = knownIdentity
    }
}

/// Where a page of the queue ends: the sort key of its last entry
/// (paused applications last, then by due day, submission and id).
public struct ApplicationQueueCursor: Sendable, Equatable {
    package let paused: Int
    package let reviewDue: Int
    package let submittedAt: Int64
    package let id: String

    /// Parses a cursor this store wrote (`next`); anything else is nil.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 80, parts.count == 4, let paused = Int(parts[0]), (0...1).contains(paused),
              let due = Int(parts[1]), (0...99_991_231).contains(due), let submitted = Int64(parts[2]), submitted >= 0,
              (1...40).contains(parts[3].utf8.count), parts[3].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        self.paused = paused
        reviewDue = due
        submittedAt = submitted
        id = String(parts[3])
    }

    package init(_ entry: ApplicationQueueEntry) {
        paused = entry.reviewDue == nil ? 1 : 0
        reviewDue = entry.reviewDue ?? 0
        submittedAt = entry.submittedAt
        id = entry.id
    }

    public var text: String { "\(paused).\(reviewDue).\(submittedAt).\(id)" }
}

/// One page of the queue, with how many there are in all.
public struct ApplicationQueuePage: Sendable, Equatable {
    public let entries: [ApplicationQueueEntry]
    public let total: Int
    /// Pass as `after` for the next page; nil on the last.
    public let next: ApplicationQueueCursor?

    package init(entries: [ApplicationQueueEntry], total: Int, next: ApplicationQueueCursor? = nil) {
        self.entries = entries
        self.total = total
        self.next = next
    }
}

public enum ApplicationDecision: Sendable {
    /// Opens the account with this student ID (the first password is
    /// the national ID). An imported holder keeps the registrar's name,
    /// e-mail and mobile except the fields in `take` (blanks are always
    /// filled from the application). `onlyIfNothingReplaced` refuses an
    /// approval that would need the applicant's word over the
    /// registrar's: the bulk approval of matches.
    case approve(studentID: String, take: Set<ContactField> = [], onlyIfNothingReplaced: Bool = false)
    case reject(reason: String)
}

/// The account an approval opened, as the mails need it.
public struct OpenedAccount: Sendable, Equatable {
    public let studentID: String
    public let name: String
    /// Where the account's mail goes now.
    public let email: String?
    /// The address on file before, when the approval replaced it.
    public let replacedEmail: String?

    package init(studentID: String, name: String, email: String? = nil, replacedEmail: String? = nil) {
        self.studentID = studentID
        self.name = name
        self.email = email
        self.replacedEmail = replacedEmail
    }
}

/// What the private status link shows.
public struct ApplicationPublicStatus: Sendable, Equatable {
    public let id: String
    public let status: ApplicationStatus
    public let submittedAt: Int64
    public let reviewDue: Int?
    public let workingDaysLeft: Int?
    public let message: String?
    public let documents: [StoredDocument]

    package init(id: String, status: ApplicationStatus, submittedAt: Int64, reviewDue: Int? = nil, workingDaysLeft: Int? = nil, message: String? = nil, documents: [StoredDocument]) {
        self.id = id
        self.status = status
        self.submittedAt = submittedAt
        self.reviewDue = reviewDue
        self.workingDaysLeft = workingDaysLeft
        self.message = message
        self.documents = documents
    }
}
