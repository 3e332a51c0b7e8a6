// Re-exported: whoever uses AccountRules' days uses CardToken's type and
// its members, without importing the token module by name.
@_exported import CardToken

/// A day as the centre's rules see it: the code base's one calendar-day
/// type (``CardToken/CardDate``), with what the rules add: dates typed by
/// people, read within the centre's years, and days and months added.
public typealias CalendarDay = CardDate

extension CardDate {
    /// The years a date typed by people or kept by the centre may have:
    /// nothing here needs others, and the bound keeps every day number far
    /// from overflow. (A card's valid-through on the wire may be any year
    /// 1–9999; the databases' CHECKs hold 1900 too.)
    public static let centreYears = 1900...9999

    /// A date of the centre's years, from its parts.
    public init(centreYear year: Int, month: Int, day: Int) throws(AccountRulesError) {
        guard Self.centreYears.contains(year), let date = try? CardDate(year: year, month: month, day: day) else {
            throw AccountRulesError(.dateInvalid, "\(year)-\(month)-\(day) is not a date between 1900 and 9999")
        }
        self = date
    }

    /// Parses `YYYY-MM-DD` (with `separator` "-") or `YYYYMMDD` (separator
    /// nil), within the centre's years.
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
        try self.init(centreYear: year, month: month, day: day)
    }

    /// The day `count` days later (earlier when negative), within the centre's years.
    public func adding(days count: Int) throws(AccountRulesError) -> CardDate {
        guard abs(count) <= 3_000_000, let date = try? CardDate(dayNumber: dayNumber + count), Self.centreYears.contains(date.year) else {
            throw AccountRulesError(.dateInvalid, "\(count) days from \(self) is out of range")
        }
        return date
    }

    /// The same day `count` months later (earlier when negative), or the
    /// month's last day when it is shorter (2028-01-31 + 1 month = 2028-02-29).
    public func adding(months count: Int) throws(AccountRulesError) -> CardDate {
        guard abs(count) <= 120_000 else { throw AccountRulesError(.dateInvalid, "\(count) months is out of range") }
        let index = year * 12 + (month - 1) + count
        let (newYear, newMonth) = (index / 12, index % 12 + 1)
        guard Self.centreYears.contains(newYear) else { throw AccountRulesError(.dateInvalid, "\(count) months from \(self) is past 9999") }
        return try CardDate(centreYear: newYear, month: newMonth, day: min(day, Self.days(inMonth: newMonth, year: newYear)))
    }
}
