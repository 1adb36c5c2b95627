import Foundation
import Testing
@testable import SpacedRepetition

@Suite("Scheduler configuration")
struct SchedulerConfigurationTests {
    @Test("desired retention must be within 0.70...0.97", arguments: [0.69, 0.699999, 0.9700001, 0.98, 1.0, 0, -0.9, .nan, .infinity])
    func rejectsRetentionOutsideRange(retention: Double) {
        #expect(throws: FSRSConfigurationError.self) { try FSRSScheduler(desiredRetention: retention) }
        #expect(throws: FSRSConfigurationError.self) { try FSRSScheduler(desiredRetention: retention, enableFuzzing: false) }
    }

    @Test("retention bounds are inclusive", arguments: [0.70, 0.8, 0.9, 0.95, 0.97])
    func acceptsRetentionInRange(retention: Double) throws {
        let scheduler = try FSRSScheduler(desiredRetention: retention)
        #expect(scheduler.desiredRetention == retention)
    }

    @Test("errors explain themselves")
    func errorDescription() {
        do {
            _ = try FSRSScheduler(desiredRetention: 0.5)
            Issue.record("expected an error")
        } catch {
            #expect(error == .desiredRetentionOutOfRange(0.5))
            #expect(error.description.contains("0.70...0.97"))
        }
    }

    @Test("parameters, maximum interval and steps are validated")
    func otherValidation() {
        #expect(throws: FSRSConfigurationError.wrongParameterCount(20)) {
            try FSRSScheduler(parameters: Array(FSRSScheduler.defaultParameters.prefix(20)))
        }
        var parameters = FSRSScheduler.defaultParameters
        parameters[20] = 0.9
        #expect(throws: FSRSConfigurationError.self) { try FSRSScheduler(parameters: parameters) }
        #expect(throws: FSRSConfigurationError.maximumIntervalTooSmall(0)) { try FSRSScheduler(maximumInterval: 0) }
        #expect(throws: FSRSConfigurationError.self) { try FSRSScheduler(learningSteps: [60, -1]) }
        #expect(throws: FSRSConfigurationError.self) { try FSRSScheduler(relearningSteps: [.nan]) }
    }

    @Test("defaults match py-fsrs")
    func defaults() throws {
        let scheduler = try FSRSScheduler()
        #expect(scheduler.parameters.count == 21)
        #expect(scheduler.parameters[20] == 0.1542)
        #expect(scheduler.desiredRetention == 0.9)
        #expect(scheduler.learningSteps == [60, 600])
        #expect(scheduler.relearningSteps == [600])
        #expect(scheduler.maximumInterval == 36500)
        #expect(scheduler.enableFuzzing)
    }

    @Test("Codable round trip, with validation on decode")
    func codable() throws {
        let scheduler = try FSRSScheduler(desiredRetention: 0.85, maximumInterval: 365, enableFuzzing: false)
        let data = try JSONEncoder().encode(scheduler)
        #expect(try JSONDecoder().decode(FSRSScheduler.self, from: data) == scheduler)
        let bad = Data(#"{"desiredRetention": 0.5}"#.utf8)
        #expect(throws: FSRSConfigurationError.self) { try JSONDecoder().decode(FSRSScheduler.self, from: bad) }

        let card = SRSCard(id: "c1", due: date("2026-01-01T00:00:00Z"))
        let reviewed = scheduler.review(card, rating: .good, at: date("2026-01-01T00:00:00Z")).card
        let decoded = try JSONDecoder().decode(SRSCard.self, from: JSONEncoder().encode(reviewed))
        #expect(decoded == reviewed)
        let stateJSON = String(decoding: try JSONEncoder().encode(SRSCardState.relearning), as: UTF8.self)
        #expect(stateJSON == #""relearning""#)
        #expect(String(decoding: try JSONEncoder().encode(SRSRating.easy), as: UTF8.self) == "4")
    }
}

@Suite("Scheduling")
struct SchedulingTests {
    let noFuzz = try! FSRSScheduler(enableFuzzing: false)
    let t0 = date("2026-01-01T00:00:00Z")

    @Test("a new card follows the learning steps")
    func newCardIntervals() throws {
        let card = SRSCard(id: "new", due: t0)
        let intervals = noFuzz.intervals(for: card, at: t0)
        #expect(intervals[.again] == 60)
        #expect(intervals[.hard] == 330)  // (1 min + 10 min) / 2
        #expect(intervals[.good] == 600)
        let easy = try #require(intervals[.easy])
        #expect(easy == 691_200, "\(easy.bitPattern)")  // 8 days = round(w3 = 8.2956)
        let preview = noFuzz.preview(card, at: t0)
        #expect(preview[.good]?.card.state == .learning)
        #expect(preview[.good]?.card.step == 1)
        #expect(preview[.easy]?.card.state == .review)
        #expect(preview[.easy]?.card.step == nil)
        #expect(preview[.again]?.card.stability == 0.212)
    }

