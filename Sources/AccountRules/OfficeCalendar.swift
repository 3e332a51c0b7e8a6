/// Which days government offices work, from the office-calendar CSV files
/// the Directorate-General of Personnel Administration publishes each year
/// (政府行政機關辦公日曆表): `西元日期,星期,是否放假,備註`, the date as
/// YYYYMMDD, `是否放假` 2 for a day off and 0 for a working day (make-up
/// Saturdays are 0). Days no file covers are working days Monday to Friday
/// (alumni-api.md §6).
public struct OfficeCalendar: Sendable {
    /// The days the files list, each marked working or not.
    private var listed: [Int: Bool] = [:]

    public init() {}

    /// The number of days the files listed.
    public var listedDays: Int { listed.count }

    /// Reads one file's text. A malformed line is an error naming its line
    /// number, so a damaged file never silently changes deadlines. A file
    /// may start with a UTF-8 byte-order mark, as the published ones do.
    public mutating func add(csv text: String, source: String) throws(AccountRulesError) {
        guard text.utf8.count <= 1 << 20 else {
            throw AccountRulesError(.calendarInvalid, "\(source): larger than 1 MiB; an office calendar for a year is about 10 KiB")
        }
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        var parsed: [Int: Bool] = [:]
        for (index, rawLine) in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.trimmingCharacters(in: "\r")
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if index == 0 && fields.first?.trimmingCharacters(in: " ") == "西元日期" { continue }
            guard fields.count >= 3 else {
                throw AccountRulesError(.calendarInvalid, "\(source) line \(index + 1): expected 西元日期,星期,是否放假,備註")
            }
            let day: CalendarDay
            do {
                day = try CalendarDay(parsing: fields[0].trimmingCharacters(in: " \""), separator: nil)
            } catch {
                throw AccountRulesError(.calendarInvalid, "\(source) line \(index + 1): the date is not YYYYMMDD")
            }
            switch fields[2].trimmingCharacters(in: " \"") {
            case "0": parsed[day.dayNumber] = true
            case "2": parsed[day.dayNumber] = false
            default:
                throw AccountRulesError(.calendarInvalid, "\(source) line \(index + 1): 是否放假 is 0 (working day) or 2 (day off)")
            }
        }
        guard !parsed.isEmpty else { throw AccountRulesError(.calendarInvalid, "\(source): lists no days") }
        listed.merge(parsed) { _, new in new }
    }

    /// Whether a file listed `day`.
    public func lists(_ day: CalendarDay) -> Bool { listed[day.dayNumber] != nil }

    public func isWorkingDay(_ day: CalendarDay) -> Bool {
        listed[day.dayNumber] ?? !day.isWeekend
    }

    /// The `count`-th working day after `day` (`day` itself never counts);
    /// `day` when `count` is 0.
    public func addingWorkingDays(_ count: Int, to day: CalendarDay) throws(AccountRulesError) -> CalendarDay {
        guard (0...3_650).contains(count) else {
            throw AccountRulesError(.dateInvalid, "a count of working days is 0–3650, not \(count)")
        }
        var current = day
        var left = count
        while left > 0 {
            current = try current.adding(days: 1)
            if isWorkingDay(current) { left -= 1 }
        }
        return current
    }

    /// The working days after `start` up to and including `end` (0 when
    /// `end` is not after `start`).
    public func workingDays(after start: CalendarDay, through end: CalendarDay) -> Int {
        guard end > start else { return 0 }
        var count = 0
        var current = start
        while current < end {
            guard let next = try? current.adding(days: 1) else { break }
            current = next
            if isWorkingDay(current) { count += 1 }
        }
        return count
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
