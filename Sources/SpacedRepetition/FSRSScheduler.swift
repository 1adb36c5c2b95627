import Foundation

/// Why an ``FSRSScheduler`` configuration was rejected.
public enum FSRSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The desired retention is outside ``FSRSScheduler/desiredRetentionRange`` (or not a number).
    case desiredRetentionOutOfRange(Double)
    /// The maximum interval is below one day.
    case maximumIntervalTooSmall(Int)
    /// The parameter list does not have exactly 21 values.
    case wrongParameterCount(Int)
    /// A parameter is outside the bounds py-fsrs allows for it.
    case parameterOutOfBounds(index: Int, value: Double, lower: Double, upper: Double)
    /// A learning or relearning step is not a positive, finite number of seconds.
    case invalidStep(TimeInterval)

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .desiredRetentionOutOfRange(let value):
            "desired retention \(value) is outside 0.70...0.97"
        case .maximumIntervalTooSmall(let value):
            "maximum interval \(value) must be at least 1 day"
        case .wrongParameterCount(let count):
            "expected 21 FSRS parameters, got \(count)"
        case .parameterOutOfBounds(let index, let value, let lower, let upper):
            "parameters[\(index)] = \(value) is out of bounds (\(lower), \(upper))"
        case .invalidStep(let value):
            "learning/relearning step \(value) s must be a positive number of seconds"
        }
    }
}

/// A pure FSRS-6 scheduler that reproduces py-fsrs 6.x (`fsrs` on PyPI) exactly when fuzz is off.
///
/// Time and randomness are inputs: every method takes the review time as a `Date`, and the
/// interval fuzz is either derived deterministically from the card's id and review count
/// (``review(_:rating:at:)``) or passed in explicitly (``review(_:rating:at:fuzz:)``).
/// The scheduler does no I/O and holds no mutable state, so it can be shared freely.
///
/// Arithmetic follows py-fsrs operation by operation (including `math.e ** x` as
/// `pow(e, x)`, Python's round-half-to-even for intervals, whole elapsed days from
/// `timedelta.days`, and clamping of stability to ≥ 0.001 and difficulty to 1...10),
/// and times are handled in whole microseconds like Python's `datetime`.
public struct FSRSScheduler: Sendable, Hashable, Codable {
    /// The 21 default FSRS-6 parameters (py-fsrs `DEFAULT_PARAMETERS`).
    public static let defaultParameters: [Double] = [
        0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
        1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
    ]
    /// Lower bounds of each parameter (py-fsrs `LOWER_BOUNDS_PARAMETERS`).
    public static let parameterLowerBounds: [Double] = [
        0.001, 0.001, 0.001, 0.001, 1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001,
        0.001, 0.001, 0.001, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1,
    ]
    /// Upper bounds of each parameter (py-fsrs `UPPER_BOUNDS_PARAMETERS`).
    public static let parameterUpperBounds: [Double] = [
        100.0, 100.0, 100.0, 100.0, 10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5,
        5.0, 0.25, 0.9, 4.0, 1.0, 6.0, 2.0, 2.0, 0.8, 0.8,
    ]
    /// The accepted range of desired retention.
    public static let desiredRetentionRange: ClosedRange<Double> = 0.70...0.97
    /// The smallest stability the scheduler produces (py-fsrs `STABILITY_MIN`).
    public static let minimumStability: Double = 0.001
    /// The difficulty range (py-fsrs `MIN_DIFFICULTY`...`MAX_DIFFICULTY`).
    public static let difficultyRange: ClosedRange<Double> = 1.0...10.0

    /// The 21 model weights w0…w20 (w20 is the FSRS-6 forgetting-curve decay).
    public let parameters: [Double]
    /// The target probability of recall at the due date.
    public let desiredRetention: Double
    /// Learning steps in seconds (default 1 min, 10 min).
    public let learningSteps: [TimeInterval]
    /// Relearning steps in seconds (default 10 min).
    public let relearningSteps: [TimeInterval]
    /// The longest interval, in days, a review card can get (default 36500).
    public let maximumInterval: Int
    /// Whether review intervals get a small deterministic random fuzz.
    public let enableFuzzing: Bool

