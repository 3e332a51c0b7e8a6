import AccountRules
import CardToken
import Foundation

/// One holder and card as the registrar's CSV gives them.
public struct RegistrarRow: Sendable, Equatable {
    public var studentID: String
    public var displayName: String
    /// The address, or nil for none (an empty cell clears a stored one).
    public var email: String?
    /// False when the file has no `email` column: the stored address stays.
    public var emailGiven: Bool
    /// The card, or nil for a holder with no card yet (both cells empty,
    /// or no such columns).
    public var cardNumber: CardNumber?
    public var validThrough: CardDate?
    /// The card's status; nil when the file gives none (no `status` column,
    /// or an empty cell): an existing card keeps its status, so a routine
    /// export never lifts an operator's suspension; a new card is active.
    public var status: CardStatus?
    /// The holder's identity number (the first password), if given.
    public var nationalID: IdentityNumber?
    public var mobile: TaiwanMobileNumber?
    /// When the diploma was received: a new graduate logs in from two days after.
    public var diplomaDate: CardDate?
    /// `physical` or `digital`; nil keeps an existing card's kind (new cards: digital).
    public var cardKind: CardKind?

    public init(studentID: String, displayName: String, email: String?, emailGiven: Bool = true, cardNumber: CardNumber?,
                validThrough: CardDate?, status: CardStatus? = nil, nationalID: IdentityNumber? = nil, mobile: TaiwanMobileNumber? = nil,
                diplomaDate: CardDate? = nil, cardKind: CardKind? = nil) {
        self.studentID = studentID
        self.displayName = displayName
        self.email = email
        self.emailGiven = emailGiven
        self.cardNumber = cardNumber
        self.validThrough = validThrough
        self.status = status
        self.nationalID = nationalID
        self.mobile = mobile
        self.diplomaDate = diplomaDate
        self.cardKind = cardKind
    }
}

/// The registrar's CSV (RFC 4180: commas, double-quoted fields, CRLF or
/// LF), with a header row naming the columns:
///
/// | column | required | content |
/// | --- | --- | --- |
/// | `student_id` | yes | 1–32 letters, digits or `-` |
/// | `display_name` | yes | the holder's full name, 1–64 UTF-8 bytes |
/// | `email` | no | an address with one `@`, at most 254 bytes |
/// | `card_number` | no | 1–32 bytes: `A-Z`, `0-9`, `-` |
/// | `valid_through` | no | `YYYY-MM-DD`; given exactly when `card_number` is |
/// | `status` | no | `active`, `suspended` or `revoked` |
/// | `national_id` | no | an identity number (alumni-api.md §1): the first password |
/// | `mobile` | no | a Taiwan mobile number |
/// | `diploma_date` | no | `YYYY-MM-DD`: the account opens two days later |
/// | `card_kind` | no | `physical` or `digital` (the default) |
///
/// An import changes only what it carries: without an `email` column the
/// stored addresses stay, and an empty `email` cell clears one; without a
/// `status` column (or with an empty cell) an existing card keeps its
/// status and a new card is `active`. Lifting a suspension takes an
/// explicit `active`.
///
/// Parsing is bounded (size, rows, field length) and never stops at the
/// first bad row: every line gets its own verdict.
public enum RegistrarCSV {
    public static let maximumBytes = 16 << 20
    public static let maximumRows = 200_000

    package static let required = ["student_id", "display_name"]
    package static let optional = ["card_number", "valid_through", "email", "status", "national_id", "mobile", "diploma_date", "card_kind"]

    /// A data line: its number in the file (the header is line 1) and
    /// either a row or what is wrong with it.
    public struct Line: Sendable {
        public let number: Int
        public let row: RegistrarRow?
        public let problem: String?

        package init(number: Int, row: RegistrarRow? = nil, problem: String? = nil) {
            self.number = number
            self.row = row
            self.problem = problem
        }
    }

    /// Parses the whole file. Throws only for problems with the file as a
    /// whole (size, encoding, quoting, header); row problems are reported
    /// per line.
    public static func parse(_ data: Data) throws(IssuerStoreError) -> [Line] {
        let table = try CSVTable(data, required: required, optional: optional, maximumBytes: maximumBytes, maximumRows: maximumRows)
        return table.rows.map { record in
            switch record.values {
            case .failure(let problem): return Line(number: record.line, row: nil, problem: problem.message)
            case .success(let values):
                switch row(values) {
                case .success(let parsed): return Line(number: record.line, row: parsed, problem: nil)
                case .failure(let problem): return Line(number: record.line, row: nil, problem: problem.message)
                }
            }
        }
    }


