import Foundation

/// A rejected input line of ``ReplayProcessor``.
public struct ReplayLineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number in the input.
    public let line: Int
    /// Why the line was rejected.
    public let reason: String

    /// Creates an error for `line`.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }
}

/// Replays a stream of reviews through an ``FSRSScheduler`` (the engine of `casebook srs replay`).
///
/// **Input**: JSON Lines, one review per line, cards interleaved in any way:
///
///     {"card": "c1", "rating": 3, "at": "2026-01-01T00:00:00Z"}
///
/// The object must have exactly the fields `card` (a non-empty string), `rating` (an integer
/// 1 Again, 2 Hard, 3 Good, 4 Easy) and `at` (an RFC 3339 timestamp, see ``UTCTimestamp``), in any
/// order, with any JSON whitespace. Unknown or repeated fields, other JSON types, blank lines and
/// trailing text are errors. A card's first line creates it as a new card; its reviews are applied
/// in input order (like py-fsrs, a review earlier than the previous one is not rejected: it counts
/// as a same-day review).
///
/// **Output**: one JSON line per accepted review, with the card's state after it:
///
///     {"card":"c1","state":"learning","step":1,"stability":2.3065,"difficulty":2.118103970459016,"due":"2026-01-01T00:10:00Z","retrievability":0.0}
///
/// `state` is `learning`, `review` or `relearning`; `step` is `null` in review; `due` is UTC;
/// `retrievability` is the card's retrievability at `at` *just before* the review, as py-fsrs
/// `get_card_retrievability` computes it — `0` for a card's first review (py-fsrs returns 0 for a
/// card without a last review or stability). Numbers are written in Swift's shortest round-trip form.
///
/// **Errors**: a bad line produces no output; it is recorded as a ``ReplayLineError`` (line
/// number and reason) and processing continues with the next line.
///
/// The processor does no I/O itself: push input with ``feed(_:)`` in chunks of any size (lines
/// may span chunks), call ``finish()`` at the end of input, and drain ``takeOutput(_:)`` and
/// ``takeErrors()`` as you go.
public final class ReplayProcessor {
    /// The scheduler the reviews are run through.
    public let scheduler: FSRSScheduler
    /// Lines seen so far (including bad ones).
    public private(set) var linesRead = 0
    /// Reviews processed successfully so far.
    public private(set) var reviewsProcessed = 0
    /// Bad lines seen so far.
    public private(set) var errorCount = 0
    /// The number of distinct cards seen.
    public var cardCount: Int { table.entries.count }

    private var errors: [ReplayLineError] = []
    private let out = ByteStorage(capacity: 1 << 20)
    private let pending = ByteStorage(capacity: 256)
    private let idScratch = ByteStorage(capacity: 64)
    private let tmpScratch = ByteStorage(capacity: 64)
    private var table = CardTable()
    private var finished = false

    /// Creates a processor that schedules with `scheduler` (fuzz as configured in it).
    public init(scheduler: FSRSScheduler) {
        self.scheduler = scheduler
    }

    /// Processes a chunk of input; complete lines are handled now, a trailing partial line is kept.
    public func feed(_ chunk: UnsafeRawBufferPointer) {
        precondition(!finished, "feed(_:) after finish()")
        guard let raw = chunk.baseAddress, chunk.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = chunk.count
        var start = 0
        if pending.count > 0 {
            guard let nl = memchr(base, 0x0A, end) else {
                pending.append(base, end)
                return
            }
            let len = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            pending.append(base, len)
            processLine(UnsafePointer(pending.base), pending.count)
            pending.count = 0
            start = len + 1
        }
        while start < end {
            guard let nl = memchr(base + start, 0x0A, end - start) else {
                pending.append(base + start, end - start)
                return
            }
            let len = (base + start).distance(to: nl.assumingMemoryBound(to: UInt8.self))
            processLine(UnsafePointer(base + start), len)
            start += len + 1
        }
    }

