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
    /// One engine per shard of the cards, each run on its own core; see ``init(scheduler:shards:)``.
    private let engines: UnsafeMutablePointer<ReplayEngine>
    private let shardCount: Int
    /// With more than one shard: the output put back in input order.
    private var merged = RawBytes(capacity: 1 << 20)

    /// One shard per core, at most two (a third core would parse every line a third time for little gain).
    public static let defaultShards = min(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Creates a processor that schedules with `scheduler` (fuzz as configured in it).
    ///
    /// `shards` engines (by default one per core, at most 2) each parse every line and schedule the cards whose hash
    /// falls in their shard, in parallel; a card's reviews stay in input order within its shard and the output lines
    /// are merged back into input order, so the output is the same for any number of shards.
    public init(scheduler: FSRSScheduler, shards: Int = ReplayProcessor.defaultShards) {
        shardCount = max(1, shards)
        engines = .allocate(capacity: shardCount)
        for i in 0..<shardCount {
            (engines + i).initialize(to: ReplayEngine(scheduler: scheduler, shard: i, shardCount: shardCount))
        }
    }

    deinit {
        for i in 0..<shardCount { engines[i].deallocate() }
        engines.deinitialize(count: shardCount)
        engines.deallocate()
        merged.deallocate()
    }

    /// The scheduler the reviews are run through.
    public var scheduler: FSRSScheduler { engines[0].scheduler }
    /// Lines seen so far (including bad ones).
    public var linesRead: Int { engines[0].linesRead }
    /// Reviews processed successfully so far.
    public var reviewsProcessed: Int { (0..<shardCount).reduce(0) { $0 + engines[$1].reviewsProcessed } }
    /// Bad lines seen so far.
    public var errorCount: Int { engines[0].errorCount }
    /// The number of distinct cards seen.
    public var cardCount: Int { (0..<shardCount).reduce(0) { $0 + engines[$1].table.count } }
    /// The bytes of output produced and not yet taken.
    public var pendingOutputCount: Int { shardCount == 1 ? engines[0].out.count : merged.count }

    /// Processes a chunk of input; complete lines are handled now, a trailing partial line is kept.
    ///
    /// Every engine gets the whole chunk and keeps its own partial line, so all of them finish the same lines in each
    /// call and the merge after it sees every output line up to there.
    public func feed(_ chunk: UnsafeRawBufferPointer) {
        guard shardCount > 1 else { return engines[0].feed(chunk) }
        let engines = Unchecked(engines), input = Unchecked(chunk)
        DispatchQueue.concurrentPerform(iterations: shardCount) { i in engines.value[i].feed(input.value) }
        mergeOutput()
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
        guard shardCount > 1 else { return engines[0].finish() }
        for i in 0..<shardCount { engines[i].finish() }  // at most one line each
        mergeOutput()
    }

    /// Appends the shards' output lines to `merged` in input-line order and clears them.
    private func mergeOutput() {
        var next = [Int](repeating: 0, count: shardCount)      // index into each shard's outLines
        var start = [Int](repeating: 0, count: shardCount)     // byte offset of that line in the shard's out
        var total = 0
        for i in 0..<shardCount { total += engines[i].outLines.count }
        merged.reserve((0..<shardCount).reduce(0) { $0 + engines[$1].out.count })
        for _ in 0..<total {
            var pick = -1
            var line = Int.max
            for i in 0..<shardCount where next[i] < engines[i].outLines.count && engines[i].outLines[next[i]] < line {
                pick = i
                line = engines[i].outLines[next[i]]
            }
            let end = engines[pick].outEnds[next[pick]]
            merged.append(engines[pick].out.base + start[pick], end - start[pick])
            start[pick] = end
            next[pick] += 1
        }
        for i in 0..<shardCount {
            engines[i].out.count = 0
            engines[i].outLines.removeAll(keepingCapacity: true)
            engines[i].outEnds.removeAll(keepingCapacity: true)
        }
    }

    /// Hands the output produced so far to `body` and clears it.
    public func takeOutput(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if shardCount == 1 {
            guard engines[0].out.count > 0 else { return }
            try body(UnsafeRawBufferPointer(start: engines[0].out.base, count: engines[0].out.count))
            engines[0].out.count = 0
            return
        }
        guard merged.count > 0 else { return }
        try body(UnsafeRawBufferPointer(start: merged.base, count: merged.count))
        merged.count = 0
    }

    /// Returns the bad lines recorded since the last call and clears them.
    public func takeErrors() -> [ReplayLineError] {
        defer { engines[0].errors.removeAll(keepingCapacity: true) }
        return engines[0].errors
    }

    /// The state of card `id` after the reviews processed so far, or `nil` for an unseen card.
    public func card(_ id: String) -> SRSCard? {
        var id = id
        return id.withUTF8 { key -> SRSCard? in
            let hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(key))
            let engine = engines + Int(ReplayEngine.shard(of: hash, count: UInt64(shardCount)))
            guard let base = key.baseAddress, let index = engine.pointee.table.find(base, key.count, hash: hash) else {
                return nil
            }
            let core = engine.pointee.table.card(index)
            var card = SRSCard(id: String(decoding: key, as: UTF8.self), due: Micros.date(core.due))
            core.write(to: &card)
            return card
        }
    }

    /// Replays a whole input at once: the output text and the bad lines.
    public static func replay(_ input: String, scheduler: FSRSScheduler, shards: Int = ReplayProcessor.defaultShards)
        -> (output: String, errors: [ReplayLineError]) {
        let processor = ReplayProcessor(scheduler: scheduler, shards: shards)
        processor.feed(input)
        processor.finish()
        var output = ""
        processor.takeOutput { output = String(decoding: $0, as: UTF8.self) }
        return (output, processor.takeErrors())
    }
}