    // Derived constants, computed exactly as py-fsrs computes them.
    private let decay: Double
    private let factor: Double
    private let retentionTerm: Double
    private let learningStepsMicros: [Int64]
    private let relearningStepsMicros: [Int64]
    private let easyInitialDifficultyUnclamped: Double
    private let initialDifficulties: [Double]
    private let shortTermFactors: [Double]
    private let expW8: Double
    private let shortTermForgetDivisor: Double

    private enum CodingKeys: String, CodingKey {
        case parameters, desiredRetention, learningSteps, relearningSteps, maximumInterval, enableFuzzing
    }

    /// Creates a scheduler; throws ``FSRSConfigurationError`` for invalid settings.
    ///
    /// - Parameters:
    ///   - parameters: the 21 FSRS-6 weights, each within py-fsrs's bounds.
    ///   - desiredRetention: target recall probability, within 0.70...0.97.
    ///   - learningSteps: learning steps in seconds (may be empty).
    ///   - relearningSteps: relearning steps in seconds (may be empty).
    ///   - maximumInterval: longest review interval in days, at least 1.
    ///   - enableFuzzing: whether review intervals are fuzzed (on by default, as in py-fsrs).
    public init(
        parameters: [Double] = FSRSScheduler.defaultParameters,
        desiredRetention: Double = 0.9,
        learningSteps: [TimeInterval] = [60, 600],
        relearningSteps: [TimeInterval] = [600],
        maximumInterval: Int = 36500,
        enableFuzzing: Bool = true
    ) throws(FSRSConfigurationError) {
        guard parameters.count == 21 else { throw .wrongParameterCount(parameters.count) }
        for index in 0..<21 {
            let value = parameters[index]
            let lower = Self.parameterLowerBounds[index]
            let upper = Self.parameterUpperBounds[index]
            guard value >= lower && value <= upper else {
                throw .parameterOutOfBounds(index: index, value: value, lower: lower, upper: upper)
            }
        }
        guard Self.desiredRetentionRange.contains(desiredRetention) else {
            throw .desiredRetentionOutOfRange(desiredRetention)
        }
        guard maximumInterval >= 1 else { throw .maximumIntervalTooSmall(maximumInterval) }
        for step in learningSteps + relearningSteps where !(step.isFinite && step > 0 && step < 1e12) {
            throw .invalidStep(step)
        }
        self.parameters = parameters
        self.desiredRetention = desiredRetention
        self.learningSteps = learningSteps
        self.relearningSteps = relearningSteps
        self.maximumInterval = maximumInterval
        self.enableFuzzing = enableFuzzing

        let w = parameters
        decay = -w[20]
        factor = pow(0.9, 1 / decay) - 1
        retentionTerm = pow(desiredRetention, 1 / decay) - 1
        learningStepsMicros = learningSteps.map { Int64(($0 * 1e6).rounded(.toNearestOrEven)) }
        relearningStepsMicros = relearningSteps.map { Int64(($0 * 1e6).rounded(.toNearestOrEven)) }
        easyInitialDifficultyUnclamped = w[4] - pow(M_E, w[5] * Double(4 - 1)) + 1
        initialDifficulties = (1...4).map { rating in
            min(max(w[4] - pow(M_E, w[5] * Double(rating - 1)) + 1, 1.0), 10.0)
        }
        shortTermFactors = (1...4).map { rating in pow(M_E, w[17] * (Double(rating - 3) + w[18])) }
        expW8 = pow(M_E, w[8])
        shortTermForgetDivisor = pow(M_E, w[17] * w[18])
    }