    /// Processes a chunk of input given as bytes.
    public func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Processes a chunk of input given as text.
    public func feed(_ text: String) {
        var text = text
        text.withUTF8 { feed(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the input: a last line without a trailing newline is processed now.
    public func finish() {
        guard !finished else { return }
        if pending.count > 0 {
            processLine(UnsafePointer(pending.base), pending.count)
            pending.count = 0
        }
        finished = true
    }

    /// Hands the output produced so far to `body` and clears it.
    public func takeOutput(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard out.count > 0 else { return }
        try body(UnsafeRawBufferPointer(start: out.base, count: out.count))
        out.count = 0
    }

    /// The bytes of output produced so far (not cleared).
    public var pendingOutputCount: Int { out.count }

    /// Returns the bad lines recorded since the last call and clears them.
    public func takeErrors() -> [ReplayLineError] {
        defer { errors.removeAll(keepingCapacity: true) }
        return errors
    }

    /// The state of card `id` after the reviews processed so far, or `nil` for an unseen card.
    public func card(_ id: String) -> SRSCard? {
        var id = id
        return id.withUTF8 { key -> SRSCard? in
            let hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(key))
            guard let index = table.find(key.baseAddress!, key.count, hash: hash) else { return nil }
            let core = table.entries[index].card
            var card = SRSCard(id: String(decoding: key, as: UTF8.self), due: Micros.date(core.due))
            core.write(to: &card)
            return card
        }
    }

    /// Replays a whole input at once: the output text and the bad lines.
    public static func replay(_ input: String, scheduler: FSRSScheduler) -> (output: String, errors: [ReplayLineError]) {
        let processor = ReplayProcessor(scheduler: scheduler)
        processor.feed(input)
        processor.finish()
        var output = ""
        processor.takeOutput { output = String(decoding: $0, as: UTF8.self) }
        return (output, processor.takeErrors())
    }

    // MARK: - Line handling

    private struct LineFailure: Error {
        let reason: String
    }

    private func processLine(_ p: UnsafePointer<UInt8>, _ n: Int) {
        linesRead += 1
        do {
            try handle(p, n)
            reviewsProcessed += 1
        } catch {
            errorCount += 1
            errors.append(ReplayLineError(line: linesRead, reason: error.reason))
        }
    }

    private static let keyCard: [UInt8] = Array("card".utf8)
    private static let keyRating: [UInt8] = Array("rating".utf8)
    private static let keyAt: [UInt8] = Array("at".utf8)

    @inline(__always)
    private func handle(_ p: UnsafePointer<UInt8>, _ n: Int) throws(LineFailure) {
        var i = 0
        @inline(__always) func skipWhitespace() {
            while i < n {
                let b = p[i]
                guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { break }
                i += 1
            }
        }
        skipWhitespace()
        guard i < n else { throw LineFailure(reason: "empty line") }
        guard p[i] == 0x7B else { throw LineFailure(reason: "expected a JSON object ('{')") }
        i += 1

        var cardPtr: UnsafePointer<UInt8>? = nil
        var cardLen = 0
        var cardRawJSON = false  // the id's bytes can be written to JSON output as they are
        var rating = 0
        var at: Int64 = 0
        var haveAt = false

        skipWhitespace()
        if i < n && p[i] == 0x7D {
            i += 1
        } else {
            while true {
                skipWhitespace()
                guard i < n, p[i] == 0x22 else { throw LineFailure(reason: "expected a field name in double quotes") }
                let key = try parseString(p, &i, n, scratch: tmpScratch, what: "field name")
                skipWhitespace()
                guard i < n, p[i] == 0x3A else { throw LineFailure(reason: "expected ':' after a field name") }
                i += 1
                skipWhitespace()
                guard i < n else { throw LineFailure(reason: "missing value") }
                if Self.equals(key, Self.keyCard) {
                    guard cardPtr == nil else { throw LineFailure(reason: "duplicate field \"card\"") }
                    guard p[i] == 0x22 else { throw LineFailure(reason: "\"card\" must be a string") }
                    let value = try parseString(p, &i, n, scratch: idScratch, what: "\"card\"")
                    guard value.count > 0 else { throw LineFailure(reason: "\"card\" must not be empty") }
                    cardPtr = value.base
                    cardLen = value.count
                    cardRawJSON = !value.escaped
                } else if Self.equals(key, Self.keyRating) {
                    guard rating == 0 else { throw LineFailure(reason: "duplicate field \"rating\"") }
                    rating = try parseRating(p, &i, n)
                } else if Self.equals(key, Self.keyAt) {
                    guard !haveAt else { throw LineFailure(reason: "duplicate field \"at\"") }
                    guard p[i] == 0x22 else { throw LineFailure(reason: "\"at\" must be a string") }
                    let value = try parseString(p, &i, n, scratch: tmpScratch, what: "\"at\"")
                    do {
                        at = try UTCTimestamp.parseMicros(value.base, value.count)
                    } catch {
                        throw LineFailure(reason: "\"at\": \(error.description)")
                    }
                    haveAt = true
                } else {
                    let name = String(decoding: UnsafeBufferPointer(start: key.base, count: key.count), as: UTF8.self)
                    throw LineFailure(reason: "unknown field \"\(name)\" (expected \"card\", \"rating\", \"at\")")
                }
                skipWhitespace()
                guard i < n else { throw LineFailure(reason: "unterminated object (missing '}')") }
                if p[i] == 0x2C {
                    i += 1
                    continue
                }
                if p[i] == 0x7D {
                    i += 1
                    break
                }
                throw LineFailure(reason: "expected ',' or '}' after a value")
            }
        }
        skipWhitespace()
        guard i == n else { throw LineFailure(reason: "unexpected text after the JSON object") }
        guard let cardPtr else { throw LineFailure(reason: "missing field \"card\"") }
        guard rating != 0 else { throw LineFailure(reason: "missing field \"rating\"") }
        guard haveAt else { throw LineFailure(reason: "missing field \"at\"") }

        // Schedule.
        let hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(start: cardPtr, count: cardLen))
        let index = table.findOrInsert(cardPtr, cardLen, hash: hash, rawJSON: cardRawJSON)
        let sched = scheduler
        let ratingValue = SRSRating(rawValue: rating)!
        let before: Double
        if let s = table.entries[index].card.stability, let last = table.entries[index].card.lastReview {
            before = sched.retrievability(stability: s, lastReview: last, now: at)
        } else {
            before = 0
        }
        sched.schedule(
            &table.entries[index].card, rating: ratingValue, now: at,
            fuzz: sched.enableFuzzing ? .seeded(hash) : .none)
        writeOutput(index: index, retrievability: before)
    }

    @inline(__always)
    private static func equals(_ s: ParsedString, _ literal: [UInt8]) -> Bool {
        guard s.count == literal.count else { return false }
        return literal.withUnsafeBufferPointer { memcmp(s.base, $0.baseAddress!, s.count) == 0 }
    }

    private struct ParsedString {
        var base: UnsafePointer<UInt8>
        var count: Int
        var escaped: Bool
    }

    /// Parses a JSON string starting at the opening quote `p[i]`; leaves `i` after the closing quote.
    /// Without escapes the result points into the line; otherwise it is decoded into `scratch`.
    @inline(__always)
    private func parseString(
        _ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, scratch: ByteStorage, what: String
    ) throws(LineFailure) -> ParsedString {
        i += 1
        let start = i
        var nonASCII = false
        while i < n {
            let b = p[i]
            if b == 0x22 {
                let result = ParsedString(base: p + start, count: i - start, escaped: false)
                i += 1
                if nonASCII && !UTF8Check.isValid(result.base, result.count) {
                    throw LineFailure(reason: "\(what) is not valid UTF-8")
                }
                return result
            }
            if b == 0x5C { break }
            if b < 0x20 { throw LineFailure(reason: "control character in \(what) string") }
            if b >= 0x80 { nonASCII = true }
            i += 1
        }
        guard i < n else { throw LineFailure(reason: "unterminated string in \(what)") }
        // Slow path: escapes.
        scratch.count = 0
        scratch.append(p + start, i - start)
        while i < n {
            let b = p[i]
            if b == 0x22 {
                i += 1
                if !UTF8Check.isValid(scratch.base, scratch.count) {
                    throw LineFailure(reason: "\(what) is not valid UTF-8")
                }
                return ParsedString(base: UnsafePointer(scratch.base), count: scratch.count, escaped: true)
            }
            if b < 0x20 { throw LineFailure(reason: "control character in \(what) string") }
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
                guard var scalar = Self.hex4(p, i, n) else { throw LineFailure(reason: "bad \\u escape in \(what)") }
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 1 < n, p[i] == 0x5C, p[i + 1] == 0x75, let low = Self.hex4(p, i + 2, n),
                        low >= 0xDC00 && low <= 0xDFFF
                    else { throw LineFailure(reason: "unpaired surrogate escape in \(what)") }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw LineFailure(reason: "unpaired surrogate escape in \(what)")
                }
                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { scratch.append(unit) }
            default:
                throw LineFailure(reason: "invalid escape in \(what)")
            }
        }
        throw LineFailure(reason: "unterminated string in \(what)")
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
    private func parseRating(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(LineFailure) -> Int {
        let first = p[i]
        // Fast path: a single digit followed by a delimiter.
        if first >= 0x31 && first <= 0x34 {
            let next = i + 1 < n ? p[i + 1] : 0x20
            if next == 0x2C || next == 0x7D || next == 0x20 || next == 0x09 || next == 0x0D {
                i += 1
                return Int(first - 0x30)
            }
        }
        // Slow path: classify what is there for a helpful message.
        let mustBe = "\"rating\" must be an integer from 1 (Again) to 4 (Easy)"
        if first == 0x22 { throw LineFailure(reason: "\(mustBe), not a string") }
        guard first == 0x2D || (first >= 0x30 && first <= 0x39) else {
            throw LineFailure(reason: mustBe)
        }
        // Scan a JSON number to report it.
        let start = i
        var j = i
        if p[j] == 0x2D { j += 1 }
        while j < n, (p[j] >= 0x30 && p[j] <= 0x39) || p[j] == 0x2E || p[j] == 0x65 || p[j] == 0x45 || p[j] == 0x2B || p[j] == 0x2D {
            j += 1
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: j - start), as: UTF8.self)
        throw LineFailure(reason: "\(mustBe), got \(text)")
    }

