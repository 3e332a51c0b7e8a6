import AccountRules
import CardToken
import Foundation
import GRDB

/// Where a digital card application stands (alumni-api.md §7).
public enum CardApplicationStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for staff to record the fee (`cards.issue_on: payment`).
    case awaitingPayment = "awaiting_payment"
    /// The card was issued or renewed.
    case issued
}

/// A digital card application as the API shows it.
public struct CardApplication: Sendable, Equatable {
    public let id: String
    public let holderID: Int64
    public let studentID: String
    public let kind: CardApplicationRules.Kind
    public let status: CardApplicationStatus
    public let feeAmount: Int
    public let currency: String
    /// The card issued (or, before issue, the card a renewal extends).
    public let cardNumber: String?
    public let validThrough: CardDate?
    public let submittedAt: Int64
    public let issuedAt: Int64?
    public let paidAt: Int64?
    public let paidAmount: Int?
    public let paymentReference: String?
    public let paymentRecordedBy: String?
}

/// The mail that confirms a card was issued or renewed.
public struct CardIssuedMail: Sendable {
    public let outbox: MailOutbox
    /// The message for (name, address, card number, valid through, whether
    /// a renewal, the fee still owed in TWD), or nil to send none.
    public let compose: @Sendable (_ name: String, _ email: String, _ number: String, _ validThrough: CardDate, _ renewal: Bool, _ feeOwed: Int) -> OutgoingMail?

    public init(outbox: MailOutbox, compose: @escaping @Sendable (String, String, String, CardDate, Bool, Int) -> OutgoingMail?) {
        self.outbox = outbox
        self.compose = compose
    }
}

/// What the store needs to decide and issue an application.
public struct CardIssuePolicy: Sendable {
    public let rules: CardApplicationRules
    public let numbers: CardNumberScheme
    public let fees: [CardApplicationRules.Kind: Int]
    /// Whether a card is issued when the application is made (`cards.issue_on: submission`) or when it is paid.
    public let issueOnSubmission: Bool

    public init(rules: CardApplicationRules, numbers: CardNumberScheme, fees: [CardApplicationRules.Kind: Int], issueOnSubmission: Bool) {
        self.rules = rules
        self.numbers = numbers
        self.fees = fees
        self.issueOnSubmission = issueOnSubmission
    }
}

struct CardApplicationRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "card_application"
    var id: String
    var holderID: Int64
    var kind: String
    var status: String
    var feeAmount: Int
    var currency: String
    var cardNumber: String?
    var validThrough: Int64?
    var submittedAt: Int64
    var issuedAt: Int64?
    var paidAt: Int64?
    var paidAmount: Int?
    var paymentReference: String?
    var paymentRecordedBy: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, status, currency
        case holderID = "holder_id"
        case feeAmount = "fee_amount"
        case cardNumber = "card_number"
        case validThrough = "valid_through"
        case submittedAt = "submitted_at"
        case issuedAt = "issued_at"
        case paidAt = "paid_at"
        case paidAmount = "paid_amount"
        case paymentReference = "payment_reference"
        case paymentRecordedBy = "payment_recorded_by"
    }

    func application(studentID: String) throws(IssuerStoreError) -> CardApplication {
        guard let kind = CardApplicationRules.Kind(rawValue: kind), let status = CardApplicationStatus(rawValue: status) else {
            throw IssuerStoreError(.corruptRecord, "card application \(id) has an unknown kind or status")
        }
        return CardApplication(
            id: id, holderID: holderID, studentID: studentID, kind: kind, status: status, feeAmount: feeAmount, currency: currency,
            cardNumber: cardNumber, validThrough: validThrough.flatMap { $0 >= 0 ? try? CardDate(yyyymmdd: UInt64($0)) : nil },
            submittedAt: submittedAt, issuedAt: issuedAt, paidAt: paidAt, paidAmount: paidAmount, paymentReference: paymentReference,
            paymentRecordedBy: paymentRecordedBy)
    }
}