/// Hands pointers to `concurrentPerform`: iteration `i` writes only engine `i`, and the input is only read.
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The replay state machine; a struct so the hot path has no dynamic exclusivity checks.
struct ReplayEngine {
    let scheduler: FSRSScheduler
    /// This engine schedules the cards whose hash is `shard` modulo `shardCount`; every engine parses every line, and
    /// only shard 0 records bad lines.
    let shard: UInt64
    let shardCount: UInt64
    /// With more than one shard: the input line number and the end offset in `out` of each output line, so that the
    /// processor can put the shards' lines back in input order.
    var outLines: [Int] = []
    var outEnds: [Int] = []
    var linesRead = 0
    var reviewsProcessed = 0
    var errorCount = 0
    var errors: [ReplayLineError] = []
    var out = RawBytes(capacity: 1 << 20)
    var pending = RawBytes(capacity: 256)
    var idScratch = RawBytes(capacity: 64)
    var tmpScratch = RawBytes(capacity: 64)
    var table = CardTable()
    var finished = false

    init(scheduler: FSRSScheduler, shard: Int = 0, shardCount: Int = 1) {
        self.scheduler = scheduler
        self.shard = UInt64(shard)
        self.shardCount = UInt64(shardCount)
    }

    func deallocate() {
        out.deallocate()
        pending.deallocate()
        idScratch.deallocate()
        tmpScratch.deallocate()
        table.deallocate()
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) {
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
            let line = pending
            processLine(UnsafePointer(line.base), line.count)
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

    mutating func finish() {
        guard !finished else { return }
        if pending.count > 0 {
            let line = pending
            processLine(UnsafePointer(line.base), line.count)
            pending.count = 0
        }
        finished = true
    }

    // MARK: - Line handling

    private struct LineFailure: Error {
        let reason: String
    }

    private mutating func processLine(_ p: UnsafePointer<UInt8>, _ n: Int) {
        linesRead += 1
        do {
            if try handle(p, n) { reviewsProcessed += 1 }
        } catch {
            guard shard == 0 else { return }
            errorCount += 1
            errors.append(ReplayLineError(line: linesRead, reason: error.reason))
        }
    }

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

    /// Parses and checks the line; schedules it if its card belongs to this shard (returns whether it did).
    @inline(__always)
    private mutating func handle(_ p: UnsafePointer<UInt8>, _ n: Int) throws(LineFailure) -> Bool {
        var i = 0
        Self.skipWhitespace(p, &i, n)
        guard i < n else { throw LineFailure(reason: "empty line") }
        guard p[i] == 0x7B else { throw LineFailure(reason: "expected a JSON object ('{')") }
        i += 1

        var cardPtr: UnsafePointer<UInt8>? = nil
        var cardLen = 0
        var cardRawJSON = false  // the id's bytes can be written to JSON output as they are
        var rating = 0
        var at: Int64 = 0
        var haveAt = false

        Self.skipWhitespace(p, &i, n)
        if i < n && p[i] == 0x7D {
            i += 1
        } else {
            while true {
                Self.skipWhitespace(p, &i, n)
                guard i < n, p[i] == 0x22 else { throw LineFailure(reason: "expected a field name in double quotes") }
                let key = try Self.parseString(p, &i, n, scratch: &tmpScratch, what: "field name")
                Self.skipWhitespace(p, &i, n)
                guard i < n, p[i] == 0x3A else { throw LineFailure(reason: "expected ':' after a field name") }
                i += 1
                Self.skipWhitespace(p, &i, n)
                guard i < n else { throw LineFailure(reason: "missing value") }
                if Self.isKey(key, "card") {
                    guard cardPtr == nil else { throw LineFailure(reason: "duplicate field \"card\"") }
                    guard p[i] == 0x22 else { throw LineFailure(reason: "\"card\" must be a string") }
                    let value = try Self.parseString(p, &i, n, scratch: &idScratch, what: "\"card\"")
                    guard value.count > 0 else { throw LineFailure(reason: "\"card\" must not be empty") }
                    guard value.count <= CardTable.maximumKeyLength else {
                        throw LineFailure(reason: "\"card\" is longer than \(CardTable.maximumKeyLength) bytes")
                    }
                    cardPtr = value.base
                    cardLen = value.count
                    cardRawJSON = !value.escaped
                } else if Self.isKey(key, "rating") {
                    guard rating == 0 else { throw LineFailure(reason: "duplicate field \"rating\"") }
                    rating = try Self.parseRating(p, &i, n)
                } else if Self.isKey(key, "at") {
                    guard !haveAt else { throw LineFailure(reason: "duplicate field \"at\"") }
                    guard p[i] == 0x22 else { throw LineFailure(reason: "\"at\" must be a string") }
                    let value = try Self.parseString(p, &i, n, scratch: &tmpScratch, what: "\"at\"")
                    do {
                        at = try UTCTimestamp.parseMicros(value.base, value.count)
                    } catch {
                        throw LineFailure(reason: "\"at\": \(error.description)")
                    }
                    haveAt = true
                } else {
                    let name = String(decoding: UnsafeBufferPointer(start: key.base, count: key.count), as: UTF8.self)
                    throw LineFailure(reason: "unknown field \(JSONEscape.quoted(name)) (expected \"card\", \"rating\", \"at\")")
                }
                Self.skipWhitespace(p, &i, n)
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
        Self.skipWhitespace(p, &i, n)
        guard i == n else { throw LineFailure(reason: "unexpected text after the JSON object") }
        guard let cardPtr else { throw LineFailure(reason: "missing field \"card\"") }
        guard rating != 0 else { throw LineFailure(reason: "missing field \"rating\"") }
        guard haveAt else { throw LineFailure(reason: "missing field \"at\"") }

        // Schedule.
        let hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(start: cardPtr, count: cardLen))
        guard shardCount == 1 || ReplayEngine.shard(of: hash, count: shardCount) == shard else { return false }
        let index = table.findOrInsert(cardPtr, cardLen, hash: hash, rawJSON: cardRawJSON)
        let sched = scheduler
        let ratingValue = SRSRating(rawValue: rating)!
        var card = table.card(index)
        let before: Double
        if let s = card.stability, let last = card.lastReview {
            before = sched.retrievability(stability: s, lastReview: last, now: at)
        } else {
            before = 0
        }
        sched.schedule(
            &card, rating: ratingValue, now: at, fuzz: sched.enableFuzzing ? .seeded(hash) : .none,
            knownRetrievability: before)
        table.setCard(index, card)
        writeOutput(json: table.jsonBytes(index), card: card, retrievability: before)
        if shardCount > 1 {
            outLines.append(linesRead)
            outEnds.append(out.count)
        }
        return true
    }

    /// The shard that schedules a card (the table's slot function multiplies the whole hash, so any bits will do).
    @inline(__always)
    static func shard(of hash: UInt64, count: UInt64) -> UInt64 {
        (hash >> 32) % count
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
                    throw LineFailure(reason: "\(what()) is not valid UTF-8")
                }
                return result
            }
            if b == 0x5C { break }
            if b < 0x20 { throw LineFailure(reason: "control character in \(what()) string") }
            if b >= 0x80 { nonASCII = true }
            i += 1
        }
        guard i < n else { throw LineFailure(reason: "unterminated string in \(what())") }
        return try parseEscapedString(p, &i, n, start: start, scratch: &scratch, what: what())
    }

    private static func parseEscapedString(
        _ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, start: Int, scratch: inout RawBytes, what: String
    ) throws(LineFailure) -> ParsedString {
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
                guard var scalar = hex4(p, i, n) else { throw LineFailure(reason: "bad \\u escape in \(what)") }
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 1 < n, p[i] == 0x5C, p[i + 1] == 0x75, let low = hex4(p, i + 2, n),
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
    private static func parseRating(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(LineFailure) -> Int {
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
    private static func ratingFailure(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> LineFailure {
        let mustBe = "\"rating\" must be an integer from 1 (Again) to 4 (Easy)"
        let first = p[i]
        if first == 0x22 { return LineFailure(reason: "\(mustBe), not a string") }
        guard first == 0x2D || (first >= 0x30 && first <= 0x39) else { return LineFailure(reason: mustBe) }
        var j = i
        while j < n, (p[j] >= 0x30 && p[j] <= 0x39) || p[j] == 0x2E || p[j] == 0x65 || p[j] == 0x45 || p[j] == 0x2B || p[j] == 0x2D {
            j += 1
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + i, count: j - i), as: UTF8.self)
        return LineFailure(reason: "\(mustBe), got \(text)")
    }

    // MARK: - Output

    @inline(__always)
    private mutating func writeOutput(json: UnsafeBufferPointer<UInt8>, card: CoreCard, retrievability: Double) {
        out.reserve(json.count + 256)
        out.appendLiteral("{\"card\":\"")
        out.append(json.baseAddress!, json.count)
        switch card.state {
        case .learning: out.appendLiteral("\",\"state\":\"learning\",\"step\":")
        case .review: out.appendLiteral("\",\"state\":\"review\",\"step\":")
        case .relearning: out.appendLiteral("\",\"state\":\"relearning\",\"step\":")
        }
        if let step = card.step {
            out.appendInt(step)
        } else {
            out.appendLiteral("null")
        }
        out.appendLiteral(",\"stability\":")
        out.appendDouble(card.stability ?? 0)
        out.appendLiteral(",\"difficulty\":")
        out.appendDouble(card.difficulty ?? 0)
        out.appendLiteral(",\"due\":\"")
        out.count += UTCTimestamp.write(card.due, to: out.base + out.count)
        out.appendLiteral("\",\"retrievability\":")
        out.appendDouble(retrievability)
        out.appendLiteral("}\n")
    }
}

/// A card's scheduling state packed into 40 bytes for the replay table.
struct PackedCard {
    var stability: Double = .nan  // NaN: none
    var difficulty: Double = .nan
    var due: Int64 = 0
    var lastReview: Int64 = .min  // .min: none
    var reviewCount: UInt32 = 0
    var step: Int16 = 0  // -1: none
    var state: UInt8 = 0  // 0 learning, 1 review, 2 relearning

    @inline(__always)
    init() {}

    @inline(__always)
    init(_ c: CoreCard) {
        stability = c.stability ?? .nan
        difficulty = c.difficulty ?? .nan
        due = c.due
        lastReview = c.lastReview ?? .min
        reviewCount = UInt32(truncatingIfNeeded: min(c.reviewCount, Int(UInt32.max)))
        step = c.step.map { Int16(truncatingIfNeeded: $0) } ?? -1
        switch c.state {
        case .learning: state = 0
        case .review: state = 1
        case .relearning: state = 2
        }
    }

    @inline(__always)
    var core: CoreCard {
        var c = CoreCard()
        c.stability = stability.isNaN ? nil : stability
        c.difficulty = difficulty.isNaN ? nil : difficulty
        c.due = due
        c.lastReview = lastReview == .min ? nil : lastReview
        c.reviewCount = Int(reviewCount)
        c.step = step < 0 ? nil : Int(step)
        c.state = state == 0 ? .learning : (state == 1 ? .review : .relearning)
        return c
    }
}

/// Open-addressing map from card id bytes to per-card scheduling state, laid out for few cache
/// misses: the slot array holds a 32-bit hash tag next to the entry index, and each 64-byte,
/// 64-byte-aligned entry holds the card state and (up to 16 bytes of) the id inline.
struct CardTable {
    /// The longest accepted card id, in bytes.
    static let maximumKeyLength = 4096

    struct Entry {
        var card: PackedCard
        /// Offset in `arena` of the id (followed by its JSON-escaped form when `jsonCount > 0`).
        var keyOffset: UInt32
        var keyCount: UInt16
        /// 0 when the id needs no escaping in JSON; otherwise the length of the escaped form.
        var jsonCount: UInt16
        /// The first 16 bytes of the id, zero-padded.
        var inline0: UInt64
        var inline1: UInt64
    }

    private(set) var count = 0
    private var capacity = 1024
    private var entries: UnsafeMutablePointer<Entry>
    private var arena = RawBytes(capacity: 1 << 16)
    /// 0: empty; otherwise (hash tag << 32) | (index + 1).
    private var slots: [UInt64] = Array(repeating: 0, count: 2048)
    private var shift: UInt64 = 64 - 11

    init() {
        entries = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Entry>.stride, alignment: 64)
            .bindMemory(to: Entry.self, capacity: capacity)
    }

    func deallocate() {
        arena.deallocate()
        UnsafeMutableRawPointer(entries).deallocate()
    }

    @inline(__always)
    func card(_ index: Int) -> CoreCard { entries[index].card.core }

    @inline(__always)
    func setCard(_ index: Int, _ card: CoreCard) { entries[index].card = PackedCard(card) }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    private static func inlineWords(_ key: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: key, byteCount: min(count, 16)) }
        return words
    }

    @inline(__always)
    private func matches(_ index: Int, _ key: UnsafePointer<UInt8>, _ count: Int, _ words: (UInt64, UInt64)) -> Bool {
        let entry = entries[index]
        guard Int(entry.keyCount) == count, entry.inline0 == words.0, entry.inline1 == words.1 else { return false }
        if count <= 16 { return true }
        return memcmp(arena.base + Int(entry.keyOffset) + 16, key + 16, count - 16) == 0
    }

    /// The JSON-escaped id of entry `index` (valid until the next insertion).
    @inline(__always)
    func jsonBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let entry = entries + index
        let keyCount = Int(entry.pointee.keyCount)
        if entry.pointee.jsonCount == 0 {
            if keyCount <= 16 {
                return UnsafeRawBufferPointer(start: UnsafeRawPointer(entry) + MemoryLayout<Entry>.offset(of: \Entry.inline0)!, count: keyCount)
                    .assumingMemoryBound(to: UInt8.self)
            }
            return UnsafeBufferPointer(start: arena.base + Int(entry.pointee.keyOffset), count: keyCount)
        }
        return UnsafeBufferPointer(
            start: arena.base + Int(entry.pointee.keyOffset) + keyCount, count: Int(entry.pointee.jsonCount))
    }

    func find(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Int? {
        let words = Self.inlineWords(key, count)
        let tag = hash & 0xFFFF_FFFF
        let mask = slots.count - 1
        var s = slot(hash)
        while true {
            let value = slots[s]
            if value == 0 { return nil }
            let index = Int(value & 0xFFFF_FFFF) - 1
            if value >> 32 == tag && matches(index, key, count, words) { return index }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    mutating func findOrInsert(_ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, rawJSON: Bool) -> Int {
        let words = Self.inlineWords(key, count)
        let tag = hash & 0xFFFF_FFFF
        let mask = slots.count - 1
        var s = slot(hash)
        while true {
            let value = slots[s]
            if value == 0 { break }
            let index = Int(value & 0xFFFF_FFFF) - 1
            if value >> 32 == tag && matches(index, key, count, words) { return index }
            s = (s + 1) & mask
        }
        return insert(key, count, hash: hash, rawJSON: rawJSON, words: words, slot: s)
    }

    private mutating func insert(
        _ key: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, rawJSON: Bool, words: (UInt64, UInt64), slot s: Int
    ) -> Int {
        precondition(count <= Self.maximumKeyLength)
        let keyOffset = arena.count
        var jsonCount = 0
        if count > 16 || !rawJSON {
            arena.append(key, count)
            if !rawJSON {
                var escaped: [UInt8] = []
                JSONEscape.append(UnsafeBufferPointer(start: key, count: count), to: &escaped)
                escaped.withUnsafeBufferPointer { arena.append($0.baseAddress!, $0.count) }
                jsonCount = escaped.count
            }
        }
        precondition(arena.count <= Int(UInt32.max), "too many card ids")
        if self.count == capacity { growEntries() }
        let index = self.count
        (entries + index).initialize(
            to: Entry(
                card: PackedCard(), keyOffset: UInt32(keyOffset), keyCount: UInt16(count),
                jsonCount: UInt16(jsonCount), inline0: words.0, inline1: words.1))
        self.count += 1
        slots[s] = ((hash & 0xFFFF_FFFF) << 32) | UInt64(index + 1)
        if self.count * 2 > slots.count { growSlots() }
        return index
    }

    private mutating func growEntries() {
        let newCapacity = capacity * 2
        let newEntries = UnsafeMutableRawPointer.allocate(
            byteCount: newCapacity * MemoryLayout<Entry>.stride, alignment: 64
        ).bindMemory(to: Entry.self, capacity: newCapacity)
        newEntries.moveInitialize(from: entries, count: self.count)
        UnsafeMutableRawPointer(entries).deallocate()
        entries = newEntries
        capacity = newCapacity
    }

    private mutating func growSlots() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        let mask = slots.count - 1
        for value in old where value != 0 {
            let index = Int(value & 0xFFFF_FFFF) - 1
            let entry = entries[index]
            // Recompute the hash from the stored id.
            let keyCount = Int(entry.keyCount)
            var hash: UInt64
            if keyCount <= 16 {
                var words = (entry.inline0, entry.inline1)
                hash = withUnsafeBytes(of: &words) { FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<keyCount])) }
            } else {
                hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(start: arena.base + Int(entry.keyOffset), count: keyCount))
            }
            var s = slot(hash)
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = value
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
/// A value type without ownership: the owner calls ``deallocate()``.
struct RawBytes {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always)
    mutating func appendLiteral(_ s: StaticString) {
        append(s.utf8Start, s.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func appendInt(_ value: Int) {
        if value >= 0 && value < 10 {
            append(UInt8(48 + value))
            return
        }
        var s = String(value)
        s.withUTF8 { append($0.baseAddress!, $0.count) }
    }

    /// Appends Swift's shortest round-trip form of `value` without allocating.
    @inline(__always)
    mutating func appendDouble(_ value: Double) {
        // Common exact values (retrievability of new and same-day cards), as Swift prints them.
        if value == 0 && value.sign == .plus {
            appendLiteral("0.0")
            return
        }
        if value == 1 {
            appendLiteral("1.0")
            return
        }
        reserve(40)
        var sink = PointerSink(target: base + count)
        value.write(to: &sink)
        count += sink.written
    }
}

/// A `TextOutputStream` writing straight to memory; `Double.write(to:)` hands it ASCII without
/// creating a `String`.
struct PointerSink: TextOutputStream {
    let target: UnsafeMutablePointer<UInt8>
    var written = 0

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _writeASCII($0) }
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let source = buffer.baseAddress else { return }
        (target + written).update(from: source, count: min(buffer.count, 40 - written))
        written += min(buffer.count, 40 - written)
    }
}
