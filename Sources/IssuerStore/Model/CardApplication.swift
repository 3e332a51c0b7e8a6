import AccountRules
import CardToken

/// Where a digital card application stands (alumni-api.md §7).
public enum CardApplicationStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for staff to record the fee (`cards.issue_on: payment`).
    case awaitingPayment = "awaiting_payment"
    /// The card was issued or renewed.
    case issued
}

/// A digital card application as the API shows it.
public struct CardApplication: Sendable, Equatable {
    /// A new application's ID: `ca-` and 16 characters from an alphabet without look-alikes.
    package static func newID() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        return "ca-" + String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }


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

    package init(id: String, holderID: Int64, studentID: String, kind: CardApplicationRules.Kind, status: CardApplicationStatus, feeAmount: Int, currency: String, cardNumber: String? = nil, validThrough: CardDate? = nil, submittedAt: Int64, issuedAt: Int64? = nil, paidAt: Int64? = nil, paidAmount: Int? = nil, paymentReference: String? = nil, paymentRecordedBy: String? = nil) {
        self.id = id
        self.holderID = holderID
        self.studentID = studentID
        self.kind = kind
        self.status = status
        self.feeAmount = feeAmount
        self.currency = currency
        self.cardNumber = cardNumber
        self.validThrough = validThrough
        self.submittedAt = submittedAt
        self.issuedAt = issuedAt
        self.paidAt = paidAt
        self.paidAmount = paidAmount
        self.paymentReference = paymentReference
        self.paymentRecordedBy = paymentRecordedBy
    }
}

/// The mail that confirms a card was issued or renewed.
public struct CardIssuedMail: Sendable {
    /// The message for (name, address, card number, valid through, whether
    /// a renewal, the fee still owed in TWD), or nil to send none.
    public let compose: @Sendable (_ name: String, _ email: String, _ number: String, _ validThrough: CardDate, _ renewal: Bool, _ feeOwed: Int) -> OutgoingMail?

    public init(compose: @escaping @Sendable (String, String, String, CardDate, Bool, Int) -> OutgoingMail?) {
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
