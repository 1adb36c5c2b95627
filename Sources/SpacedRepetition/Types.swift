import Foundation

/// How well the learner recalled a card, as in FSRS / py-fsrs (`1` Again … `4` Easy).
public enum SRSRating: Int, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// Forgot the card (a lapse when the card is in review).
    case again = 1
    /// Recalled with serious difficulty.
    case hard = 2
    /// Recalled after some hesitation.
    case good = 3
    /// Recalled easily.
    case easy = 4

    /// Orders ratings by their numeric value.
    public static func < (lhs: SRSRating, rhs: SRSRating) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lower-case English name (`again`, `hard`, `good`, `easy`).
    public var name: String {
        switch self {
        case .again: "again"
        case .hard: "hard"
        case .good: "good"
        case .easy: "easy"
        }
    }
}

/// The learning phase of a card, as in py-fsrs `State`.
///
/// Encoded as the strings `learning`, `review` and `relearning`.
public enum SRSCardState: String, Sendable, Codable, Hashable, CaseIterable {
    /// New or still going through the (short) learning steps.
    case learning
    /// Graduated: scheduled in whole days by the FSRS memory model.
    case review
    /// Lapsed in review and going through the relearning steps.
    case relearning

    /// The py-fsrs integer value of the state (1 learning, 2 review, 3 relearning).
    public var fsrsValue: Int {
        switch self {
        case .learning: 1
        case .review: 2
        case .relearning: 3
        }
    }
}

/// The scheduling state of one card (the FSRS "card"), independent of its content.
///
/// A new card is in ``SRSCardState/learning`` at step 0 with no stability, difficulty
/// or last review. All values are plain data: feed a card and a rating to
/// ``FSRSScheduler/review(_:rating:at:)`` to get the next card.
public struct SRSCard: Sendable, Codable, Hashable {
    /// Stable identifier of the card; also seeds the deterministic interval fuzz.
    public var id: String
    /// The card's learning phase.
    public var state: SRSCardState
    /// The current learning or relearning step index, or `nil` in ``SRSCardState/review``.
    public var step: Int?
    /// Memory stability in days (the interval at which retrievability falls to 90 %), `nil` before the first review.
    public var stability: Double?
    /// Difficulty between 1 and 10, `nil` before the first review.
    public var difficulty: Double?
    /// When the card is next due.
    public var due: Date
    /// When the card was last reviewed, `nil` before the first review.
    public var lastReview: Date?
    /// How many reviews the card has had (used to seed the fuzz of the next review).
    public var reviewCount: Int

    /// Creates a card with every field given.
    public init(
        id: String,
        state: SRSCardState,
        step: Int?,
        stability: Double?,
        difficulty: Double?,
        due: Date,
        lastReview: Date?,
        reviewCount: Int
    ) {
        self.id = id
        self.state = state
        self.step = step
        self.stability = stability
        self.difficulty = difficulty
        self.due = due
        self.lastReview = lastReview
        self.reviewCount = reviewCount
    }

    /// Creates a new, never reviewed card (learning, step 0) that is due at `due`.
    public init(id: String, due: Date) {
        self.init(
            id: id, state: .learning, step: 0, stability: nil, difficulty: nil,
            due: due, lastReview: nil, reviewCount: 0)
    }

    /// Whether the card has never been reviewed.
    public var isNew: Bool { stability == nil || difficulty == nil }
}

/// A record of one review, as in py-fsrs `ReviewLog`.
public struct SRSReviewLog: Sendable, Codable, Hashable {
    /// The reviewed card's identifier.
    public var cardID: String
    /// The rating given.
    public var rating: SRSRating
    /// When the review happened.
    public var reviewedAt: Date
    /// How long the review took, in milliseconds, if known.
    public var reviewDurationMilliseconds: Int?

    /// Creates a review log entry.
    public init(cardID: String, rating: SRSRating, reviewedAt: Date, reviewDurationMilliseconds: Int? = nil) {
        self.cardID = cardID
        self.rating = rating
        self.reviewedAt = reviewedAt
        self.reviewDurationMilliseconds = reviewDurationMilliseconds
    }
}
