import AccountRules
import Foundation

/// The directory's CSV: a header row naming the columns `merchant_id`,
/// `name_zh`, `name_en`, `category`, `address`, `offer_zh`, `offer_en`,
/// `valid_from`, `valid_until` (required) and `phone`, `url` (optional;
/// an empty cell is none). Dates are `YYYY-MM-DD`.
public enum MerchantCSV {
    public static let maximumBytes = 4 << 20
    public static let maximumRows = 20_000
    package static let required = ["merchant_id", "name_zh", "name_en", "category", "address", "offer_zh", "offer_en", "valid_from", "valid_until"]
    package static let optional = ["phone", "url"]

    public struct Line: Sendable {
        public let number: Int
        public let merchantID: String?
        public let merchant: Merchant?
        public let problem: String?

        package init(number: Int, merchantID: String? = nil, merchant: Merchant? = nil, problem: String? = nil) {
            self.number = number
            self.merchantID = merchantID
            self.merchant = merchant
            self.problem = problem
        }
    }

    public static func parse(_ data: Data) throws(IssuerStoreError) -> [Line] {
        let table = try CSVTable(data, required: required, optional: optional, maximumBytes: maximumBytes, maximumRows: maximumRows)
        return table.rows.map { row in
            switch row.values {
            case .failure(let problem):
                return Line(number: row.line, merchantID: nil, merchant: nil, problem: problem.message)
            case .success(let values):
                let id = values["merchant_id"].map { String($0.prefix(64)) }
                do throws(Merchant.Problem) {
                    return Line(number: row.line, merchantID: id, merchant: try merchant(values), problem: nil)
                } catch {
                    return Line(number: row.line, merchantID: id, merchant: nil, problem: error.message)
                }
            }
        }
    }

    private static func merchant(_ values: [String: String]) throws(Merchant.Problem) -> Merchant {
        func day(_ column: String) throws(Merchant.Problem) -> CalendarDay {
            do { return try CalendarDay(parsing: values[column] ?? "") } catch {
                throw Merchant.Problem(field: column, message: "\(column) \"\((values[column] ?? "").prefix(20))\" is not a date YYYY-MM-DD")
            }
        }
        func optional(_ column: String) -> String? { values[column].flatMap { $0.isEmpty ? nil : $0 } }
        return try Merchant(id: values["merchant_id"] ?? "", nameChinese: values["name_zh"] ?? "", nameEnglish: values["name_en"] ?? "",
                            category: values["category"] ?? "", address: values["address"] ?? "", phone: optional("phone"), url: optional("url"),
                            offerChinese: values["offer_zh"] ?? "", offerEnglish: values["offer_en"] ?? "",
                            validFrom: try day("valid_from"), validUntil: try day("valid_until"))
    }
}