    /// Decodes a scheduler and validates it like ``init(parameters:desiredRetention:learningSteps:relearningSteps:maximumInterval:enableFuzzing:)``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            parameters: c.decodeIfPresent([Double].self, forKey: .parameters) ?? Self.defaultParameters,
            desiredRetention: c.decodeIfPresent(Double.self, forKey: .desiredRetention) ?? 0.9,
            learningSteps: c.decodeIfPresent([TimeInterval].self, forKey: .learningSteps) ?? [60, 600],
            relearningSteps: c.decodeIfPresent([TimeInterval].self, forKey: .relearningSteps) ?? [600],
            maximumInterval: c.decodeIfPresent(Int.self, forKey: .maximumInterval) ?? 36500,
            enableFuzzing: c.decodeIfPresent(Bool.self, forKey: .enableFuzzing) ?? true)
    }

    /// Encodes the scheduler's settings.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(desiredRetention, forKey: .desiredRetention)
        try c.encode(learningSteps, forKey: .learningSteps)
        try c.encode(relearningSteps, forKey: .relearningSteps)
        try c.encode(maximumInterval, forKey: .maximumInterval)
        try c.encode(enableFuzzing, forKey: .enableFuzzing)
    }

    /// Equal when the settings are equal.
    public static func == (lhs: FSRSScheduler, rhs: FSRSScheduler) -> Bool {
        lhs.parameters == rhs.parameters && lhs.desiredRetention == rhs.desiredRetention
            && lhs.learningSteps == rhs.learningSteps && lhs.relearningSteps == rhs.relearningSteps
            && lhs.maximumInterval == rhs.maximumInterval && lhs.enableFuzzing == rhs.enableFuzzing
    }

    /// Hashes the settings.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(parameters)
        hasher.combine(desiredRetention)
        hasher.combine(learningSteps)
        hasher.combine(relearningSteps)
        hasher.combine(maximumInterval)
        hasher.combine(enableFuzzing)
    }

    /// A copy of this scheduler with fuzz switched on or off.
    public func withFuzzing(_ enabled: Bool) -> FSRSScheduler {
        // Settings were already validated, so this cannot throw.
        try! FSRSScheduler(
            parameters: parameters, desiredRetention: desiredRetention, learningSteps: learningSteps,
            relearningSteps: relearningSteps, maximumInterval: maximumInterval, enableFuzzing: enabled)
    }

    // MARK: - Public scheduling API

    /// Reviews `card` with `rating` at `date`, returning the updated card and its log entry.
    ///
    /// With fuzz enabled, the fuzz is derived deterministically from `card.id` and
    /// `card.reviewCount` (see ``FuzzSeed``): the same card, history and rating always give
    /// the same interval.
    public func review(_ card: SRSCard, rating: SRSRating, at date: Date) -> (card: SRSCard, log: SRSReviewLog) {
        let source: FuzzSource = enableFuzzing ? .seeded(FuzzSeed.cardHash(card.id)) : .none
        return review(card, rating: rating, at: date, source: source)
    }

    /// Reviews `card` with an explicit fuzz value `fuzz` in `0..<1` (used only if fuzz is enabled
    /// and the card ends up in review with an interval of at least 3 days).
    public func review(_ card: SRSCard, rating: SRSRating, at date: Date, fuzz: Double) -> (card: SRSCard, log: SRSReviewLog) {
        review(card, rating: rating, at: date, source: enableFuzzing ? .value(fuzz) : .none)
    }

    private func review(_ card: SRSCard, rating: SRSRating, at date: Date, source: FuzzSource) -> (card: SRSCard, log: SRSReviewLog) {
        var core = CoreCard(card)
        let now = Micros.from(date)
        schedule(&core, rating: rating, now: now, fuzz: source)
        var next = card
        core.write(to: &next)
        return (next, SRSReviewLog(cardID: card.id, rating: rating, reviewedAt: date))
    }

    /// What each of the four ratings would do to `card` at `date`: the resulting card and the
    /// interval until it is due. Fuzz is applied exactly as ``review(_:rating:at:)`` would, so the
    /// labels match what a review will do.
    public func preview(_ card: SRSCard, at date: Date) -> [SRSRating: (card: SRSCard, interval: TimeInterval)] {
        var result: [SRSRating: (card: SRSCard, interval: TimeInterval)] = [:]
        for rating in SRSRating.allCases {
            let next = review(card, rating: rating, at: date).card
            result[rating] = (next, next.due.timeIntervalSince(date))
        }
        return result
    }

    /// The interval, in seconds, each rating would give `card` at `date` (to label answer buttons).
    public func intervals(for card: SRSCard, at date: Date) -> [SRSRating: TimeInterval] {
        preview(card, at: date).mapValues(\.interval)
    }

    /// The probability that `card` is recalled at `date`, as py-fsrs `get_card_retrievability`.
    ///
    /// Returns 0 for a card that was never reviewed. Elapsed time counts whole days only
    /// (Python `timedelta.days`, floored, and never negative), so retrievability is 1 on the
    /// day of a review and steps down once per full 24 hours.
    public func retrievability(of card: SRSCard, at date: Date) -> Double {
        guard let stability = card.stability, let lastReview = card.lastReview else { return 0 }
        return retrievability(stability: stability, lastReview: Micros.from(lastReview), now: Micros.from(date))
    }

    /// The (unfuzzed) review interval in days for a stability, rounded half-to-even and clamped
    /// to 1...``maximumInterval`` as py-fsrs `_next_interval` does.
    public func interval(forStability stability: Double) -> Int {
        let raw = (stability / factor) * retentionTerm
        let rounded = raw.rounded(.toNearestOrEven)
        if !(rounded >= 1) { return min(1, maximumInterval) }
        if rounded >= Double(maximumInterval) { return maximumInterval }
        return Int(rounded)
    }

    /// The range of whole days a fuzzed interval of `days` can take (py-fsrs `_get_fuzz_range`);
    /// `nil` when intervals below 2.5 days are not fuzzed.
    public func fuzzRange(forInterval days: Int) -> ClosedRange<Int>? {
        guard Double(days) >= 2.5 else { return nil }
        var delta = 1.0
        for (start, end, factor) in Self.fuzzRanges {
            delta += factor * max(min(Double(days), end) - start, 0.0)
        }
        var minIvl = Int((Double(days) - delta).rounded(.toNearestOrEven))
        var maxIvl = Int((Double(days) + delta).rounded(.toNearestOrEven))
        minIvl = max(2, minIvl)
        maxIvl = min(maxIvl, maximumInterval)
        minIvl = min(minIvl, maxIvl)
        return minIvl...maxIvl
    }

    /// py-fsrs `FUZZ_RANGES`: (start, end, factor).
    private static let fuzzRanges: [(Double, Double, Double)] = [
        (2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, .infinity, 0.05),
    ]

    /// Applies fuzz value `u` in `0..<1` to an interval of `days`.
    ///
    /// The result is drawn uniformly from ``fuzzRange(forInterval:)``. (py-fsrs computes
    /// `round(u * (max - min + 1) + min)`, which can overshoot `max` by one day; this
    /// implementation uses `floor`, as ts-fsrs does, so the result never leaves the
    /// documented range.)
    public func fuzzedInterval(_ days: Int, fuzz u: Double) -> Int {
        guard let range = fuzzRange(forInterval: days) else { return days }
        let width = Double(range.upperBound - range.lowerBound + 1)
        let clampedU = u.isFinite ? min(max(u, 0), 1) : 0
        let offset = min(Int((clampedU * width).rounded(.down)), range.upperBound - range.lowerBound)
        return min(range.lowerBound + offset, maximumInterval)
    }

    // MARK: - Core (microsecond times)

    enum FuzzSource {
        case none
        case value(Double)
        case seeded(UInt64)
    }

    @inline(__always)
    func retrievability(stability: Double, lastReview: Int64, now: Int64) -> Double {
        let elapsedDays = max(0, Micros.floorDays(now &- lastReview))
        return pow(1 + factor * Double(elapsedDays) / stability, decay)
    }

    /// One py-fsrs `review_card` step on the compact representation. `knownRetrievability`, if
    /// given, must be ``retrievability(stability:lastReview:now:)`` of the card at `now` (0 for a
    /// card without a last review), computed by a caller that needs it anyway.
    @inline(__always)
    func schedule(_ card: inout CoreCard, rating: SRSRating, now: Int64, fuzz: FuzzSource, knownRetrievability: Double? = nil) {
        let r = rating.rawValue
        let daysSinceLastReview: Int64? = card.lastReview.map { Micros.floorDays(now &- $0) }
        let shortTerm = daysSinceLastReview.map { $0 < 1 } ?? false
        var intervalMicros: Int64

        switch card.state {
        case .learning, .relearning:
            let relearning = card.state == .relearning
            let steps = relearning ? relearningStepsMicros : learningStepsMicros
            let step = card.step ?? 0
            if let s = card.stability, let d = card.difficulty {
                if shortTerm {
                    card.stability = shortTermStability(s, rating: r)
                } else {
                    let ret = knownRetrievability ?? card.lastReview.map { retrievability(stability: s, lastReview: $0, now: now) } ?? 0
                    card.stability = nextStability(difficulty: d, stability: s, retrievability: ret, rating: r)
                }
                card.difficulty = nextDifficulty(d, rating: r)
            } else {
                card.stability = max(parameters[r - 1], Self.minimumStability)
                card.difficulty = initialDifficulties[r - 1]
            }
            if steps.isEmpty || (step >= steps.count && r >= 2) {
                card.state = .review
                card.step = nil
                intervalMicros = Int64(interval(forStability: card.stability!)) * Micros.perDay
            } else {
                switch rating {
                case .again:
                    card.step = 0
                    intervalMicros = steps[0]
                case .hard:
                    if step == 0 && steps.count == 1 {
                        intervalMicros = Int64((Double(steps[0]) * 1.5).rounded(.toNearestOrEven))
                    } else if step == 0 {
                        intervalMicros = Int64((Double(steps[0] + steps[1]) / 2.0).rounded(.toNearestOrEven))
                    } else {
                        intervalMicros = steps[step]
                    }
                case .good:
                    if step + 1 == steps.count {
                        card.state = .review
                        card.step = nil
                        intervalMicros = Int64(interval(forStability: card.stability!)) * Micros.perDay
                    } else {
                        card.step = step + 1
                        intervalMicros = steps[step + 1]
                    }
                case .easy:
                    card.state = .review
                    card.step = nil
                    intervalMicros = Int64(interval(forStability: card.stability!)) * Micros.perDay
                }
            }
        case .review:
            let s = card.stability ?? max(parameters[r - 1], Self.minimumStability)
            let d = card.difficulty ?? initialDifficulties[r - 1]
            if shortTerm {
                card.stability = shortTermStability(s, rating: r)
            } else {
                let ret = knownRetrievability ?? card.lastReview.map { retrievability(stability: s, lastReview: $0, now: now) } ?? 0
                card.stability = nextStability(difficulty: d, stability: s, retrievability: ret, rating: r)
            }
            card.difficulty = nextDifficulty(d, rating: r)
            if rating == .again && !relearningStepsMicros.isEmpty {
                card.state = .relearning
                card.step = 0
                intervalMicros = relearningStepsMicros[0]
            } else {
                intervalMicros = Int64(interval(forStability: card.stability!)) * Micros.perDay
            }
        }

        if card.state == .review {
            let days = Int(intervalMicros / Micros.perDay)
            switch fuzz {
            case .none:
                break
            case .value(let u):
                intervalMicros = Int64(fuzzedInterval(days, fuzz: u)) * Micros.perDay
            case .seeded(let cardHash):
                if Double(days) >= 2.5 {
                    let u = FuzzSeed.unitValue(cardHash: cardHash, reviewCount: card.reviewCount)
                    intervalMicros = Int64(fuzzedInterval(days, fuzz: u)) * Micros.perDay
                }
            }
        }
        card.due = now &+ intervalMicros
        card.lastReview = now
        card.reviewCount += 1
    }

    @inline(__always)
    private func shortTermStability(_ s: Double, rating r: Int) -> Double {
        var increase = shortTermFactors[r - 1] * pow(s, -parameters[19])
        if r >= 2 { increase = max(increase, 1.0) }
        return max(s * increase, Self.minimumStability)
    }

    @inline(__always)
    private func nextDifficulty(_ d: Double, rating r: Int) -> Double {
        let w = parameters
        let delta = -(w[6] * Double(r - 3))
        let damped = d + (10.0 - d) * delta / 9.0
        let next = w[7] * easyInitialDifficultyUnclamped + (1 - w[7]) * damped
        return min(max(next, 1.0), 10.0)
    }

    @inline(__always)
    private func nextStability(difficulty d: Double, stability s: Double, retrievability ret: Double, rating r: Int) -> Double {
        let w = parameters
        let next: Double
        if r == 1 {
            let longTerm = w[11] * pow(d, -w[12]) * (pow(s + 1, w[13]) - 1) * pow(M_E, (1 - ret) * w[14])
            let shortTerm = s / shortTermForgetDivisor
            next = min(longTerm, shortTerm)
        } else {
            let hardPenalty = r == 2 ? w[15] : 1
            let easyBonus = r == 4 ? w[16] : 1
            next = s * (1 + expW8 * (11 - d) * pow(s, -w[9]) * (pow(M_E, (1 - ret) * w[10]) - 1) * hardPenalty * easyBonus)
        }
        return max(next, Self.minimumStability)
    }
}

