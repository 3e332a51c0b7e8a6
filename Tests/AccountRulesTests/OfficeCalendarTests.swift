import AccountRules
import Testing

@Suite struct OfficeCalendarTests {
    func day(_ text: String) throws -> CalendarDay { try CalendarDay(parsing: text) }

    /// A week around a holiday and a make-up Saturday, as the published files write it.
    let sample = """
        \u{FEFF}西元日期,星期,是否放假,備註
        20240208,四,2,農曆除夕
        20240209,五,2,春節
        20240210,六,2,
        20240211,日,2,
        20240212,一,0,
        20240217,六,0,補行上班
        20241231,二,0,
        """

    @Test func holidaysAndMakeUpSaturdaysComeFromTheFile() throws {
        var calendar = OfficeCalendar()
        try calendar.add(csv: sample, source: "sample.csv")
        #expect(calendar.listedDays == 7)
        #expect(!calendar.isWorkingDay(try day("2024-02-08")))
        #expect(calendar.isWorkingDay(try day("2024-02-17")))
        // Thursday 7 February: 1 working day later is Monday 12 February.
        #expect(try calendar.addingWorkingDays(1, to: try day("2024-02-07")) == (try day("2024-02-12")))
        // From Monday 12: 13, 14, 15, 16, Saturday 17 (make-up), 19, 20.
        #expect(try calendar.addingWorkingDays(7, to: try day("2024-02-12")) == (try day("2024-02-20")))
    }

    @Test func daysOutsideTheFilesAreWeekdays() throws {
        let calendar = OfficeCalendar()
        // Friday 2026-12-25 → seven weekdays later crosses the year.
        #expect(try calendar.addingWorkingDays(7, to: try day("2026-12-25")) == (try day("2027-01-05")))
        #expect(try calendar.addingWorkingDays(0, to: try day("2026-12-26")) == (try day("2026-12-26")))
        #expect(calendar.workingDays(after: try day("2026-12-25"), through: try day("2027-01-05")) == 7)
    }

    @Test func theYearBoundaryUsesEachYearsFile() throws {
        var calendar = OfficeCalendar()
        try calendar.add(csv: sample, source: "2024.csv")
        try calendar.add(csv: "西元日期,星期,是否放假,備註\n20250101,三,2,開國紀念日\n", source: "2025.csv")
        // Tuesday 31 December 2024 (listed, working); 1 January 2025 is off.
        #expect(try calendar.addingWorkingDays(1, to: try day("2024-12-31")) == (try day("2025-01-02")))
    }

    @Test(arguments: [
        "西元日期,星期,是否放假,備註\n2024020,四,2,\n",
        "西元日期,星期,是否放假,備註\n20240230,五,2,\n",
        "西元日期,星期,是否放假,備註\n20240208,四,1,\n",
        "西元日期,星期,是否放假,備註\n20240208\n",
        "西元日期,星期,是否放假,備註\n",
    ])
    func aDamagedFileIsRefused(text: String) {
        var calendar = OfficeCalendar()
        #expect(throws: AccountRulesError(.calendarInvalid, "")) { try calendar.add(csv: text, source: "bad.csv") }
    }

    @Test func calendarDaysRoundTripThroughDayNumbers() throws {
        for number in stride(from: -25_000, through: 2_900_000, by: 997) {
            let day = try CalendarDay(dayNumber: number)
            #expect(day.dayNumber == number)
        }
        #expect(try day("1970-01-01").isoWeekday == 4)
        #expect(try day("2026-12-02").isoWeekday == 3)
        #expect(throws: AccountRulesError(.dateInvalid, "")) { try CalendarDay(parsing: "2025-02-29") }
        #expect(try day("2024-02-29").description == "2024-02-29")
    }
}

/// Issue #26: one calendar-day type. The centre's days are CardToken's
/// dates; the rules add reading typed dates within the centre's years.
@Suite("One calendar-day type")
struct OneCalendarDayTests {
    @Test func theCentresDaysAreTheCardsDates() throws {
        let typed: CalendarDay = try CalendarDay(parsing: "2027-03-01")
        let wire: CardDate = try CardDate(yyyymmdd: UInt64(20270301))
        #expect(typed == wire, "one type: no conversion between them")
        #expect(try typed.adding(days: -1) == CardDate(iso8601: "2027-02-28"))
        #expect(try CardDate(dayNumber: typed.dayNumber) == typed && typed.isoWeekday == 1, "2027-03-01 is a Monday")
        #expect(try CardDate(yyyymmdd: 20270301) == typed)
    }

    @Test func typedDatesKeepTheCentresYearsAndTheWireKeepsItsOwn() throws {
        #expect(throws: AccountRulesError(.dateInvalid, "")) { try CalendarDay(parsing: "1899-12-31") }
        #expect(throws: AccountRulesError(.dateInvalid, "")) { try CalendarDay(centreYear: 1899, month: 12, day: 31) }
        #expect(throws: AccountRulesError(.dateInvalid, "")) { try CalendarDay(parsing: "1900-01-01").adding(days: -1) }
        #expect(try CardDate(year: 1, month: 1, day: 1).description == "0001-01-01", "the wire format's years are 1–9999")
        #expect(throws: CardTokenError.self) { try CardDate(year: 10_000, month: 1, day: 1) }
        // Day numbers and dates agree everywhere the centre counts.
        for number in stride(from: try CalendarDay(parsing: "1900-01-01").dayNumber, through: try CalendarDay(parsing: "2200-12-31").dayNumber, by: 97) {
            #expect(try CardDate(dayNumber: number).dayNumber == number)
        }
    }
}
