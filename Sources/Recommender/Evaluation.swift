import Foundation

/// Offline metrics of one method on the held-out window.
public struct EvaluationRow: Sendable, Codable, Equatable {
    /// Method name.
    public var method: String
    /// Mean over users of (held-out clicks in the top 10) / (held-out clicks).
    public var recallAt10: Double
    /// Same at 50.
    public var recallAt50: Double
    /// Normalised discounted cumulative gain at 10 (binary relevance).
    public var ndcgAt10: Double
    /// Mean reciprocal rank of the first held-out click in the top 50.
    public var mrr: Double
    /// Distinct items in all top-10 lists / catalogue size.
    public var coverageAt10: Double
    /// Mean pairwise (1 − cosine) of item vectors within a top-10 list.
    public var intraListDiversityAt10: Double
    /// Mean wall time per user in microseconds (evaluation runs on all cores).
    public var microsecondsPerUser: Double
}

/// The offline evaluation table: every method on the same users and split.
public struct EvaluationTable: Sendable, Codable, Equatable {
    /// One row per method.
    public var rows: [EvaluationRow]
    /// Users evaluated (users with at least one new click in the held-out window).
    public var users: Int
    /// Start of the held-out window.
    public var testStart: Date
    /// End of the two-tower training window (start of the ranker's window).
    public var rankStart: Date
    /// How the numbers were produced.
    public var notes: [String]

    /// A fixed-width text table.
    public func formatted() -> String {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        let width = max(10, rows.map(\.method.count).max() ?? 10)
        var s = pad("method", width) + "  Recall@10  Recall@50  NDCG@10     MRR   Cov@10   ILD@10   µs/user\n"
        for r in rows {
            s += pad(r.method, width)
                + String(format: "  %9.4f  %9.4f  %7.4f  %6.4f  %7.4f  %7.4f  %8.0f\n", r.recallAt10, r.recallAt50, r.ndcgAt10,
                    r.mrr, r.coverageAt10, r.intraListDiversityAt10, r.microsecondsPerUser)
        }
        for n in notes { s += "  * \(n)\n" }
        return s
    }
}

