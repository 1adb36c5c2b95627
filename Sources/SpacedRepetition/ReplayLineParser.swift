/// One accepted review line: `{"card": …, "rating": …, "at": …}` checked field by field.
struct ParsedReview {
    /// The card id's bytes, unescaped: in the line itself, or in the parser's scratch when the id had escapes (valid
    /// until the next ``ReplayLineParser/parse(_:_:)``).
    var card: UnsafePointer<UInt8>
    var cardCount: Int
    /// The id's bytes can be written to JSON output as they are (it had no escapes in the input).
    var cardIsRawJSON: Bool
    var rating: SRSRating
    /// Microseconds since the epoch, UTC.
    var at: Int64
}

/// Why a line was rejected; becomes the reason of a ``ReplayLineError``.
struct ReplayLineFailure: Error {
    let reason: String
}

/// The strict JSON Lines parser of the replay: exactly the three fields, any order, any JSON whitespace.
///
/// Strings without escapes are returned as pointers into the line; escaped ones are decoded into scratch buffers the
/// parser owns, one for the card id and one for field names and the timestamp, so the id survives the later fields.
struct ReplayLineParser: ~Copyable {
    private var cardScratch = RawBytes(capacity: 64)
    private var fieldScratch = RawBytes(capacity: 64)

    /// Parses and checks the `n` bytes at `p` (a line without its newline).
    @inline(__always)
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int) throws(ReplayLineFailure) -> ParsedReview {
        var i = 0
        Self.skipWhitespace(p, &i, n)
        guard i < n else { throw ReplayLineFailure(reason: "empty line") }
        guard p[i] == 0x7B else { throw ReplayLineFailure(reason: "expected a JSON object ('{')") }
        i += 1

        var cardPtr: UnsafePointer<UInt8>? = nil
        var cardLen = 0
        var cardRawJSON = false
        var rating = 0
        var at: Int64 = 0
        var haveAt = false

        Self.skipWhitespace(p, &i, n)
        if i < n && p[i] == 0x7D {
            i += 1
        } else {
            while true {
                Self.skipWhitespace(p, &i, n)
                guard i < n, p[i] == 0x22 else {
                    throw ReplayLineFailure(reason: "expected a field name in double quotes")
                }
                let key = try Self.parseString(p, &i, n, scratch: &fieldScratch, what: "field name")
                Self.skipWhitespace(p, &i, n)
                guard i < n, p[i] == 0x3A else { throw ReplayLineFailure(reason: "expected ':' after a field name") }
                i += 1
                Self.skipWhitespace(p, &i, n)
                guard i < n else { throw ReplayLineFailure(reason: "missing value") }
                if Self.isKey(key, "card") {
                    guard cardPtr == nil else { throw ReplayLineFailure(reason: "duplicate field \"card\"") }
                    guard p[i] == 0x22 else { throw ReplayLineFailure(reason: "\"card\" must be a string") }
                    let value = try Self.parseString(p, &i, n, scratch: &cardScratch, what: "\"card\"")
                    guard value.count > 0 else { throw ReplayLineFailure(reason: "\"card\" must not be empty") }
                    guard value.count <= CardTable.maximumKeyLength else {
                        throw ReplayLineFailure(reason: "\"card\" is longer than \(CardTable.maximumKeyLength) bytes")
                    }
                    cardPtr = value.base
                    cardLen = value.count
                    cardRawJSON = !value.escaped
                } else if Self.isKey(key, "rating") {
                    guard rating == 0 else { throw ReplayLineFailure(reason: "duplicate field \"rating\"") }
                    rating = try Self.parseRating(p, &i, n)
                } else if Self.isKey(key, "at") {
                    guard !haveAt else { throw ReplayLineFailure(reason: "duplicate field \"at\"") }
                    guard p[i] == 0x22 else { throw ReplayLineFailure(reason: "\"at\" must be a string") }
                    let value = try Self.parseString(p, &i, n, scratch: &fieldScratch, what: "\"at\"")
                    do {
                        at = try UTCTimestamp.parseMicros(value.base, value.count)
                    } catch {
                        throw ReplayLineFailure(reason: "\"at\": \(error.description)")
                    }
                    haveAt = true
                } else {
                    let name = String(decoding: UnsafeBufferPointer(start: key.base, count: key.count), as: UTF8.self)
                    throw ReplayLineFailure(
                        reason: "unknown field \(JSONEscape.quoted(name)) (expected \"card\", \"rating\", \"at\")")
                }
                Self.skipWhitespace(p, &i, n)
                guard i < n else { throw ReplayLineFailure(reason: "unterminated object (missing '}')") }
                if p[i] == 0x2C {
                    i += 1
                    continue
                }
                if p[i] == 0x7D {
                    i += 1
                    break
                }
                throw ReplayLineFailure(reason: "expected ',' or '}' after a value")
            }
        }
        Self.skipWhitespace(p, &i, n)
        guard i == n else { throw ReplayLineFailure(reason: "unexpected text after the JSON object") }
        guard let cardPtr else { throw ReplayLineFailure(reason: "missing field \"card\"") }
        guard rating != 0 else { throw ReplayLineFailure(reason: "missing field \"rating\"") }
        guard haveAt else { throw ReplayLineFailure(reason: "missing field \"at\"") }
        return ParsedReview(
            card: cardPtr, cardCount: cardLen, cardIsRawJSON: cardRawJSON, rating: SRSRating(rawValue: rating)!, at: at)
    }

    // MARK: - Tokens

    @inline(__always)
    private static func skipWhitespace(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) {
        while i < n {
            let b = p[i]
            guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { break }
            i += 1
        }
    }

    @inline(__always)
    private static func isKey(_ s: ParsedString, _ literal: StaticString) -> Bool {
        guard s.count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for k in 0..<s.count where s.base[k] != l[k] { return false }
        return true
    }

    private struct ParsedString {
        var base: UnsafePointer<UInt8>
        var count: Int
        var escaped: Bool
    }

    /// Parses a JSON string starting at the opening quote `p[i]`; leaves `i` after the closing quote.
    /// Without escapes the result points into the line; otherwise it is decoded into `scratch`.
    @inline(__always)
    private static func parseString(
        _ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, scratch: inout RawBytes, what: @autoclosure () -> String
    ) throws(ReplayLineFailure) -> ParsedString {
        i += 1
        let start = i
        var nonASCII = false
        while i < n {
            let b = p[i]
            if b == 0x22 {
                let result = ParsedString(base: p + start, count: i - start, escaped: false)
                i += 1
                if nonASCII && !UTF8Check.isValid(result.base, result.count) {
                    throw ReplayLineFailure(reason: "\(what()) is not valid UTF-8")
                }
                return result
            }
            if b == 0x5C { break }
            if b < 0x20 { throw ReplayLineFailure(reason: "control character in \(what()) string") }
            if b >= 0x80 { nonASCII = true }
            i += 1
        }
        guard i < n else { throw ReplayLineFailure(reason: "unterminated string in \(what())") }
        return try parseEscapedString(p, &i, n, start: start, scratch: &scratch, what: what())
    }

    /// The slow path of ``parseString(_:_:_:scratch:what:)`` from the first backslash at `p[i]`.
    private static func parseEscapedString(
        _ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, start: Int, scratch: inout RawBytes, what: String
    ) throws(ReplayLineFailure) -> ParsedString {
        scratch.count = 0
        scratch.append(p + start, i - start)
        while i < n {
            let b = p[i]
            if b == 0x22 {
                i += 1
                if !UTF8Check.isValid(scratch.base, scratch.count) {
                    throw ReplayLineFailure(reason: "\(what) is not valid UTF-8")
                }
                return ParsedString(base: UnsafePointer(scratch.base), count: scratch.count, escaped: true)
            }
            if b < 0x20 { throw ReplayLineFailure(reason: "control character in \(what) string") }
            if b != 0x5C {
                scratch.append(b)
                i += 1
                continue
            }
            guard i + 1 < n else { break }
            let e = p[i + 1]
            i += 2
            switch e {
            case 0x22: scratch.append(0x22)
            case 0x5C: scratch.append(0x5C)
            case 0x2F: scratch.append(0x2F)
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x6E: scratch.append(0x0A)
            case 0x72: scratch.append(0x0D)
            case 0x74: scratch.append(0x09)
            case 0x75:
                guard var scalar = hex4(p, i, n) else { throw ReplayLineFailure(reason: "bad \\u escape in \(what)") }
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 1 < n, p[i] == 0x5C, p[i + 1] == 0x75, let low = hex4(p, i + 2, n),
                        low >= 0xDC00 && low <= 0xDFFF
                    else { throw ReplayLineFailure(reason: "unpaired surrogate escape in \(what)") }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw ReplayLineFailure(reason: "unpaired surrogate escape in \(what)")
                }
                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { scratch.append(unit) }
            default:
                throw ReplayLineFailure(reason: "invalid escape in \(what)")
            }
        }
        throw ReplayLineFailure(reason: "unterminated string in \(what)")
    }

    private static func hex4(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> UInt32? {
        guard i + 4 <= n else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// Parses a JSON number that must be an integer 1...4.
    @inline(__always)
    private static func parseRating(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(ReplayLineFailure) -> Int {
        let first = p[i]
        // Fast path: a single digit followed by a delimiter.
        if first >= 0x31 && first <= 0x34 {
            let next = i + 1 < n ? p[i + 1] : 0x20
            if next == 0x2C || next == 0x7D || next == 0x20 || next == 0x09 || next == 0x0D {
                i += 1
                return Int(first - 0x30)
            }
        }
        throw ratingFailure(p, i, n)
    }

    /// Classifies a bad rating value for a helpful message.
    private static func ratingFailure(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> ReplayLineFailure {
        let mustBe = "\"rating\" must be an integer from 1 (Again) to 4 (Easy)"
        let first = p[i]
        if first == 0x22 { return ReplayLineFailure(reason: "\(mustBe), not a string") }
        guard first == 0x2D || (first >= 0x30 && first <= 0x39) else { return ReplayLineFailure(reason: mustBe) }
        var j = i
        while j < n, (p[j] >= 0x30 && p[j] <= 0x39) || p[j] == 0x2E || p[j] == 0x65 || p[j] == 0x45 || p[j] == 0x2B || p[j] == 0x2D {
            j += 1
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + i, count: j - i), as: UTF8.self)
        return ReplayLineFailure(reason: "\(mustBe), got \(text)")
    }
}