    @Test("a review lapse goes to relearning for 10 minutes")
    func lapse() {
        var card = SRSCard(id: "lapse", due: t0)
        card = noFuzz.review(card, rating: .easy, at: t0).card
        #expect(card.state == .review)
        let later = t0.addingTimeInterval(8 * 86400)
        let (lapsed, log) = noFuzz.review(card, rating: .again, at: later)
        #expect(lapsed.state == .relearning)
        #expect(lapsed.step == 0)
        #expect(lapsed.due == later.addingTimeInterval(600))
        #expect(lapsed.stability! < card.stability!)
        #expect(lapsed.difficulty! > card.difficulty!)
        #expect(lapsed.reviewCount == 2)
        #expect(log.cardID == "lapse")
        #expect(log.rating == .again)
        #expect(log.reviewedAt == later)
        // Hard in relearning with a single step: 1.5 x 10 minutes.
        #expect(noFuzz.intervals(for: lapsed, at: later.addingTimeInterval(600))[.hard] == 900)
    }

    @Test("retrievability: 0 for a new card, 1 the same day, 0.9 after `stability` days")
    func retrievability() {
        var card = SRSCard(id: "r", due: t0)
        #expect(noFuzz.retrievability(of: card, at: t0) == 0)
        card = SRSCard(
            id: "r", state: .review, step: nil, stability: 10, difficulty: 5, due: t0, lastReview: t0, reviewCount: 3)
        #expect(noFuzz.retrievability(of: card, at: t0.addingTimeInterval(86399)) == 1)
        #expect(abs(noFuzz.retrievability(of: card, at: t0.addingTimeInterval(10 * 86400)) - 0.9) < 1e-12)
        // Whole days only, as py-fsrs's timedelta.days.
        #expect(
            noFuzz.retrievability(of: card, at: t0.addingTimeInterval(10 * 86400))
                == noFuzz.retrievability(of: card, at: t0.addingTimeInterval(11 * 86400 - 1)))
        // Earlier than the last review counts as zero days.
        #expect(noFuzz.retrievability(of: card, at: t0.addingTimeInterval(-86400 * 3)) == 1)
        let r30 = noFuzz.retrievability(of: card, at: t0.addingTimeInterval(30 * 86400))
        #expect(r30 < 0.9 && r30 > 0.7)
    }

    @Test("intervals are rounded, at least 1 day and at most the maximum")
    func intervalClamping() throws {
        #expect(noFuzz.interval(forStability: 0.001) == 1)
        #expect(noFuzz.interval(forStability: 10.2) == 10)
        #expect(noFuzz.interval(forStability: 1e9) == 36500)
        let capped = try FSRSScheduler(maximumInterval: 30, enableFuzzing: false)
        #expect(capped.interval(forStability: 100) == 30)
        let strict = try FSRSScheduler(desiredRetention: 0.97, enableFuzzing: false)
        let loose = try FSRSScheduler(desiredRetention: 0.70, enableFuzzing: false)
        #expect(strict.interval(forStability: 50) < noFuzz.interval(forStability: 50))
        #expect(loose.interval(forStability: 50) > noFuzz.interval(forStability: 50))
    }
}

@Suite("Fuzz")
struct FuzzTests {
    let fuzzed = try! FSRSScheduler()
    let plain = try! FSRSScheduler(enableFuzzing: false)
    let t0 = date("2026-01-01T00:00:00Z")

    /// A card in review with the given stability, last reviewed at t0.
    func reviewCard(_ id: String, stability: Double, reviews: Int = 5) -> SRSCard {
        SRSCard(id: id, state: .review, step: nil, stability: stability, difficulty: 5, due: t0, lastReview: t0, reviewCount: reviews)
    }

    @Test("fuzz ranges equal py-fsrs's _get_fuzz_range")
    func rangesMatchReference() throws {
        let url = ReferenceFixture.directory.appendingPathComponent("fuzz-ranges.json")
        let groups = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        #expect(groups.count == 2)
        for group in groups {
            let maximum = (group["maximum_interval"] as! NSNumber).intValue
            let scheduler = try FSRSScheduler(maximumInterval: maximum)
            let ranges = group["ranges"] as! [[NSNumber]]
            #expect(!ranges.isEmpty)
            for entry in ranges {
                let days = entry[0].intValue
                #expect(scheduler.fuzzRange(forInterval: days) == entry[1].intValue...entry[2].intValue, "interval \(days), max \(maximum)")
            }
        }
        #expect(fuzzed.fuzzRange(forInterval: 2) == nil)
        #expect(fuzzed.fuzzRange(forInterval: 1) == nil)
    }

