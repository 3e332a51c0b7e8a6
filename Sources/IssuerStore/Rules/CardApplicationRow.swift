import AccountRules
import CardToken
import Foundation

/// A card application's stored columns, as every backend keeps them (coding keys: the columns).
package struct CardApplicationRow: Codable, Equatable, Sendable {
    package var id: String
    package var holderID: Int64
    package var kind: String
    package var status: String
    package var feeAmount: Int
    package var currency: String
    package var cardNumber: String?
    package var validThrough: Int64?
    package var submittedAt: Int64
    package var issuedAt: Int64?
    package var paidAt: Int64?
    package var paidAmount: Int?
    package var paymentReference: String?
    package var paymentRecordedBy: String?

    package init(id: String, holderID: Int64, kind: String, status: String, feeAmount: Int, currency: String, cardNumber: String?,
                 validThrough: Int64?, submittedAt: Int64, issuedAt: Int64? = nil, paidAt: Int64? = nil, paidAmount: Int? = nil,
                 paymentReference: String? = nil, paymentRecordedBy: String? = nil) {
        self.id = id
        self.holderID = holderID
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

    package enum CodingKeys: String, CodingKey {
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

    /// The application, or the refusal to read a row whose kind or status is unknown.
    package func application(studentID: String) throws(IssuerStoreError) -> CardApplication {
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
