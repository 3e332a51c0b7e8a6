import CardToken

/// What an import did, row by row.
public struct CardImportReport: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        case created, updated, unchanged, rejected
    }

    public struct Row: Sendable, Codable, Equatable {
        public let line: Int
        public let studentID: String?
        public let cardNumber: String?
        public let action: Action
        /// What changed, or why the row was rejected.
        public let detail: String

        enum CodingKeys: String, CodingKey {
            case line, action, detail
            case studentID = "student_id"
            case cardNumber = "card_number"
        }

        package init(line: Int, studentID: String? = nil, cardNumber: String? = nil, action: Action, detail: String) {
            self.line = line
            self.studentID = studentID
            self.cardNumber = cardNumber
            self.action = action
            self.detail = detail
        }
    }

    public let rows: [Row]
    /// Whether the changes were written: false after any rejected row
    /// (nothing is half-imported) and for a dry run.
    public let applied: Bool

    public var rejected: Int { rows.filter { $0.action == .rejected }.count }
    public func count(_ action: Action) -> Int { rows.filter { $0.action == action }.count }

    package init(rows: [Row], applied: Bool) {
        self.rows = rows
        self.applied = applied
    }
}

/// The mail a holder gets when an import gives them a national ID (so a
/// first login) and an address: "your account is open", sent when it
/// opens (diploma date + 2 days for new graduates).
public struct AccountReadyMail: Sendable {
    /// The message for (student ID, name, address), or nil to send none.
    public let compose: @Sendable (_ studentID: String, _ name: String, _ email: String) -> OutgoingMail?
    /// When the account opens, for a diploma date (nil: at once).
    public let opensAt: @Sendable (CardDate?) -> Int64

    public init(compose: @escaping @Sendable (String, String, String) -> OutgoingMail?, opensAt: @escaping @Sendable (CardDate?) -> Int64) {
        self.compose = compose
        self.opensAt = opensAt
    }
}
