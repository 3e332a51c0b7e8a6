/// What an import did, row by row.
public struct MerchantImportReport: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        case created, updated, unchanged, rejected
    }

    public struct Row: Sendable, Codable, Equatable {
        public let line: Int
        public let merchantID: String?
        public let action: Action
        public let detail: String

        enum CodingKeys: String, CodingKey {
            case line, action, detail
            case merchantID = "merchant_id"
        }

        package init(line: Int, merchantID: String? = nil, action: Action, detail: String) {
            self.line = line
            self.merchantID = merchantID
            self.action = action
            self.detail = detail
        }
    }

    public let rows: [Row]
    /// False after any rejected row (nothing was written) and for a dry run.
    public let applied: Bool

    public var rejected: Int { count(.rejected) }

    public func count(_ action: Action) -> Int { rows.filter { $0.action == action }.count }

    /// "N created, N updated, N unchanged, N rejected", for the audit log and the command line.
    public var summary: String {
        "\(count(.created)) created, \(count(.updated)) updated, \(count(.unchanged)) unchanged, \(rejected) rejected"
    }

    package init(rows: [Row], applied: Bool) {
        self.rows = rows
        self.applied = applied
    }
}
