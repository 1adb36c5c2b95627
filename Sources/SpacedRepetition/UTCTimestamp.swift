import Foundation

/// Fast, strict RFC 3339 / ISO-8601 timestamp parsing and UTC formatting, in whole microseconds.
///
/// Accepted form: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `T` and `Z` in either case,
/// a 1–9 digit fraction (truncated to microseconds, the resolution py-fsrs and Python's
/// `datetime` use), a valid calendar date and a time of day without leap seconds.
/// Formatting always gives UTC with `Z`, and a 6-digit fraction only when it is non-zero.
public enum UTCTimestamp {
    /// Why a timestamp was rejected.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text does not have the `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` shape.
        case malformed
        /// The shape is right but a field is out of range (e.g. month 13 or 30 February).
        case outOfRange(String)

        /// A human-readable explanation.
        public var description: String {
            switch self {
            case .malformed: "expected an RFC 3339 timestamp like 2026-01-01T00:00:00Z"
            case .outOfRange(let what): "invalid timestamp: \(what)"
            }
        }
    }

    /// Parses `text` into a `Date` (microsecond precision), or throws ``ParseError``.
    public static func parse(_ text: String) throws(ParseError) -> Date {
        var copy = text
        let result = copy.withUTF8 { buffer -> Result<Int64, ParseError> in
            do throws(ParseError) {
                return .success(try parseMicros(buffer.baseAddress, buffer.count))
            } catch {
                return .failure(error)
            }
        }
        return Micros.date(try result.get())
    }

    /// Formats `date` as UTC, e.g. `2026-01-01T00:00:00Z` or `2026-01-01T00:00:00.250000Z`.
    public static func format(_ date: Date) -> String {
        var bytes = [UInt8](repeating: 0, count: 40)
        let count = bytes.withUnsafeMutableBufferPointer { write(Micros.from(date), to: $0.baseAddress!) }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    @inline(__always)
    private static func digit(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        let v = Int(p[i]) &- 48
        return (v >= 0 && v <= 9) ? v : nil
    }

    @inline(__always)
    private static func twoDigits(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        guard let a = digit(p, i), let b = digit(p, i + 1) else { return nil }
        return a * 10 + b
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    @inline(__always)
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    @inline(__always)
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses `count` bytes at `p` into microseconds since 1970 (UTC).
    @inline(__always)
    static func parseMicros(_ p: UnsafePointer<UInt8>?, _ count: Int) throws(ParseError) -> Int64 {
        guard let p, count >= 20 else { throw .malformed }
        guard let y1 = twoDigits(p, 0), let y2 = twoDigits(p, 2), p[4] == 0x2D,
            let month = twoDigits(p, 5), p[7] == 0x2D, let day = twoDigits(p, 8),
            p[10] == 0x54 || p[10] == 0x74,  // T t
            let hour = twoDigits(p, 11), p[13] == 0x3A, let minute = twoDigits(p, 14), p[16] == 0x3A,
            let second = twoDigits(p, 17)
        else { throw .malformed }
        var i = 19
        var fraction: Int64 = 0
        if p[i] == 0x2E {  // .
            i += 1
            var digits = 0
            while i < count, let d = digit(p, i) {
                if digits < 6 { fraction = fraction * 10 + Int64(d) }
                digits += 1
                i += 1
            }
            guard digits >= 1 && digits <= 9 else { throw .malformed }
            while digits < 6 {
                fraction *= 10
                digits += 1
            }
        }
        guard i < count else { throw .malformed }
        var offsetMinutes: Int64 = 0
        if p[i] == 0x5A || p[i] == 0x7A {  // Z z
            i += 1
        } else if p[i] == 0x2B || p[i] == 0x2D {  // + -
            guard count - i >= 6, let oh = twoDigits(p, i + 1), p[i + 3] == 0x3A, let om = twoDigits(p, i + 4)
            else { throw .malformed }
            guard oh <= 23 && om <= 59 else { throw .outOfRange("offset \(oh):\(om)") }
            offsetMinutes = Int64(oh * 60 + om) * (p[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            throw .malformed
        }
        guard i == count else { throw .malformed }
        let year = Int64(y1 * 100 + y2)
        guard year >= 1 else { throw .outOfRange("year 0000") }
        guard month >= 1 && month <= 12 else { throw .outOfRange("month \(month)") }
        guard day >= 1 && Int64(day) <= daysInMonth(year, Int64(month)) else { throw .outOfRange("day \(day) of month \(month)") }
        guard hour <= 23 else { throw .outOfRange("hour \(hour)") }
        guard minute <= 59 else { throw .outOfRange("minute \(minute)") }
        guard second <= 59 else { throw .outOfRange("second \(second)") }
        let days = daysFromCivil(year, Int64(month), Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - offsetMinutes * 60
        return seconds * 1_000_000 + fraction
    }

    @inline(__always)
    private static func put(_ out: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ value: Int64, width: Int) {
        var v = value
        var k = width - 1
        while k >= 0 {
            out[i + k] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            k -= 1
        }
        i += width
    }

    /// Writes `micros` as a UTC timestamp at `out` (needs up to 32 bytes); returns the byte count.
    @inline(__always)
    static func write(_ micros: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var days = micros / Micros.perDay
        var rest = micros % Micros.perDay
        if rest < 0 {
            days -= 1
            rest += Micros.perDay
        }
        let (year, month, day) = civilFromDays(days)
        let secondOfDay = rest / 1_000_000
        let fraction = rest % 1_000_000
        var i = 0
        if year >= 0 && year <= 9999 {
            put(out, &i, year, width: 4)
        } else {
            // Outside RFC 3339's range; still write a readable (ISO 8601 expanded) year.
            var y = year
            if y < 0 {
                out[i] = 0x2D
                i += 1
                y = -y
            }
            var width = 4
            var t = y / 10000
            while t > 0 {
                width += 1
                t /= 10
            }
            put(out, &i, y, width: width)
        }
        out[i] = 0x2D; i += 1
        put(out, &i, month, width: 2)
        out[i] = 0x2D; i += 1
        put(out, &i, day, width: 2)
        out[i] = 0x54; i += 1
        put(out, &i, secondOfDay / 3600, width: 2)
        out[i] = 0x3A; i += 1
        put(out, &i, secondOfDay / 60 % 60, width: 2)
        out[i] = 0x3A; i += 1
        put(out, &i, secondOfDay % 60, width: 2)
        if fraction != 0 {
            out[i] = 0x2E; i += 1
            put(out, &i, fraction, width: 6)
        }
        out[i] = 0x5A; i += 1
        return i
    }
}
