import Foundation
import Testing
@testable import SpacedRepetition

@Suite("Study days")
struct StudyDayTests {
    @Test("UTC with a midnight day start is the calendar date")
    func utcMidnight() throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: "UTC", dayStartHour: 0)
        let day = calendar.studyDay(containing: date("2026-01-01T23:59:59Z"))
        #expect(day.identifier == "2026-01-01")
        #expect(day.start == date("2026-01-01T00:00:00Z"))
        #expect(day.end == date("2026-01-02T00:00:00Z"))
        #expect(day.duration == 86400)
        #expect(calendar.studyDay(containing: date("2026-01-02T00:00:00Z")).identifier == "2026-01-02")
    }

    @Test("times before the day start belong to the previous day")
    func dayStartHour() throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: "Europe/Berlin", dayStartHour: 4)
        // 03:59 Berlin (UTC+1 in winter) on 10 January is still the 9th.
        let early = calendar.studyDay(containing: date("2026-01-10T02:59:00Z"))
        #expect(early.identifier == "2026-01-09")
        #expect(early.start == date("2026-01-09T03:00:00Z"))
        #expect(early.end == date("2026-01-10T03:00:00Z"))
        let onTime = calendar.studyDay(containing: date("2026-01-10T03:00:00Z"))
        #expect(onTime.identifier == "2026-01-10")
        #expect(early < onTime)
        #expect(calendar.studyDay(after: early) == onTime)
        #expect(calendar.startOfStudyDay(containing: date("2026-01-10T12:00:00Z")) == date("2026-01-10T03:00:00Z"))
        #expect(calendar.endOfStudyDay(containing: date("2026-01-10T12:00:00Z")) == date("2026-01-11T03:00:00Z"))
        // Year boundary.
        #expect(calendar.studyDay(containing: date("2026-01-01T01:00:00Z")).identifier == "2025-12-31")
    }

    @Test("daylight-saving changes give 23- and 25-hour study days")
    func daylightSaving() throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: "America/New_York", dayStartHour: 4)
        // Clocks go forward at 2:00 on Sunday 8 March 2026.
        let spring = calendar.studyDay(containing: date("2026-03-08T07:30:00Z"))  // 03:30 EDT
        #expect(spring.identifier == "2026-03-07")
        #expect(spring.start == date("2026-03-07T09:00:00Z"))  // 04:00 EST
        #expect(spring.end == date("2026-03-08T08:00:00Z"))  // 04:00 EDT
        #expect(spring.duration == 23 * 3600)
        // Clocks go back at 2:00 on Sunday 1 November 2026.
        let autumn = calendar.studyDay(containing: date("2026-11-01T12:00:00Z"))  // 07:00 EST on the 1st
        #expect(autumn.identifier == "2026-11-01")
        let before = calendar.studyDay(containing: date("2026-11-01T06:30:00Z"))  // 01:30 EDT, first pass
        #expect(before.identifier == "2026-10-31")
        #expect(before.start == date("2026-10-31T08:00:00Z"))
        #expect(before.end == date("2026-11-01T09:00:00Z"))
        #expect(before.duration == 25 * 3600)
    }

    @Test(
        "days tile time without gaps or overlaps, even when the start hour is skipped",
        arguments: [("America/New_York", 2), ("America/New_York", 4), ("Europe/London", 1), ("Australia/Lord_Howe", 2), ("Asia/Kolkata", 4), ("Pacific/Apia", 0)])
    func tiling(zone: String, hour: Int) throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: zone, dayStartHour: hour)
        var instant = date("2026-01-01T00:00:00Z")
        let end = date("2027-01-01T00:00:00Z")
        var previous = calendar.studyDay(containing: instant)
        while instant < end {
            let day = calendar.studyDay(containing: instant)
            #expect(day.contains(instant), "\(zone) \(instant)")
            #expect(day.duration >= 22 * 3600 && day.duration <= 26 * 3600, "\(zone) \(day)")
            if day != previous {
                #expect(day.start == previous.end, "\(zone) \(day)")
                #expect(day == calendar.studyDay(after: previous))
                previous = day
            }
            instant.addTimeInterval(1800)
        }
    }

    @Test("looking up a day by its date")
    func lookup() throws {
        let calendar = try StudyDayCalendar(timeZoneIdentifier: "Asia/Kolkata", dayStartHour: 4)
        let day = try #require(calendar.studyDay(year: 2026, month: 2, day: 28))
        #expect(day.start == date("2026-02-27T22:30:00Z"))
        #expect(calendar.studyDay(year: 2026, month: 2, day: 29) == nil)
        #expect(calendar.studyDay(year: 2026, month: 13, day: 1) == nil)
    }

    @Test("invalid time zones and hours are rejected")
    func validation() {
        #expect(throws: StudyDayError.unknownTimeZone("Mars/Olympus_Mons")) {
            try StudyDayCalendar(timeZoneIdentifier: "Mars/Olympus_Mons")
        }
        #expect(throws: StudyDayError.invalidDayStartHour(24)) { try StudyDayCalendar(timeZoneIdentifier: "UTC", dayStartHour: 24) }
        #expect(throws: StudyDayError.invalidDayStartHour(-1)) { try StudyDayCalendar(timeZoneIdentifier: "UTC", dayStartHour: -1) }
    }
}