/// Compact card representation used by the scheduler core and the replay processor.
struct CoreCard {
    var state: SRSCardState = .learning
    var step: Int? = 0
    var stability: Double? = nil
    var difficulty: Double? = nil
    var due: Int64 = 0
    var lastReview: Int64? = nil
    var reviewCount: Int = 0

    init() {}

    init(_ card: SRSCard) {
        state = card.state
        step = card.step
        stability = card.stability
        difficulty = card.difficulty
        due = Micros.from(card.due)
        lastReview = card.lastReview.map(Micros.from)
        reviewCount = card.reviewCount
    }

    func write(to card: inout SRSCard) {
        card.state = state
        card.step = step
        card.stability = stability
        card.difficulty = difficulty
        card.due = Micros.date(due)
        card.lastReview = lastReview.map(Micros.date)
        card.reviewCount = reviewCount
    }
}

/// Time as whole microseconds since 1970-01-01T00:00:00Z, like Python's `datetime`.
enum Micros {
    static let perSecond: Int64 = 1_000_000
    static let perDay: Int64 = 86_400_000_000
    /// Seconds from 1970 to 2001 (Foundation's reference date).
    static let referenceOffset: Int64 = 978_307_200 * 1_000_000

    @inline(__always)
    static func from(_ date: Date) -> Int64 {
        let micros = (date.timeIntervalSinceReferenceDate * 1e6).rounded(.toNearestOrEven)
        guard micros.isFinite, abs(micros) < 9e18 else { return micros < 0 ? Int64.min / 2 : Int64.max / 2 }
        return Int64(micros) &+ referenceOffset
    }

    @inline(__always)
    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(micros &- referenceOffset) / 1e6)
    }

    /// Python `timedelta.days`: floor division of a microsecond difference by one day.
    @inline(__always)
    static func floorDays(_ micros: Int64) -> Int64 {
        let q = micros / perDay
        return (micros % perDay < 0) ? q - 1 : q
    }
}
