import Foundation
import Hummingbird
import Recommender

/// `/try`: every knob of the recommender as a plain GET form, the funnel as server-rendered SVG, latency per
/// stage, the final list with reasons, ANN recall against exact search, and the offline evaluation table.
struct TryController: Sendable {
    let recsys: RecsysService
    let views: Views

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/try") { req, _ in
            let model: RecsysModel
            do {
                model = try recsys.model()
            } catch let e as AppError {
                return warmingUp(e)
            }
            let defaultUser = model.sampleUserIds(count: 1).first ?? 0
            let q = QueryParameters(req)
            let query: RecommendationQuery
            do {
                query = try RecommendationQuery.parse(q, defaultUser: defaultUser)
            } catch let e as AppError {
                // Show the form again with the message rather than a bare error page: no dead end.
                return HTMLPage.render(views, TryPage.error(e.message, model: model, views: views, raw: q.raw), status: .badRequest)
            }
            var request = query.request()
            request.compareExact = query.retrieval == .hnsw  // the page always shows ANN recall
            do {
                let response = try await recsys.recommend(request)
                let user = try? model.user(id: query.user)
                return HTMLPage.render(views, TryPage(query: query, response: response, user: user, model: model, views: views))
            } catch let e as RecommenderError {
                let err = e.appError
                return HTMLPage.render(views, TryPage.error(err.message, model: model, views: views, raw: q.raw),
                                       status: err.status)
            }
        }
    }

    private func warmingUp(_ error: AppError) -> Response {
        var phase = "starting", percent = 0
        if case .warmingUp(let p, let f) = recsys.state {
            phase = p
            percent = Int((f * 100).rounded())
        }
        let page = WarmingPage(layout: views.layout(nav: .tryIt), message: error.message, phase: phase, percent: percent)
        var r = HTMLPage.render(views, page, template: "try-warming", status: .serviceUnavailable)
        r.headers[.retryAfter] = "5"
        return r
    }
}

enum HTMLPage {
    static func render(_ views: Views, _ page: TryPage, status: HTTPResponse.Status = .ok) -> Response {
        render(views, page, template: "try", status: status)
    }
    static func render(_ views: Views, _ model: Any, template: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: views.render(model, template: template))))
    }
}

struct WarmingPage {
    let layout: LayoutModel
    let message: String, phase: String, percent: Int
}

struct OptionModel {
    let value: String, label: String, selected: Bool
}

struct FunnelBar {
    let label: String, count: String, x: Int, y: Int, width: Int, textY: Int, latency: String?, link: String
}

struct StageRow {
    let name: String, itemsIn: Int, itemsOut: Int, micros: String, barWidth: Int
}

struct ItemRow {
    let rank: Int, id: Int, title: String, topic: String, creator: String, minutes: String, age: String
    let retrieval: String, ranker: String, final: String, reasons: [String]
}

struct EvalRow {
    let method: String, recall10: String, recall50: String, ndcg10: String, mrr: String, coverage: String, diversity: String
}

struct TryPage {
    let layout: LayoutModel
    let error: String?
    let user: String, k: String, candidates: String, ef: String, diversity: String, perCreator: String, freshness: String
    let retrievalOptions: [OptionModel], rankerOptions: [OptionModel]
    let sampleUsers: [OptionModel]
    let hasResults: Bool
    let funnel: [FunnelBar]
    let funnelHeight: Int
    let stages: [StageRow]
    let totalMicros: String
    let items: [ItemRow]
    let recall: String?
    let userTopics: String?
    let evaluation: [EvalRow]
    let evaluationUsers: Int
    let worldSummary: String

