import AccountRules
import Foundation
import IssuerCore

extension ReviewCalendar {
    /// Reads the configured files; a missing or damaged one stops start-up.
    /// With `required` false (the default list, not configured), a missing
    /// file is skipped; `missing` says which, for the start-up log.
    static func load(files: [String], workingDays: Int, timeZone: TimeZone, required: Bool = true) throws(IssuerServiceError) -> ReviewCalendar {
        var calendar = OfficeCalendar()
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                if !required { continue }
                throw IssuerServiceError(.configuration, "applications.calendar: cannot read \(path); the office calendars ship in Config/calendar/ (see its README)")
            }
            do { try calendar.add(csv: String(decoding: data, as: UTF8.self), source: path) } catch {
                throw IssuerServiceError(.configuration, "applications.calendar: \(error.message)")
            }
        }
        return ReviewCalendar(calendar: calendar, workingDays: workingDays, timeZone: timeZone)
    }
}
