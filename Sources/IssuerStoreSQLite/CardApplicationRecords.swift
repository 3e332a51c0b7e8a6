import IssuerStore
import AccountRules
import CardToken
import Foundation
import GRDB

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