    // MARK: - Output

    private static let fieldState: [UInt8] = Array("\",\"state\":\"".utf8)
    private static let stateNames: [[UInt8]] = [
        Array("learning\",\"step\":".utf8), Array("review\",\"step\":".utf8), Array("relearning\",\"step\":".utf8),
    ]
    private static let fieldStability: [UInt8] = Array(",\"stability\":".utf8)
    private static let fieldDifficulty: [UInt8] = Array(",\"difficulty\":".utf8)
    private static let fieldDue: [UInt8] = Array(",\"due\":\"".utf8)
    private static let fieldRetrievability: [UInt8] = Array("\",\"retrievability\":".utf8)

    @inline(__always)
    private func writeOutput(index: Int, retrievability: Double) {
        let out = self.out
        let entry = table.entries[index]
        out.reserve(entry.jsonCount + 256)
        out.append(0x7B)  // {
        out.appendLiteral("\"card\":\"")
        table.arena.withUnsafeBufferPointer { arena in
            out.append(arena.baseAddress! + entry.jsonStart, entry.jsonCount)
        }
        out.append(Self.fieldState)
        let card = entry.card
        switch card.state {
        case .learning: out.append(Self.stateNames[0])
        case .review: out.append(Self.stateNames[1])
        case .relearning: out.append(Self.stateNames[2])
        }
        if let step = card.step {
            out.appendInt(step)
        } else {
            out.appendLiteral("null")
        }
        out.append(Self.fieldStability)
        out.appendDouble(card.stability ?? 0)
        out.append(Self.fieldDifficulty)
        out.appendDouble(card.difficulty ?? 0)
        out.append(Self.fieldDue)
        out.count += UTCTimestamp.write(card.due, to: out.base + out.count)
        out.append(Self.fieldRetrievability)
        out.appendDouble(retrievability)
        out.append(0x7D)  // }
        out.append(0x0A)
    }
}

