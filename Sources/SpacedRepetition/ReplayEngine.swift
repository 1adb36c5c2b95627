import Foundation

/// One shard's replay: splits the input into lines, parses each, schedules the reviews of its own cards and writes
/// their output lines.
///
/// A struct, so the hot path has no dynamic exclusivity checks; non-copyable, because it owns its buffers and card
/// table (a copy would share and then free them twice).
struct ReplayEngine: ~Copyable {
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
    /// The start of a line whose newline has not arrived yet.
    private var pending = RawBytes(capacity: 256)
    private var parser = ReplayLineParser()
    var table = CardTable()
    private var finished = false

    init(scheduler: FSRSScheduler, shard: Int = 0, shardCount: Int = 1) {
        self.scheduler = scheduler
        self.shard = UInt64(shard)
        self.shardCount = UInt64(shardCount)
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
            processPendingLine()
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
        if pending.count > 0 { processPendingLine() }
        finished = true
    }

    /// The shard that schedules a card (the table's slot function multiplies the whole hash, so any bits will do).
    @inline(__always)
    static func shard(of hash: UInt64, count: UInt64) -> UInt64 {
        (hash >> 32) % count
    }

    // MARK: - Lines

    /// Processes the line assembled in `pending` and empties it (nothing on the line's path writes `pending`).
    private mutating func processPendingLine() {
        processLine(UnsafePointer(pending.base), pending.count)
        pending.count = 0
    }

    private mutating func processLine(_ p: UnsafePointer<UInt8>, _ n: Int) {
        linesRead += 1
        do {
            let review = try parser.parse(p, n)
            if schedule(review) { reviewsProcessed += 1 }
        } catch {
            guard shard == 0 else { return }
            errorCount += 1
            errors.append(ReplayLineError(line: linesRead, reason: error.reason))
        }
    }

    /// Schedules the review if its card belongs to this shard (returns whether it did) and writes its output line.
    @inline(__always)
    private mutating func schedule(_ review: ParsedReview) -> Bool {
        let hash = FuzzSeed.cardHash(bytes: UnsafeRawBufferPointer(start: review.card, count: review.cardCount))
        guard shardCount == 1 || ReplayEngine.shard(of: hash, count: shardCount) == shard else { return false }
        let index = table.findOrInsert(review.card, review.cardCount, hash: hash, rawJSON: review.cardIsRawJSON)
        let sched = scheduler
        let at = review.at
        var card = table.card(index)
        let before: Double
        if let s = card.stability, let last = card.lastReview {
            before = sched.retrievability(stability: s, lastReview: last, now: at)
        } else {
            before = 0
        }
        sched.schedule(
            &card, rating: review.rating, now: at, fuzz: sched.enableFuzzing ? .seeded(hash) : .none,
            knownRetrievability: before)
        table.setCard(index, card)
        writeOutput(json: table.jsonBytes(index), card: card, retrievability: before)
        if shardCount > 1 {
            outLines.append(linesRead)
            outEnds.append(out.count)
        }
        return true
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