extension RecsysModel {
    /// Evaluates every method on the held-out window of `world` (the world the model was trained on):
    /// history and item statistics strictly before the test window, truth = items first clicked in it.
    public func evaluate(on world: World, maxUsers: Int = 2000, threads: Int = recommenderDefaultThreads) throws -> EvaluationTable {
        guard world.itemCount == info.itemCount, world.userCount == info.userCount else {
            throw RecommenderError.invalidParameter(name: "world", value: world.name, allowed: "the world this model was trained on")
        }
        let split = info.split
        let past = ClickHistory(world: world, before: split.testStart)
        let stats = ItemStats(world: world, asOf: split.testStart)
        // Truth: new items clicked in the test window.
        var candidates = [(user: Int, truth: Set<Int32>)]()
        for u in 0..<world.userCount {
            let seen = Set(past.items[past.range(u)])
            var truth = Set<Int32>()
            for e in world.userOffsets[u]..<world.userOffsets[u + 1]
            where world.events.clicked[e] != 0 && world.events.time[e] >= split.testStart && !seen.contains(world.events.item[e]) {
                truth.insert(world.events.item[e])
            }
            if !truth.isEmpty { candidates.append((u, truth)) }
        }
        let stride = max(1, candidates.count / max(1, maxUsers))
        let evalUsers = Swift.stride(from: 0, to: candidates.count, by: stride).prefix(maxUsers).map { candidates[$0] }
        let byClicks = (0..<world.itemCount).sorted { (stats.clicks[$0], -$0) > (stats.clicks[$1], -$1) }.prefix(6000).map { Int32($0) }
        let byRecent = (0..<world.itemCount).sorted {
            (stats.recentClicks[$0], stats.clicks[$0], -$0) > (stats.recentClicks[$1], stats.clicks[$1], -$1)
        }.prefix(6000).map { Int32($0) }

        func opts(_ r: RetrievalMode, candidates: Int, ranker: Bool, rerank: Bool) -> PipelineOptions {
            PipelineOptions(
                k: 50, candidates: candidates, retrieval: r, ef: 64, useRanker: ranker, rerank: rerank, lambda: 0.7,
                maxPerCreator: 2, freshnessBoost: 0.1, compareExact: false, explain: false)
        }
        // (name, options, popularity list, use the impression-trained ranker)
        let allMethods: [(String, PipelineOptions, [Int32], Bool)] = [
            ("popularity (all time)", opts(.popular, candidates: 50, ranker: false, rerank: false), byClicks, false),
            ("popularity (last 7 days)", opts(.popular, candidates: 50, ranker: false, rerank: false), byRecent, false),
            ("two-tower, exact", opts(.exact, candidates: 50, ranker: false, rerank: false), [], false),
            ("two-tower, HNSW (ef 64)", opts(.hnsw, candidates: 50, ranker: false, rerank: false), [], false),
            ("two-tower HNSW 500 + impression-trained ranker", opts(.hnsw, candidates: 500, ranker: true, rerank: false), [], true),
            ("two-tower HNSW 500 + ranker", opts(.hnsw, candidates: 500, ranker: true, rerank: false), [], false),
            ("… + re-ranking (MMR λ 0.7, 2/creator, fresh)", opts(.hnsw, candidates: 500, ranker: true, rerank: true), [], false),
        ]
        let methods = allMethods.filter { !$0.3 || impressionRanker != nil }
        let engine = self.engine
        var altEngine = self.engine
        if let r = impressionRanker { altEngine = Engine(world: engine.world, tower: engine.tower, index: engine.index, ranker: r, pool: engine.pool) }
        let alt = altEngine
        let tower = self.tower
        let now = split.testStart
        let chunkCount = max(1, min(evalUsers.count, threads * 4))
        // Per chunk and method: sums of metrics, top-10 items, time.
        let parts = parallelMap(chunkCount, threads: threads) { c -> [(sums: [Double], top10: [Int32], nanos: UInt64)] in
            var acc = methods.map { _ in (sums: [Double](repeating: 0, count: 5), top10: [Int32](), nanos: UInt64(0)) }
            let lo = evalUsers.count * c / chunkCount
            let hi = evalUsers.count * (c + 1) / chunkCount
            for (u, truth) in evalUsers[lo..<hi] {
                let ctx = UserContext(
                    user: u, history: past.items[past.range(u)], chosenTopics: [], world: engine.world, tower: tower,
                    itemVectors: UnsafePointer(engine.index.vectors), now: now)
                for (m, method) in methods.enumerated() {
                    let t0 = nowNanos()
                    let res = (method.3 ? alt : engine).run(ctx: ctx, stats: stats, popular: method.2, options: method.1)
                    acc[m].nanos += nowNanos() - t0
                    let list = res.items.map { Int32($0.item) }
                    acc[m].sums[0] += recall(list.prefix(10), truth)
                    acc[m].sums[1] += recall(list.prefix(50), truth)
                    acc[m].sums[2] += ndcg(list.prefix(10), truth)
                    acc[m].sums[3] += mrr(list.prefix(50), truth)
                    acc[m].sums[4] += ild(list.prefix(10), engine.index)
                    acc[m].top10.append(contentsOf: list.prefix(10))
                }
            }
            return acc
        }
        var rows = [EvaluationRow]()
        let nUsers = Double(max(1, evalUsers.count))
        for (m, method) in methods.enumerated() {
            var sums = [Double](repeating: 0, count: 5)
            var covered = Set<Int32>()
            var nanos: UInt64 = 0
            for p in parts {
                for k in 0..<5 { sums[k] += p[m].sums[k] }
                covered.formUnion(p[m].top10)
                nanos += p[m].nanos
            }
            rows.append(
                EvaluationRow(
                    method: method.0, recallAt10: sums[0] / nUsers, recallAt50: sums[1] / nUsers, ndcgAt10: sums[2] / nUsers,
                    mrr: sums[3] / nUsers, coverageAt10: Double(covered.count) / Double(max(1, world.itemCount)),
                    intraListDiversityAt10: sums[4] / nUsers, microsecondsPerUser: Double(nanos) / 1000 / nUsers))
        }
        let days = Double(world.referenceTime - split.testStart) / 86_400
        return EvaluationTable(
            rows: rows, users: evalUsers.count, testStart: Date(timeIntervalSince1970: TimeInterval(split.testStart)),
            rankStart: Date(timeIntervalSince1970: TimeInterval(split.rankStart)),
            notes: [
                "time-based split: two-tower trained on clicks before the ranker window, rankers on the impression log inside it, "
                    + String(format: "test = first clicks on new items in the last %.1f days", days),
                "\(evalUsers.count) users with at least one held-out click; items already clicked are excluded",
                "lists of 50; HNSW at ef = max(64, candidates); popularity and exact/HNSW rows have no ranker",
                "served ranker: trained on two-tower candidates at the window start, label = clicked during the window; "
                    + "the impression-trained ranker predicts clicks given an impression and ignores exposure",
            ])
    }
}

private func recall(_ list: ArraySlice<Int32>, _ truth: Set<Int32>) -> Double {
    var hits = 0
    for i in list where truth.contains(i) { hits += 1 }
    return Double(hits) / Double(truth.count)
}

private func ndcg(_ list: ArraySlice<Int32>, _ truth: Set<Int32>) -> Double {
    var dcg = 0.0
    for (r, i) in list.enumerated() where truth.contains(i) { dcg += 1 / log2(Double(r) + 2) }
    var idcg = 0.0
    for r in 0..<min(truth.count, list.count) { idcg += 1 / log2(Double(r) + 2) }
    return idcg > 0 ? dcg / idcg : 0
}

private func mrr(_ list: ArraySlice<Int32>, _ truth: Set<Int32>) -> Double {
    for (r, i) in list.enumerated() where truth.contains(i) { return 1 / Double(r + 1) }
    return 0
}

private func ild(_ list: ArraySlice<Int32>, _ index: HNSWIndex) -> Double {
    let a = Array(list)
    if a.count < 2 { return 0 }
    var s = 0.0
    var n = 0
    for i in 0..<a.count {
        for j in (i + 1)..<a.count {
            s += 1 - Double(dotAny(index.vector(Int(a[i])), index.vector(Int(a[j])), index.dimension))
            n += 1
        }
    }
    return s / Double(n)
}