/// Open-addressing map from card id bytes to per-card scheduling state.
struct CardTable {
    struct Entry {
        var keyStart: Int
        var keyCount: Int
        var jsonStart: Int
        var jsonCount: Int
        var hash: UInt64
        var card: CoreCard
    }

    var entries: [Entry] = []
    /// Key bytes followed by the JSON-escaped form of each key.
    var arena: [UInt8] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)
    private var shift: UInt64 = 64 - 10

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    func find(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var s = slot(hash)
        return arena.withUnsafeBufferPointer { arenaBuffer -> Int? in
            while true {
                let index = Int(slots[s])
                if index < 0 { return nil }
                let entry = entries[index]
                if entry.hash == hash && entry.keyCount == count
                    && memcmp(arenaBuffer.baseAddress! + entry.keyStart, key, count) == 0
                {
                    return index
                }
                s = (s + 1) & mask
            }
        }
    }

    @inline(__always)
    mutating func findOrInsert(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, rawJSON: Bool) -> Int {
        let mask = slots.count - 1
        var s = slot(hash)
        while true {
            let index = Int(slots[s])
            if index < 0 { break }
            let entry = entries[index]
            if entry.hash == hash && entry.keyCount == count {
                let same = arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + entry.keyStart, key, count) == 0 }
                if same { return index }
            }
            s = (s + 1) & mask
        }
        // Insert.
        let keyStart = arena.count
        arena.append(contentsOf: UnsafeBufferPointer(start: key, count: count))
        let jsonStart = arena.count
        if rawJSON {
            arena.append(contentsOf: UnsafeBufferPointer(start: key, count: count))
        } else {
            JSONEscape.append(UnsafeBufferPointer(start: key, count: count), to: &arena)
        }
        let index = entries.count
        entries.append(
            Entry(
                keyStart: keyStart, keyCount: count, jsonStart: jsonStart, jsonCount: arena.count - jsonStart,
                hash: hash, card: CoreCard()))
        slots[s] = Int32(index)
        if entries.count * 2 > slots.count { grow() }
        return index
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        shift -= 1
        let mask = slots.count - 1
        for (index, entry) in entries.enumerated() {
            var s = slot(entry.hash)
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(index)
        }
    }
}