    static func fmt(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

    static func micros(_ us: Double) -> String { us >= 1000 ? String(format: "%.2f ms", us / 1000) : String(format: "%.0f µs", us) }

    init(query: RecommendationQuery, response: RecommendationResponse?, user: UserSummary?, model: RecsysModel, views: Views,
         error: String? = nil, raw: [String: String] = [:]) {
        layout = views.layout(nav: .tryIt)
        self.error = error
        func v(_ name: String, _ value: String) -> String { raw[name] ?? value }
        self.user = v("user", "\(query.user)")
        k = v("k", "\(query.k)")
        candidates = v("candidates", "\(query.candidates)")
        ef = v("ef", "\(query.ef)")
        diversity = v("diversity", "\(query.diversity)")
        perCreator = v("per_creator", "\(query.perCreator)")
        freshness = v("freshness", "\(query.freshness)")
        retrievalOptions = [("hnsw", "HNSW (approximate)"), ("exact", "Exact scan"), ("popular", "Popularity baseline")].map {
            OptionModel(value: $0.0, label: $0.1, selected: $0.0 == query.retrieval.rawValue)
        }
        rankerOptions = [("on", "On"), ("off", "Off (retrieval score)")].map {
            OptionModel(value: $0.0, label: $0.1, selected: ($0.0 == "on") == query.ranker)
        }
        sampleUsers = model.sampleUserIds(count: 8).map { OptionModel(value: "\($0)", label: "user \($0)", selected: $0 == query.user) }
        worldSummary = "\(model.info.itemCount.formatted()) videos, \(model.info.userCount.formatted()) users, \(model.info.topicCount) topics"
        evaluationUsers = model.evaluation?.users ?? 0
        evaluation = (model.evaluation?.rows ?? []).map {
            EvalRow(method: $0.method, recall10: Self.fmt($0.recallAt10), recall50: Self.fmt($0.recallAt50), ndcg10: Self.fmt($0.ndcgAt10),
                    mrr: Self.fmt($0.mrr), coverage: Self.fmt($0.coverageAt10), diversity: Self.fmt($0.intraListDiversityAt10))
        }
        guard let response else {
            hasResults = false
            funnel = []
            funnelHeight = 0
            stages = []
            totalMicros = ""
            items = []
            recall = nil
            userTopics = nil
            return
        }
        hasResults = true
        let byName = Dictionary(response.stages.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let retrieval = byName["retrieval"], filter = byName["filter"], ranking = byName["ranking"], rerank = byName["reranking"]
        let steps: [(String, Int, Double?, String)] = [
            ("Catalogue", model.info.itemCount, nil, "/cases/video-recommendation#clarifying-requirements"),
            ("Candidates (\(query.retrieval.rawValue))", retrieval?.itemsOut ?? 0, retrieval?.microseconds, "/cases/video-recommendation#deployment-and-serving"),
            ("Filtered", filter?.itemsOut ?? 0, filter?.microseconds, "/cases/video-recommendation#data-preparation"),
            (query.ranker ? "Ranked" : "Ranked (ranker off)", ranking?.itemsOut ?? 0, ranking?.microseconds, "/cases/video-recommendation#model-development"),
            ("Final (re-ranked)", rerank?.itemsOut ?? response.items.count, rerank?.microseconds, "/cases/video-recommendation#model-development"),
        ]
        // Bar widths on a log scale: the catalogue is thousands of times the final list.
        let maxLog = log10(Double(max(model.info.itemCount, 10)))
        funnel = steps.enumerated().map { i, s in
            let w = max(250, Int(600 * log10(Double(max(s.1, 1)) + 1) / (maxLog + 1)))
            return FunnelBar(label: s.0, count: s.1.formatted(), x: (640 - w) / 2, y: i * 46, width: w, textY: i * 46 + 24,
                             latency: s.2.map(Self.micros), link: s.3)
        }
        funnelHeight = steps.count * 46
        let maxMicros = response.stages.map(\.microseconds).max() ?? 1
        stages = response.stages.map {
            StageRow(name: $0.name, itemsIn: $0.itemsIn, itemsOut: $0.itemsOut, micros: Self.micros($0.microseconds),
                     barWidth: max(1, Int(200 * $0.microseconds / max(maxMicros, 1))))
        }
        totalMicros = Self.micros(response.stages.filter { $0.name != "exact-compare" }.map(\.microseconds).reduce(0, +))
        items = response.items.enumerated().map { i, it in
            ItemRow(rank: i + 1, id: it.id, title: it.title, topic: it.topic, creator: it.creator,
                    minutes: String(format: "%.0f min", it.durationSeconds / 60), age: String(format: "%.0f d", it.ageDays),
                    retrieval: Self.fmt(it.scores.retrieval), ranker: it.scores.ranker.map { Self.fmt($0) } ?? "–",
                    final: Self.fmt(it.scores.final), reasons: it.reasons)
        }
        recall = response.exactRecall.map { Self.fmt($0) }
        userTopics = user.map { $0.topTopics.prefix(4).map { "\($0.topic) (\(Int(($0.share * 100).rounded()))%)" }.joined(separator: ", ") }
    }

    static func error(_ message: String, model: RecsysModel, views: Views, raw: [String: String]) -> TryPage {
        TryPage(query: RecommendationQuery(user: model.sampleUserIds(count: 1).first ?? 0), response: nil, user: nil, model: model,
                views: views, error: message, raw: raw)
    }
}