    private static func row(_ values: [String: String]) -> Result<RegistrarRow, CSVTable.Problem> {
        let studentID = values["student_id", default: ""]
        guard (1...32).contains(studentID.utf8.count), studentID.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
            return .failure(CSVTable.Problem(message: "student_id \"\(studentID.prefix(40))\" must be 1–32 letters, digits or '-'"))
        }
        let name = values["display_name", default: ""]
        guard (1...64).contains(name.utf8.count), PersonName.isAcceptable(name) else {
            return .failure(CSVTable.Problem(message: "display_name must be 1–64 UTF-8 bytes without control or invisible formatting characters"))
        }
        var email: String?
        let emailGiven = values["email"] != nil
        if let text = values["email"], !text.isEmpty {
            guard let address = try? EmailAddress(text) else {
                return .failure(CSVTable.Problem(message: "email \"\(text.prefix(60))\" is not an address like name@example.org"))
            }
            email = address.text
        }
        let numberText = values["card_number", default: ""]
        let dateText = values["valid_through", default: ""]
        guard numberText.isEmpty == dateText.isEmpty else {
            return .failure(CSVTable.Problem(message: "card_number and valid_through are given together, or both left empty for a holder with no card yet"))
        }
        var number: CardNumber?
        var date: CardDate?
        if !numberText.isEmpty {
            guard numberText.utf8.allSatisfy({ isUpperOrDigit($0) || $0 == UInt8(ascii: "-") }), let parsed = try? CardNumber(numberText) else {
                return .failure(CSVTable.Problem(message: "card_number \"\(numberText.prefix(40))\" must be 1–32 characters A–Z, 0–9 or '-'"))
            }
            guard let parsedDate = try? CardDate(iso8601: dateText) else {
                return .failure(CSVTable.Problem(message: "valid_through \"\(dateText.prefix(20))\" is not a date YYYY-MM-DD"))
            }
            number = parsed
            date = parsedDate
        }
        var nationalID: IdentityNumber?
        if let text = values["national_id"], !text.isEmpty {
            // The message never repeats the number: reports are shown and logged.
            do { nationalID = try IdentityNumber(text) } catch {
                return .failure(CSVTable.Problem(message: "national_id is not a valid identity number: \(error.message)"))
            }
        }
        var mobile: TaiwanMobileNumber?
        if let text = values["mobile"], !text.isEmpty {
            do { mobile = try TaiwanMobileNumber(text) } catch {
                return .failure(CSVTable.Problem(message: "mobile: \(error.message)"))
            }
        }
        var diplomaDate: CardDate?
        if let text = values["diploma_date"], !text.isEmpty {
            guard let parsed = try? CardDate(iso8601: text) else {
                return .failure(CSVTable.Problem(message: "diploma_date \"\(text.prefix(20))\" is not a date YYYY-MM-DD"))
            }
            diplomaDate = parsed
        }
        var kind: CardKind?
        if let text = values["card_kind"], !text.isEmpty {
            guard let parsed = CardKind(rawValue: text.lowercased()) else {
                return .failure(CSVTable.Problem(message: "card_kind \"\(text.prefix(20))\" is not physical or digital"))
            }
            kind = parsed
        }
        var status: CardStatus?
        if let text = values["status"], !text.isEmpty {
            guard let parsed = CardStatus(rawValue: text.lowercased()) else {
                return .failure(CSVTable.Problem(message: "status \"\(text.prefix(20))\" is not active, suspended or revoked"))
            }
            status = parsed
        }
        if number == nil && (status != nil || kind != nil) {
            return .failure(CSVTable.Problem(message: "status and card_kind describe a card; give card_number and valid_through too"))
        }
        return .success(RegistrarRow(studentID: studentID, displayName: name, email: email, emailGiven: emailGiven,
                                     cardNumber: number, validThrough: date, status: status, nationalID: nationalID, mobile: mobile,
                                     diplomaDate: diplomaDate, cardKind: kind))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isUpperOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
    }
}
