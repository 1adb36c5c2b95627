import Foundation
import Hummingbird
import Recommender

/// The JSON API over the recommender (`/api/v1/…`), described by `Public/api/openapi.json`.
struct RecsysAPIController: Sendable {
    let recsys: RecsysService

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    /// The cold-start body of `POST /api/v1/recommendations`.
    struct ColdStartBody: Decodable {
        var topics: [Int]?
        var likedItems: [Int]?
        var k: Int?
        var candidates: Int?
        var retrieval: String?
        var ef: Int?
        var ranker: String?
        var diversity: Double?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let api = router.group("/api/v1")
        api.get("/recommendations") { req, _ in
            let query = try RecommendationQuery.parse(QueryParameters(req))
            let response = try await recommend(query.request())
            return try json(response)
        }
        api.post("/recommendations") { req, ctx in
            let body = try await req.body.collect(upTo: 64 * 1024)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let cold: ColdStartBody
            do {
                cold = try decoder.decode(ColdStartBody.self, from: Data(body.readableBytesView))
            } catch {
                throw AppError(.badRequest, "The body must be JSON like {\"topics\": [1, 4], \"liked_items\": [10, 22]}.", parameter: "body",
                               allowed: "application/json")
            }
            // Reuse the query validation: the body's knobs are checked exactly like the GET parameters.
            var raw: [String: String] = ["user": "0"]
            if let v = cold.k { raw["k"] = "\(v)" }
            if let v = cold.candidates { raw["candidates"] = "\(v)" }
            if let v = cold.retrieval { raw["retrieval"] = v }
            if let v = cold.ef { raw["ef"] = "\(v)" }
            if let v = cold.ranker { raw["ranker"] = v }
            if let v = cold.diversity { raw["diversity"] = "\(v)" }
            let query = try RecommendationQuery.parse(QueryParameters(raw: raw))
            let topics = cold.topics ?? [], liked = cold.likedItems ?? []
            guard !topics.isEmpty || !liked.isEmpty else {
                throw AppError(.badRequest, "Give at least one topic id or liked item id.", parameter: "topics", allowed: "non-empty topics or liked_items")
            }
            guard topics.count <= 50, liked.count <= 100 else {
                throw AppError(.badRequest, "At most 50 topics and 100 liked items.", parameter: topics.count > 50 ? "topics" : "liked_items",
                               allowed: "≤ 50 topics, ≤ 100 liked items")
            }
            return try json(try await recommend(query.request(subject: .coldStart(topics: topics, likedItems: liked))))
        }
        api.get("/recsys/evaluation") { _, _ in
            let model = try recsys.model()
            guard let table = model.evaluation else { throw AppError(.notFound, "This model was trained without an evaluation.") }
            return try json(table)
        }
        api.get("/recsys/status") { _, _ in
            switch recsys.state {
            case .ready(let m): return try json(Status(state: "ready", phase: nil, fraction: 1, model: m.info))
            case .warmingUp(let phase, let f): return try json(Status(state: "warming-up", phase: phase, fraction: f, model: nil))
            case .failed(let why): return try json(Status(state: "failed", phase: why, fraction: 0, model: nil))
            }
        }
        api.get("/topics") { _, _ in try json(try recsys.model().topics) }
        api.get("/items/:id") { _, ctx in
            let id = try pathId(ctx)
            return try json(try mapErrors { try recsys.model().item(id: id) })
        }
        api.get("/users/:id") { _, ctx in
            let id = try pathId(ctx)
            return try json(try mapErrors { try recsys.model().user(id: id) })
        }
    }

    struct Status: Encodable {
        var state: String
        var phase: String?
        var fraction: Double
        var model: ModelInfo?
    }

    private func recommend(_ request: RecommendationRequest) async throws -> RecommendationResponse {
        do {
            return try await recsys.recommend(request)
        } catch let e as RecommenderError {
            throw e.appError
        }
    }

    private func pathId(_ ctx: AppRequestContext) throws -> Int {
        guard let s = ctx.parameters.get("id"), let id = Int(s), id >= 0, id <= Int(Int32.max) else {
            throw AppError(.badRequest, "The id must be a non-negative whole number.", parameter: "id", allowed: "0–2147483647")
        }
        return id
    }

    private func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RecommenderError { throw e.appError }
    }

    private func json(_ value: some Encodable) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension QueryParameters {
    init(raw: [String: String]) { self.raw = raw }
}
