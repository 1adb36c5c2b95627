import Foundation
import Testing
@testable import SpacedRepetition

@Suite("UTC timestamps")
struct TimestampTests {
    @Test("parses RFC 3339 forms")
    func parses() throws {
        let base = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        #expect(try UTCTimestamp.parse("2026-01-01T00:00:00Z") == base)
        #expect(try UTCTimestamp.parse("2026-01-01t00:00:00z") == base)
        #expect(try UTCTimestamp.parse("2026-01-01T01:30:00+01:30") == base)
        #expect(try UTCTimestamp.parse("2025-12-31T19:00:00-05:00") == base)
        #expect(try UTCTimestamp.parse("2026-01-01T00:00:00+00:00") == base)
        #expect(try UTCTimestamp.parse("2026-01-01T00:00:00.5Z") == base.addingTimeInterval(0.5))
        #expect(try UTCTimestamp.parse("2026-01-01T00:00:00.123456789Z") == base.addingTimeInterval(0.123456))
        #expect(try UTCTimestamp.parse("2024-02-29T12:00:00Z") == Date(timeIntervalSince1970: 1_709_208_000))
        #expect(try UTCTimestamp.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
    }

    @Test(
        "rejects malformed or impossible timestamps",
        arguments: [
            "", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z",
            "2026-01-01T00:00Z", "2026-01-01T00:00:00ZZ", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z",
            "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00 Z", " 2026-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z", "2026-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+24:00",
            "２026-01-01T00:00:00Z", "2026-01-01T00:00:00.12a4Z",
        ])
    func rejects(text: String) {
        #expect(throws: UTCTimestamp.ParseError.self) { try UTCTimestamp.parse(text) }
    }

    @Test("formats UTC with a fraction only when needed")
    func formats() throws {
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 1_767_225_600)) == "2026-01-01T00:00:00Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 1_767_225_600.25)) == "2026-01-01T00:00:00.250000Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        for text in ["2000-02-29T23:59:59.000001Z", "1999-12-31T00:00:00Z", "2100-03-01T12:34:56.789000Z"] {
            #expect(UTCTimestamp.format(try UTCTimestamp.parse(text)) == text)
        }
    }

    @Test("calendar arithmetic agrees with Foundation")
    func civilConversions() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var day: Int64 = -800_000
        while day < 2_932_000 {  // years ~ -220 ... 9999
            let (y, m, d) = UTCTimestamp.civilFromDays(day)
            #expect(UTCTimestamp.daysFromCivil(y, m, d) == day)
            if day >= -140_000 {  // Foundation switches to the Julian calendar before 1582
                let components = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86400))
                #expect(Int64(components.year!) == y && Int64(components.month!) == m && Int64(components.day!) == d, "day \(day)")
            }
            day += 997
        }
    }
}
