// Parsed by hand, not with JSONDecoder: the replay must sustain ≥ 1,000,000 reviews/s (BENCHMARKS.md, "FSRS replay").
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
        // Ends each engine, which frees its buffers and card table.
        engines.deinitialize(count: shardCount)
        engines.deallocate()
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
