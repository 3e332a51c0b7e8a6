/// A day on the proleptic Gregorian calendar, without a time or a zone.
/// Arithmetic goes through the day number (days since 1970-01-01), with
/// the civil-from-days conversion that needs no tables.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Years outside 1900–9999 are refused: nothing here needs them, and the
    /// bound keeps every day number far from overflow.
    public init(year: Int, month: Int, day: Int) throws(AccountRulesError) {
        guard (1900...9999).contains(year), (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw AccountRulesError(.dateInvalid, "\(year)-\(month)-\(day) is not a date between 1900 and 9999")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (with `separator` "-") or `YYYYMMDD` (separator nil).
    public init(parsing text: String, separator: Character? = "-") throws(AccountRulesError) {
        let expected = separator == nil ? 8 : 10
        let characters = Array(text)
        guard characters.count == expected else {
            throw AccountRulesError(.dateInvalid, separator == nil ? "a date is written YYYYMMDD" : "a date is written YYYY-MM-DD")
        }
        var digits = characters
        if let separator {
            guard characters[4] == separator, characters[7] == separator else {
                throw AccountRulesError(.dateInvalid, "a date is written YYYY-MM-DD")
            }
            digits.remove(at: 7)
            digits.remove(at: 4)
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let year = Int(String(digits[0..<4])), let month = Int(String(digits[4..<6])), let day = Int(String(digits[6..<8])) else {
            throw AccountRulesError(.dateInvalid, "a date is written with digits only, YYYY-MM-DD")
        }
        try self.init(year: year, month: month, day: day)
    }

    /// The day `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) throws(AccountRulesError) {
        // Howard Hinnant's civil_from_days, eras of 400 years.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        try self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 1 Monday … 7 Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var isoWeekday: Int {
        let offset = (dayNumber + 3) % 7
        return (offset < 0 ? offset + 7 : offset) + 1
    }

    public var isWeekend: Bool { isoWeekday >= 6 }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) throws(AccountRulesError) -> CalendarDay {
        guard abs(count) <= 3_000_000 else { throw AccountRulesError(.dateInvalid, "\(count) days is out of range") }
        return try CalendarDay(dayNumber: dayNumber + count)
    }

    /// The same day `count` months later (earlier when negative), or the
    /// month's last day when it is shorter (2028-01-31 + 1 month = 2028-02-29).
    public func adding(months count: Int) throws(AccountRulesError) -> CalendarDay {
        guard abs(count) <= 120_000 else { throw AccountRulesError(.dateInvalid, "\(count) months is out of range") }
        let index = year * 12 + (month - 1) + count
        let (newYear, newMonth) = (index / 12, index % 12 + 1)
        guard (1900...9999).contains(newYear) else { throw AccountRulesError(.dateInvalid, "\(count) months from \(self) is past 9999") }
        return try CalendarDay(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, year: newYear)))
    }

    /// `YYYY-MM-DD`.
    public var description: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }

    /// `YYYYMMDD` as a number, as the database keeps dates.
    public var yyyymmdd: Int { year * 10_000 + month * 100 + day }

    public init(yyyymmdd: Int) throws(AccountRulesError) {
        try self.init(year: yyyymmdd / 10_000, month: yyyymmdd / 100 % 100, day: yyyymmdd % 100)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.dayNumber < rhs.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