/// JSON string escaping of UTF-8 bytes (quotes, backslashes and control characters).
enum JSONEscape {
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for b in bytes {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0x00..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
    }

    /// The JSON string literal (with quotes) for `text`.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [0x22]
        var text = text
        text.withUTF8 { append($0, to: &out) }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}

/// UTF-8 validation of raw bytes.
enum UTF8Check {
    static func isValid(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let need: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return false
            }
            guard i + need < n else { return false }
            let b1 = p[i + 1]
            guard b1 >= lower && b1 <= upper else { return false }
            var k = 2
            while k <= need {
                let b = p[i + k]
                guard b >= 0x80 && b <= 0xBF else { return false }
                k += 1
            }
            i += need + 1
        }
        return true
    }
}

/// A growable byte buffer with manual storage (fast appends for the replay hot path).
final class ByteStorage {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always)
    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0.baseAddress!, $0.count) }
    }

    @inline(__always)
    func appendLiteral(_ s: StaticString) {
        append(s.utf8Start, s.utf8CodeUnitCount)
    }

    @inline(__always)
    func appendInt(_ value: Int) {
        reserve(24)
        if value >= 0 && value < 10 {
            base[count] = UInt8(48 + value)
            count += 1
            return
        }
        var s = String(value)
        s.withUTF8 { append($0.baseAddress!, $0.count) }
    }

    @inline(__always)
    func appendDouble(_ value: Double) {
        var s = value.description
        s.withUTF8 { append($0.baseAddress!, $0.count) }
    }
}
