import Foundation

/// How candidates are retrieved.
public enum RetrievalMode: String, Sendable, Codable, CaseIterable {
    /// Approximate nearest neighbours in the HNSW index.
    case hnsw
    /// Exact SIMD scan over every item vector.
    case exact
    /// Most popular items of the last week (no personalisation).
    case popular
}

/// Who the recommendations are for.
public enum RecommendationSubject: Sendable, Codable, Equatable {
    /// A known user (public id).
    case user(id: Int)
    /// A new visitor: topic ids they chose and a few item ids they liked.
    case coldStart(topics: [Int], likedItems: [Int])
}

/// A request to the recommender. Every numeric field is validated against its documented range.
public struct RecommendationRequest: Sendable, Codable, Equatable {
    /// Known user or cold-start profile.
    public var subject: RecommendationSubject
    /// Items to return, 1–100.
    public var k: Int
    /// Candidates retrieved before ranking, 10–5000 and at least `k`.
    public var candidates: Int
    /// Retrieval method.
    public var retrieval: RetrievalMode
    /// HNSW beam width, 1–1024 (raised internally to at least `candidates`).
    public var ef: Int
    /// Rank candidates with the learned ranker (otherwise by retrieval score).
    public var useRanker: Bool
    /// MMR trade-off, 0–1: 1 ranks by relevance only, lower values favour diversity.
    public var lambda: Double
    /// Most items per creator in the result, 1–100.
    public var maxPerCreator: Int
    /// Weight of the freshness boost, 0–1.
    public var freshnessBoost: Double
    /// Also run the exact search and report the recall of the HNSW candidates against it.
    public var compareExact: Bool

    /// Creates a request; defaults: k 10, 500 candidates, HNSW at ef 64, ranker on, λ 0.7,
    /// two items per creator, freshness boost 0.1.
    public init(
        subject: RecommendationSubject, k: Int = 10, candidates: Int = 500, retrieval: RetrievalMode = .hnsw, ef: Int = 64,
        useRanker: Bool = true, lambda: Double = 0.7, maxPerCreator: Int = 2, freshnessBoost: Double = 0.1,
        compareExact: Bool = false
    ) {
        self.subject = subject
        self.k = k
        self.candidates = candidates
        self.retrieval = retrieval
        self.ef = ef
        self.useRanker = useRanker
        self.lambda = lambda
        self.maxPerCreator = maxPerCreator
        self.freshnessBoost = freshnessBoost
        self.compareExact = compareExact
    }

    private enum CodingKeys: String, CodingKey {
        case subject, k, candidates, retrieval, ef, useRanker, lambda, maxPerCreator, freshnessBoost, compareExact
    }

    /// Decodes a request; every field but `subject` is optional and falls back to the defaults of `init`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RecommendationRequest(subject: try c.decode(RecommendationSubject.self, forKey: .subject))
        self = d
        k = try c.decodeIfPresent(Int.self, forKey: .k) ?? d.k
        candidates = try c.decodeIfPresent(Int.self, forKey: .candidates) ?? d.candidates
        retrieval = try c.decodeIfPresent(RetrievalMode.self, forKey: .retrieval) ?? d.retrieval
        ef = try c.decodeIfPresent(Int.self, forKey: .ef) ?? d.ef
        useRanker = try c.decodeIfPresent(Bool.self, forKey: .useRanker) ?? d.useRanker
        lambda = try c.decodeIfPresent(Double.self, forKey: .lambda) ?? d.lambda
        maxPerCreator = try c.decodeIfPresent(Int.self, forKey: .maxPerCreator) ?? d.maxPerCreator
        freshnessBoost = try c.decodeIfPresent(Double.self, forKey: .freshnessBoost) ?? d.freshnessBoost
        compareExact = try c.decodeIfPresent(Bool.self, forKey: .compareExact) ?? d.compareExact
    }

    /// Throws `RecommenderError.invalidParameter` naming the first parameter out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ value: String, _ allowed: String) throws {
            if !ok { throw RecommenderError.invalidParameter(name: name, value: value, allowed: allowed) }
        }
        try check((1...100).contains(k), "k", "\(k)", "1...100")
        try check((10...5000).contains(candidates), "candidates", "\(candidates)", "10...5000")
        try check(candidates >= k, "candidates", "\(candidates)", ">= k (\(k))")
        try check((1...1024).contains(ef), "ef", "\(ef)", "1...1024")
        try check(lambda >= 0 && lambda <= 1, "lambda", "\(lambda)", "0...1")
        try check((1...100).contains(maxPerCreator), "maxPerCreator", "\(maxPerCreator)", "1...100")
        try check(freshnessBoost >= 0 && freshnessBoost <= 1, "freshnessBoost", "\(freshnessBoost)", "0...1")
        if case let .coldStart(topics, liked) = subject {
            try check(topics.count + liked.count > 0, "subject", "empty cold-start profile", "at least one topic or liked item")
            try check(topics.count <= 50, "topics", "\(topics.count) topics", "at most 50")
            try check(liked.count <= 100, "likedItems", "\(liked.count) items", "at most 100")
        }
    }
}

