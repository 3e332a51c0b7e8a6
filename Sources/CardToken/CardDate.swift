import Foundation

/// A day on the proleptic Gregorian calendar, without a time or a zone:
/// the one calendar-day type of the code base. AC1 writes a card's
/// valid-through as its integer YYYYMMDD (ac1-token.md §3); the centre's
/// rules call it `CalendarDay` (AccountRules) and add what they need
/// (parsing typed dates, adding days and months). Arithmetic goes through
/// the day number (days since 1970-01-01), with the civil-from-days
/// conversion that needs no tables.
public struct CardDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date that exists in the proleptic Gregorian calendar, years 1–9999.
    public init(year: Int, month: Int, day: Int) throws(CardTokenError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw CardTokenError(.invalidClaimValue, "\(year)-\(month)-\(day) is not a calendar date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date from its YYYYMMDD integer, as the card map carries it.
    public init(yyyymmdd value: UInt64) throws(CardTokenError) {
        guard value <= 99_999_999 else {
            throw CardTokenError(.invalidClaimValue, "\(value) is not a YYYYMMDD date")
        }
        try self.init(year: Int(value / 10_000), month: Int(value / 100 % 100), day: Int(value % 100))
    }

    /// A date from its YYYYMMDD number, as the databases keep dates.
    public init(yyyymmdd value: Int) throws(CardTokenError) {
        guard (0...99_999_999).contains(value) else {
            throw CardTokenError(.invalidClaimValue, "\(value) is not a YYYYMMDD date")
        }
        try self.init(yyyymmdd: UInt64(value))
    }

    /// The day `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) throws(CardTokenError) {
        guard abs(dayNumber) <= 4_000_000 else { throw CardTokenError(.invalidClaimValue, "day \(dayNumber) is out of range") }
        let (year, month, day) = Self.civilDate(daysSinceEpoch: Int64(dayNumber))
        try self.init(year: Int(year), month: Int(month), day: Int(day))
    }

    /// Days since 1970-01-01 (negative before), after Howard Hinnant's
    /// `days_from_civil`.
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

    /// A date from `YYYY-MM-DD` (ISO 8601's extended calendar date).
    public init(iso8601 text: String) throws(CardTokenError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }) else {
            throw CardTokenError(.invalidClaimValue, "\"\(text)\" is not a date of the form YYYY-MM-DD")
        }
        try self.init(year: year, month: month, day: day)
    }

    /// The date's YYYYMMDD number (the card map carries it unsigned).
    public var yyyymmdd: Int { year * 10_000 + month * 100 + day }

    /// `YYYY-MM-DD`.
    public var description: String {
        let y = String(year), m = String(month), d = String(day)
        return String(repeating: "0", count: 4 - y.count) + y + "-" + (m.count < 2 ? "0" : "") + m + "-" + (d.count < 2 ? "0" : "") + d
    }

    public static func < (lhs: CardDate, rhs: CardDate) -> Bool { lhs.yyyymmdd < rhs.yyyymmdd }

    /// The days of `month` in `year`.
    public static func days(inMonth month: Int, year: Int) -> Int { daysIn(month: month, year: year) }

    /// The date at `epochSeconds` in `timeZone`, as YYYYMMDD. Pure arithmetic
    /// once the zone's offset is known, so it is cheap enough for every verify.
    public static func yyyymmdd(atEpochSeconds epochSeconds: Int64, in timeZone: TimeZone) -> UInt64 {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epochSeconds))))
        return utcYYYYMMDD(epochSeconds + offset)
    }

    /// Whether a card valid through `validThrough` (YYYYMMDD) has expired at
    /// `epochSeconds` in `timeZone`: its date is before today there.
    ///
    /// Every zone's offset lies within −12 h…+14 h of UTC, so unless the date
    /// is within a day of UTC's, plain arithmetic decides and the zone's
    /// rules (a Foundation look-up) are consulted only near the boundary.
    public static func hasExpired(validThrough: UInt64, atEpochSeconds epochSeconds: Int64, in timeZone: TimeZone) -> Bool {
        let earliestToday = utcYYYYMMDD(epochSeconds - 12 * 3_600)
        let latestToday = utcYYYYMMDD(epochSeconds + 14 * 3_600)
        if validThrough >= latestToday { return false }
        if validThrough < earliestToday { return true }
        return validThrough < yyyymmdd(atEpochSeconds: epochSeconds, in: timeZone)
    }

    private static func utcYYYYMMDD(_ seconds: Int64) -> UInt64 {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return UInt64(max(0, year)) * 10_000 + UInt64(month) * 100 + UInt64(day)
    }

    /// Days since 1970-01-01 to a Gregorian (year, month, day), after Howard
    /// Hinnant's `civil_from_days`: count in 400-year eras of 146,097 days,
    /// with years starting in March so the leap day falls at a year's end.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
