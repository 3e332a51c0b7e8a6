import AccountRules
import Clocks
import Foundation
import Logging

/// The office calendar with the review rule of alumni-api.md §6:
/// `review_due` is the `workingDays`-th working day after the day of
/// submission, in the issuer's time zone.
package struct ReviewCalendar: Sendable {
    package let calendar: OfficeCalendar
    package let workingDays: Int
    package let timeZone: TimeZone

    package init(calendar: OfficeCalendar, workingDays: Int, timeZone: TimeZone) {
        self.calendar = calendar
        self.workingDays = workingDays
        self.timeZone = timeZone
    }

    /// The calendar day `epoch` falls on in the issuer's time zone.
    package func day(of epoch: Int64) -> CalendarDay {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epoch))))
        let local = epoch.addingReportingOverflow(offset).partialValue
        let dayNumber = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        return (try? CalendarDay(dayNumber: dayNumber)) ?? (try! CalendarDay(year: 1970, month: 1, day: 1))
    }

    /// The epoch second at which `day` begins in the issuer's time zone.
    package func start(of day: CalendarDay) -> Int64 {
        let midnightUTC = Int64(day.dayNumber) * 86_400
        return midnightUTC - Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(midnightUTC))))
    }

    package func reviewDue(submittedAt epoch: Int64) -> CalendarDay {
        (try? calendar.addingWorkingDays(workingDays, to: day(of: epoch))) ?? day(of: epoch)
    }

    /// The working days left from `now` until `due` (for a paused clock).
    package func workingDaysLeft(until due: CalendarDay, now: Int64) -> Int {
        calendar.workingDays(after: day(of: now), through: due)
    }

    /// The deadline when the clock restarts at `now` with `left` days to go.
    package func resumed(left: Int, now: Int64) -> CalendarDay {
        (try? calendar.addingWorkingDays(max(1, left), to: day(of: now))) ?? day(of: now)
    }

    /// Warns when the current or next year has no office calendar.
    package func warnAboutMissingYears(now: Int64, logger: Logger) {
        let year = day(of: now).year
        for check in [year, year + 1] {
            guard let first = try? CalendarDay(year: check, month: 6, day: 1) else { continue }
            let listed = (0..<30).contains { offset in
                (try? first.adding(days: offset)).map { calendar.lists($0) } ?? false
            }
            if !listed {
                logger.warning("no office calendar covers this year; review deadlines count weekdays only until one is added (Config/calendar/README.md)",
                               metadata: ["year": "\(check)"])
            }
        }
    }
}