/// Scores an item received at each stage.
public struct StageScores: Sendable, Codable, Equatable {
    /// Retrieval score (cosine of user and item vectors, or log popularity for `.popular`).
    public var retrieval: Double
    /// Ranker click probability (nil when the ranker is off).
    public var ranker: Double?
    /// Final re-ranking score (relevance after freshness boost, before the MMR penalty).
    public var final: Double
}

/// A video in a response, with its scores and why it was recommended.
public struct RecommendedItem: Sendable, Codable, Equatable {
    /// Public item id.
    public var id: Int
    /// Title.
    public var title: String
    /// Topic name.
    public var topic: String
    /// Topic id.
    public var topicId: Int
    /// Creator name.
    public var creator: String
    /// Creator id.
    public var creatorId: Int
    /// Duration in seconds (0 when unknown).
    public var durationSeconds: Double
    /// Days since upload at request time.
    public var ageDays: Double
    /// Scores per stage.
    public var scores: StageScores
    /// Human-readable reasons ("matches your interest in Cooking", "diversity pick", …).
    public var reasons: [String]
}

/// Timing and funnel size of one pipeline stage.
public struct StageReport: Sendable, Codable, Equatable {
    /// Stage name: "user", "retrieval", "filter", "ranking", "reranking", "exact-compare".
    public var name: String
    /// Items entering the stage.
    public var itemsIn: Int
    /// Items leaving the stage.
    public var itemsOut: Int
    /// Wall time in microseconds.
    public var microseconds: Double
}

/// The answer to a `RecommendationRequest`.
public struct RecommendationResponse: Sendable, Codable, Equatable {
    /// Recommended items, best first.
    public var items: [RecommendedItem]
    /// Funnel: one report per stage, in order.
    public var stages: [StageReport]
    /// With `compareExact`: fraction of the exact top-`candidates` that the HNSW search also found.
    public var exactRecall: Double?
    /// Effective HNSW beam width used (max of `ef` and the number of candidates requested).
    public var effectiveEf: Int?
}

/// A catalogue item.
public struct ItemInfo: Sendable, Codable, Equatable {
    /// Public item id.
    public var id: Int
    /// Title.
    public var title: String
    /// Topic id.
    public var topicId: Int
    /// Topic name.
    public var topic: String
    /// Creator id.
    public var creatorId: Int
    /// Creator name.
    public var creator: String
    /// Duration in seconds (0 when unknown).
    public var durationSeconds: Double
    /// Upload time.
    public var uploaded: Date
    /// Days between upload and the world's "now".
    public var ageDays: Double
    /// Clicks in the training log.
    public var clicks: Int
    /// Clicks in the last 7 days of the log.
    public var recentClicks: Int
    /// Id of the original when this is a re-upload.
    public var reuploadOf: Int?
}

/// A topic and its size.
public struct TopicInfo: Sendable, Codable, Equatable {
    /// Topic id.
    public var id: Int
    /// Topic name.
    public var name: String
    /// Items in the topic.
    public var itemCount: Int
}

/// A topic with a weight (share of clicks or of latent taste).
public struct TopicShare: Sendable, Codable, Equatable {
    /// Topic name.
    public var topic: String
    /// Topic id.
    public var topicId: Int
    /// Share in 0...1.
    public var share: Double
}

/// A user and a summary of their tastes and history.
public struct UserSummary: Sendable, Codable, Equatable {
    /// Public user id.
    public var id: Int
    /// Number of clicks in the log.
    public var clickCount: Int
    /// Topics of their clicks, largest share first (at most 5).
    public var topTopics: [TopicShare]
    /// Creators they clicked most (name and number of clicks, at most 5).
    public var topCreators: [CreatorCount]
    /// Latent tastes the simulator gave them (synthetic worlds only), largest first (at most 5).
    public var latentTastes: [TopicShare]
    /// Their most recent clicks, newest first (at most 10).
    public var recentItems: [ItemInfo]
}

/// A creator and a count.
public struct CreatorCount: Sendable, Codable, Equatable {
    /// Creator id.
    public var creatorId: Int
    /// Creator name.
    public var creator: String
    /// Number of clicks.
    public var count: Int
}

/// Facts about a trained model.
public struct ModelInfo: Sendable, Codable, Equatable {
    /// World description.
    public var world: String
    /// Items in the catalogue.
    public var itemCount: Int
    /// Users.
    public var userCount: Int
    /// Topics.
    public var topicCount: Int
    /// Training clicks of the two-tower model.
    public var twoTowerExamples: Int
    /// Rows (retrieved candidates) the served ranker was trained on.
    public var rankerRows: Int
    /// Logged impressions the comparison ranker was trained on.
    public var impressionRankerRows: Int
    /// Ranker training log loss.
    public var rankerLogLoss: Double
    /// Log loss of predicting the mean click rate.
    public var rankerBaselineLogLoss: Double
    /// Seconds per training phase.
    public var phaseSeconds: [String: Double]
    /// Time boundaries of the split.
    public var split: TimeSplit
    /// The world's "now".
    public var referenceTime: Date
    /// HNSW parameters.
    public var hnsw: HNSWParameters
    /// Two-tower hyper-parameters.
    public var twoTower: TwoTowerConfig
}
