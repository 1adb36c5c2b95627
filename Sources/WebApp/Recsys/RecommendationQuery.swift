import Recommender

/// The knobs of one recommendation, shared by the API and the /try page so both validate identically.
struct RecommendationQuery: Sendable {
    var user: Int
    var k = 20
    var candidates = 500
    var retrieval = RetrievalMode.hnsw
    var ef = 64
    var ranker = true
    var diversity = 0.3
    var perCreator = 2
    var freshness = 0.1
    var compareExact = false

    static let ranges = (k: 1...100, candidates: 10...5000, ef: 1...1024, perCreator: 1...100, userId: 0...Int(Int32.max))

    /// Reads and validates the query string. `user` is required unless `defaultUser` is given.
    static func parse(_ q: QueryParameters, defaultUser: Int? = nil) throws -> RecommendationQuery {
        let user = defaultUser != nil && q.raw["user"]?.isEmpty != false
            ? defaultUser! : try q.requiredInt("user", in: ranges.userId)
        var r = RecommendationQuery(user: user)
        r.k = try q.int("k", default: 20, in: ranges.k)
        r.candidates = try q.int("candidates", default: 500, in: ranges.candidates)
        if r.candidates < r.k {
            throw AppError(.badRequest, "`candidates` must be at least `k` (\(r.k)).", parameter: "candidates",
                           allowed: "\(r.k)–5000")
        }
        r.retrieval = RetrievalMode(rawValue: try q.choice("retrieval", default: "hnsw", from: ["hnsw", "exact", "popular"]))!
        r.ef = try q.int("ef", default: 64, in: ranges.ef)
        r.ranker = try q.choice("ranker", default: "on", from: ["on", "off"]) == "on"
        r.diversity = try q.double("diversity", default: 0.3, in: 0...1)
        r.perCreator = try q.int("per_creator", default: 2, in: ranges.perCreator)
        r.freshness = try q.double("freshness", default: 0.1, in: 0...1)
        r.compareExact = try q.choice("compare", default: "none", from: ["none", "exact"]) == "exact"
        return r
    }

    func request(subject: RecommendationSubject? = nil) -> RecommendationRequest {
        RecommendationRequest(
            subject: subject ?? .user(id: user), k: k, candidates: candidates, retrieval: retrieval, ef: ef,
            useRanker: ranker, lambda: 1 - diversity, maxPerCreator: perCreator, freshnessBoost: freshness,
            compareExact: compareExact && retrieval == .hnsw)
    }
}

extension RecommenderError {
    /// The HTTP meaning of a recommender error.
    var appError: AppError {
        switch self {
        case let .invalidParameter(name, value, allowed):
            AppError(.badRequest, "`\(name)` = \(value) is out of range.", parameter: name, allowed: allowed)
        case let .unknownUser(id): AppError(.notFound, "There is no user \(id) in this world.", parameter: "user")
        case let .unknownItem(id): AppError(.notFound, "There is no item \(id) in this world.", parameter: "id")
        case let .unknownTopic(id): AppError(.badRequest, "There is no topic \(id).", parameter: "topics")
        case .badFile: AppError(.serviceUnavailable, "The recommender model is unavailable.")
        }
    }
}
