import Foundation

/// Why a ``StudyDayCalendar`` could not be created.
public enum StudyDayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The time zone identifier is not known (e.g. a typo in `Europe/Berlin`).
    case unknownTimeZone(String)
    /// The day-start hour is not within 0...23.
    case invalidDayStartHour(Int)

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .unknownTimeZone(let id): "unknown time zone \"\(id)\""
        case .invalidDayStartHour(let hour): "day start hour \(hour) is not within 0...23"
        }
    }
}

/// One "study day": the local calendar date it is named after and the instants it spans.
///
/// With a day start of 4 am, the study day named 2026-03-07 runs from 4 am on 7 March to
/// 4 am on 8 March local time — 23 or 25 hours long when a daylight-saving change falls in it.
public struct StudyDay: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The year of the local date the study day is named after.
    public let year: Int
    /// The month (1...12) of that date.
    public let month: Int
    /// The day of the month (1...31) of that date.
    public let day: Int
    /// The first instant of the study day.
    public let start: Date
    /// The first instant of the next study day (exclusive end).
    public let end: Date

    /// Creates a study day (normally obtained from ``StudyDayCalendar``).
    public init(year: Int, month: Int, day: Int, start: Date, end: Date) {
        self.year = year
        self.month = month
        self.day = day
        self.start = start
        self.end = end
    }

    /// The date as `YYYY-MM-DD` (a convenient key for "reviews done today").
    public var identifier: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// The length of the study day in seconds (86400 except around daylight-saving changes).
    public var duration: TimeInterval { end.timeIntervalSince(start) }

    /// Whether `date` falls within `start..<end`.
    public func contains(_ date: Date) -> Bool { date >= start && date < end }

    /// Orders study days chronologically.
    public static func < (lhs: StudyDay, rhs: StudyDay) -> Bool { lhs.start < rhs.start }

    /// The ``identifier``.
    public var description: String { identifier }
}

/// Maps instants to study days for a time zone and a day-start hour (e.g. 4 am, like Anki).
///
/// An instant before the day-start hour belongs to the previous calendar date's study day.
/// If the start hour does not exist on some date (a daylight-saving gap), that study day
/// starts at the first valid local time after it, as Foundation's `Calendar` resolves it.
public struct StudyDayCalendar: Sendable, Hashable {
    /// The learner's time zone.
    public let timeZone: TimeZone
    /// The local hour (0...23) at which a new study day begins.
    public let dayStartHour: Int
    private let calendar: Calendar

    /// Creates a calendar for an IANA time zone identifier such as `Europe/Berlin`.
    public init(timeZoneIdentifier: String, dayStartHour: Int = 4) throws(StudyDayError) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else {
            throw .unknownTimeZone(timeZoneIdentifier)
        }
        try self.init(timeZone: zone, dayStartHour: dayStartHour)
    }

    /// Creates a calendar for `timeZone`.
    public init(timeZone: TimeZone, dayStartHour: Int = 4) throws(StudyDayError) {
        guard (0...23).contains(dayStartHour) else { throw .invalidDayStartHour(dayStartHour) }
        self.timeZone = timeZone
        self.dayStartHour = dayStartHour
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The study day that `date` falls in.
    public func studyDay(containing date: Date) -> StudyDay {
        let local = calendar.dateComponents([.year, .month, .day], from: date)
        var days = UTCTimestamp.daysFromCivil(Int64(local.year!), Int64(local.month!), Int64(local.day!))
        if date < start(ofCivilDay: days) { days -= 1 }
        return studyDay(civilDay: days)
    }

    /// The study day named after the local date `year`-`month`-`day`, or `nil` if that date does not exist.
    public func studyDay(year: Int, month: Int, day: Int) -> StudyDay? {
        guard (1...12).contains(month), day >= 1,
            Int64(day) <= UTCTimestamp.daysInMonth(Int64(year), Int64(month))
        else { return nil }
        return studyDay(civilDay: UTCTimestamp.daysFromCivil(Int64(year), Int64(month), Int64(day)))
    }

    /// The study day after `day`.
    public func studyDay(after day: StudyDay) -> StudyDay {
        studyDay(civilDay: UTCTimestamp.daysFromCivil(Int64(day.year), Int64(day.month), Int64(day.day)) + 1)
    }

    /// The first instant of the study day containing `date`.
    public func startOfStudyDay(containing date: Date) -> Date { studyDay(containing: date).start }

    /// The first instant of the study day after the one containing `date`.
    public func endOfStudyDay(containing date: Date) -> Date { studyDay(containing: date).end }

    private func studyDay(civilDay days: Int64) -> StudyDay {
        let (y, m, d) = UTCTimestamp.civilFromDays(days)
        return StudyDay(
            year: Int(y), month: Int(m), day: Int(d),
            start: start(ofCivilDay: days), end: start(ofCivilDay: days + 1))
    }

    private func start(ofCivilDay days: Int64) -> Date {
        let (y, m, d) = UTCTimestamp.civilFromDays(days)
        var components = DateComponents()
        components.year = Int(y)
        components.month = Int(m)
        components.day = Int(d)
        components.hour = dayStartHour
        if let date = calendar.date(from: components) { return date }
        // Not expected for Gregorian dates; fall back to a fixed-offset computation.
        let offset = timeZone.secondsFromGMT()
        let seconds = days * 86_400 + Int64(dayStartHour * 3600 - offset)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Equal when time zone and day start are equal.
    public static func == (lhs: StudyDayCalendar, rhs: StudyDayCalendar) -> Bool {
        lhs.timeZone == rhs.timeZone && lhs.dayStartHour == rhs.dayStartHour
    }

    /// Hashes the time zone and day start.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(timeZone)
        hasher.combine(dayStartHour)
    }
}