    @Test("fuzzed intervals never leave the range", arguments: [3, 4, 7, 10, 19, 20, 21, 100, 365, 1000, 36500])
    func fuzzedIntervalInRange(days: Int) throws {
        let range = try #require(fuzzed.fuzzRange(forInterval: days))
        var seen = Set<Int>()
        for u in [0.0, 1e-12, 0.25, 0.5, 0.75, 0.999999, 1.0 - 0x1p-53] {
            let value = fuzzed.fuzzedInterval(days, fuzz: u)
            #expect(range.contains(value))
            seen.insert(value)
        }
        for k in 0..<500 {
            let value = fuzzed.fuzzedInterval(days, fuzz: FuzzSeed.unitValue(cardID: "card-\(k)", reviewCount: k % 7))
            #expect(range.contains(value))
            #expect(value <= fuzzed.maximumInterval)
            seen.insert(value)
        }
        // Both ends are reachable; small ranges are covered completely (uniform choice).
        #expect(seen.contains(range.lowerBound) && seen.contains(range.upperBound))
        if range.count <= 30 { #expect(seen.count == range.count) }
    }

    @Test("short intervals are not fuzzed")
    func shortIntervalsUnfuzzed() {
        for u in [0.0, 0.5, 0.99] {
            #expect(fuzzed.fuzzedInterval(1, fuzz: u) == 1)
            #expect(fuzzed.fuzzedInterval(2, fuzz: u) == 2)
        }
    }

    @Test("the maximum interval is never exceeded")
    func respectsMaximum() throws {
        let capped = try FSRSScheduler(maximumInterval: 30)
        for k in 0..<300 {
            let card = reviewCard("cap-\(k)", stability: Double(20 + k))
            let next = capped.review(card, rating: .easy, at: t0.addingTimeInterval(Double(k % 40) * 86400)).card
            let days = next.due.timeIntervalSince(next.lastReview!) / 86400
            #expect(days <= 30 && days >= 2)
        }
    }

    @Test("same card, history and rating give the same interval")
    func deterministic() throws {
        let other = try FSRSScheduler()
        for k in 0..<200 {
            let card = reviewCard("det-\(k)", stability: Double(5 + k))
            let at = t0.addingTimeInterval(Double(5 + k) * 86400)
            let a = fuzzed.review(card, rating: .good, at: at).card
            let b = fuzzed.review(card, rating: .good, at: at).card
            let c = other.review(card, rating: .good, at: at).card
            #expect(a == b)
            #expect(a == c)
            // The preview shows the interval the review will really give.
            #expect(fuzzed.intervals(for: card, at: at)[.good] == a.due.timeIntervalSince(at))
        }
    }

    @Test("the seed is a stable function of card id and review count")
    func stableSeed() {
        // Fixed values: a change here changes every user's schedule, so it must be deliberate.
        #expect(FuzzSeed.cardHash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FuzzSeed.cardHash("a") == 0xaf63_dc4c_8601_ec8c)
        let u = FuzzSeed.unitValue(cardID: "c1", reviewCount: 3)
        #expect(u == FuzzSeed.unitValue(cardID: "c1", reviewCount: 3))
        #expect(u != FuzzSeed.unitValue(cardID: "c1", reviewCount: 4))
        #expect(u != FuzzSeed.unitValue(cardID: "c2", reviewCount: 3))
        #expect(u >= 0 && u < 1)
        // Roughly uniform.
        let values = (0..<10_000).map { FuzzSeed.unitValue(cardID: "u\($0)", reviewCount: $0 % 13) }
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.02)
        #expect(values.filter { $0 < 0.1 }.count > 800)
    }

    @Test("fuzz varies across cards but only touches review intervals")
    func fuzzScope() {
        var intervals = Set<TimeInterval>()
        for k in 0..<100 {
            let card = reviewCard("spread-\(k)", stability: 50)
            let at = t0.addingTimeInterval(50 * 86400)
            let fuzzedDue = fuzzed.review(card, rating: .good, at: at).card.due
            let plainDue = plain.review(card, rating: .good, at: at).card.due
            let range = fuzzed.fuzzRange(forInterval: Int(plainDue.timeIntervalSince(at) / 86400))!
            #expect(range.contains(Int(fuzzedDue.timeIntervalSince(at) / 86400)))
            intervals.insert(fuzzedDue.timeIntervalSince(at))
            // Stability and difficulty are not fuzzed.
            #expect(fuzzed.review(card, rating: .good, at: at).card.stability == plain.review(card, rating: .good, at: at).card.stability)
        }
        #expect(intervals.count > 3)
        // Learning steps and relearning steps are never fuzzed.
        let new = SRSCard(id: "n", due: t0)
        #expect(fuzzed.intervals(for: new, at: t0)[.good] == 600)
        #expect(fuzzed.review(reviewCard("l", stability: 50), rating: .again, at: t0.addingTimeInterval(50 * 86400)).card.due
            == t0.addingTimeInterval(50 * 86400 + 600))
    }

    @Test("explicit fuzz values are used as given")
    func explicitFuzz() throws {
        let card = reviewCard("x", stability: 100)
        let at = t0.addingTimeInterval(100 * 86400)
        let base = Int(plain.review(card, rating: .good, at: at).card.due.timeIntervalSince(at) / 86400)
        let range = try #require(fuzzed.fuzzRange(forInterval: base))
        let low = fuzzed.review(card, rating: .good, at: at, fuzz: 0).card
        let high = fuzzed.review(card, rating: .good, at: at, fuzz: 0.999999).card
        #expect(low.due == at.addingTimeInterval(Double(range.lowerBound) * 86400))
        #expect(high.due == at.addingTimeInterval(Double(range.upperBound) * 86400))
        #expect(plain.review(card, rating: .good, at: at, fuzz: 0).card.due == at.addingTimeInterval(Double(base) * 86400))
    }
}
