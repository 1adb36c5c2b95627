import Foundation

/// Options of one pass through the pipeline (a validated request, or an evaluation setting).
struct PipelineOptions {
    var k: Int
    var candidates: Int
    var retrieval: RetrievalMode
    var ef: Int
    var useRanker: Bool
    var rerank: Bool
    var lambda: Float
    var maxPerCreator: Int
    var freshnessBoost: Float
    var compareExact: Bool
    var explain: Bool
}

/// One surviving candidate with its stage scores.
struct PipelineItem {
    var item: Int
    var retrieval: Float
    var ranker: Float?
    var relevance: Float
    var final: Float
    var reasons: [String]
}

/// Output of a pass.
struct PipelineResult {
    var items: [PipelineItem]
    var stages: [StageReport]
    var exactRecall: Double?
    var effectiveEf: Int?
}

@inline(__always) func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
@inline(__always) func micros(_ t0: UInt64) -> Double { Double(nowNanos() &- t0) / 1000 }

/// The retrieve → filter → rank → re-rank pipeline over immutable model parts. Safe to call from many
/// threads: per-call state lives on the stack or in pooled HNSW scratch.
struct Engine: Sendable {
    let world: World
    let tower: TwoTowerModel
    let index: HNSWIndex
    let ranker: Ranker
    let pool: HNSWScratchPool

    var dim: Int { tower.dim }

    func run(ctx: UserContext, stats: ItemStats, popular: [Int32], options o: PipelineOptions) -> PipelineResult {
        var stages = [StageReport]()
        // Retrieval: fetch extra to make room for already-seen items that the filter drops.
        var t0 = nowNanos()
        let extra = min(ctx.seen.count, o.candidates)
        let want = min(world.itemCount, o.candidates + extra)
        var retrieved: [Scored]
        var effectiveEf: Int?
        switch o.retrieval {
        case .hnsw:
            let ef = max(o.ef, want)
            effectiveEf = ef
            retrieved = ctx.vector.withUnsafeBufferPointer { q in
                pool.withScratch { index.search(q.baseAddress!, k: want, ef: ef, scratch: $0) }
            }
        case .exact:
            retrieved = ctx.vector.withUnsafeBufferPointer { q in index.exactSearch(q.baseAddress!, k: want) }
        case .popular:
            retrieved = []
            retrieved.reserveCapacity(want)
            for i in popular.prefix(want) {
                retrieved.append(Scored(score: log1p(stats.recentClicks[Int(i)]), id: UInt32(i)))
            }
        }
        stages.append(StageReport(name: "retrieval", itemsIn: world.itemCount, itemsOut: retrieved.count, microseconds: micros(t0)))

        var exactRecall: Double?
        if o.compareExact && o.retrieval == .hnsw {
            let t1 = nowNanos()
            let exact = ctx.vector.withUnsafeBufferPointer { q in index.exactSearch(q.baseAddress!, k: want) }
            let found = Set(retrieved.map(\.id))
            let hits = exact.reduce(0) { $0 + (found.contains($1.id) ? 1 : 0) }
            exactRecall = exact.isEmpty ? 1 : Double(hits) / Double(exact.count)
            stages.append(StageReport(name: "exact-compare", itemsIn: world.itemCount, itemsOut: exact.count, microseconds: micros(t1)))
        }

        // Filter: drop items the user has already clicked (and the liked items of a cold-start profile).
        t0 = nowNanos()
        let before = retrieved.count
        var cands = [PipelineItem]()
        cands.reserveCapacity(o.candidates)
        for r in retrieved where !ctx.seen.contains(Int32(bitPattern: r.id)) {
            cands.append(PipelineItem(item: Int(r.id), retrieval: r.score, ranker: nil, relevance: r.score, final: r.score, reasons: []))
            if cands.count == o.candidates { break }
        }
        stages.append(StageReport(name: "filter", itemsIn: before, itemsOut: cands.count, microseconds: micros(t0)))

        // Ranking.
        t0 = nowNanos()
        if o.useRanker && !cands.isEmpty {
            let f = rankerFeatureCount
            let buf = UnsafeMutablePointer<Float>.allocate(capacity: f)
            defer { buf.deallocate() }
            for j in cands.indices {
                let item = cands[j].item
                // Popular retrieval has no model score: use the user-item cosine as the feature.
                let s = o.retrieval == .popular ? dotAny(ctx.vector, index.vector(item), dim) : cands[j].retrieval
                rankerFeatures(item: item, score: s, position: 0, ctx: ctx, world: world, stats: stats, ctrPrior: ranker.ctrPrior, out: buf)
                let logit = ranker.score(buf)
                cands[j].ranker = 1 / (1 + exp(-logit))
                cands[j].relevance = logit
            }
            cands.sort { $0.relevance > $1.relevance }
        }
        stages.append(StageReport(name: "ranking", itemsIn: cands.count, itemsOut: cands.count, microseconds: o.useRanker ? micros(t0) : 0))

        // Re-ranking.
        t0 = nowNanos()
        let inCount = cands.count
        let out: [PipelineItem]
        if o.rerank {
            out = rerank(cands, ctx: ctx, stats: stats, options: o)
        } else {
            out = Array(cands.prefix(o.k)).map { var c = $0; c.final = c.relevance; return c }
        }
        stages.append(StageReport(name: "reranking", itemsIn: inCount, itemsOut: out.count, microseconds: micros(t0)))
        return PipelineResult(items: out, stages: stages, exactRecall: exactRecall, effectiveEf: effectiveEf)
    }

    /// MMR with near-duplicate removal, a per-creator cap and a freshness boost; adds reasons.
    func rerank(_ cands: [PipelineItem], ctx: UserContext, stats: ItemStats, options o: PipelineOptions) -> [PipelineItem] {
        let n = cands.count
        if n == 0 { return [] }
        var lo = Float.infinity
        var hi = -Float.infinity
        for c in cands {
            lo = min(lo, c.relevance)
            hi = max(hi, c.relevance)
        }
        let span = hi > lo ? hi - lo : 1
        var rel = [Float](repeating: 0, count: n)
        var fresh = [Float](repeating: 0, count: n)
        for j in 0..<n {
            let age = max(0, Float(ctx.now - world.itemUploadTime[cands[j].item]) / 86_400)
            fresh[j] = exp(-age / 3)
            rel[j] = (cands[j].relevance - lo) / span + o.freshnessBoost * fresh[j]
        }
        var maxSim = [Float](repeating: -1, count: n)
        var alive = [Bool](repeating: true, count: n)
        // Creator caps are counted for the few creators picked so far; when one reaches the cap, its remaining
        // candidates are retired at once, so the scan below needs no per-candidate lookup.
        let creatorOf = cands.map { world.itemCreator[$0.item] }
        var perCreator = [Int32: Int]()
        var selected = [PipelineItem]()
        selected.reserveCapacity(o.k)
        var selectedOriginals = Set<Int>()
        let capCreators = world.hasCreators
        let lambda = o.lambda
        // Items ordered by relevance alone, to detect "diversity picks".
        while selected.count < o.k {
            var best = -1
            var bestScore = -Float.infinity
            var bestRel = -1
            var bestRelValue = -Float.infinity
            for j in 0..<n where alive[j] {
                let mmr = lambda * rel[j] - (1 - lambda) * max(0, maxSim[j])
                if mmr > bestScore {
                    bestScore = mmr
                    best = j
                }
                if rel[j] > bestRelValue {
                    bestRelValue = rel[j]
                    bestRel = j
                }
            }
            if best < 0 { break }
            alive[best] = false
            var pick = cands[best]
            pick.final = rel[best]
            let item = pick.item
            let original = world.itemDuplicateOf[item] >= 0 ? Int(world.itemDuplicateOf[item]) : item
            if selectedOriginals.contains(original) { continue }  // re-upload of something already picked
            selectedOriginals.insert(original)
            if capCreators {
                let creator = creatorOf[best]
                perCreator[creator, default: 0] += 1
                if perCreator[creator]! >= o.maxPerCreator {
                    for j in 0..<n where creatorOf[j] == creator { alive[j] = false }
                }
            }
            if o.explain {
                pick.reasons = reasons(for: item, ctx: ctx, stats: stats, diversityPick: best != bestRel && lambda < 1, retrieval: o.retrieval)
            }
            selected.append(pick)
            // Update similarity to the selected set; near-duplicates (cosine > 0.97) are dropped.
            let v = index.vector(item)
            for j in 0..<n where alive[j] {
                let s = dotAny(v, index.vector(cands[j].item), dim)
                if s > 0.97 {
                    alive[j] = false
                } else if s > maxSim[j] {
                    maxSim[j] = s
                }
            }
        }
        return selected
    }

    func reasons(for item: Int, ctx: UserContext, stats: ItemStats, diversityPick: Bool, retrieval: RetrievalMode) -> [String] {
        var out = [String]()
        let t = Int(world.itemTopic[item])
        let topic = world.topicNames[t]
        if ctx.chosenTopics.contains(t) {
            out.append("matches your interest in \(topic)")
        } else if ctx.topicShare[t] >= 0.15 {
            out.append("matches your interest in \(topic)")
        }
        if world.hasCreators, let c = ctx.creatorCount[world.itemCreator[item]], c > 0 {
            let times = Int((c * Float(ctx.historyCount)).rounded())
            out.append("from \(world.creatorNames[Int(world.itemCreator[item])]), whom you watched \(times == 1 ? "once" : "\(times) times")")
        }
        let ageDays = Double(ctx.now - world.itemUploadTime[item]) / 86_400
        if ageDays < 7 {
            let d = Int(ageDays)
            let when = d == 0 ? "today" : d == 1 ? "yesterday" : "\(d) days ago"
            out.append("fresh: uploaded \(when)")
        }
        // Most similar item of the recent history.
        var bestSim: Float = 0
        var bestItem = -1
        let v = index.vector(item)
        for h in ctx.history.suffix(30) {
            let s = dotAny(v, index.vector(Int(h)), dim)
            if s > bestSim {
                bestSim = s
                bestItem = Int(h)
            }
        }
        if bestItem >= 0 && bestSim > 0.8 {
            out.append("similar to “\(world.title(of: bestItem))”, which you watched")
        }
        if retrieval == .popular {
            out.append("popular this week")
        } else if stats.recentClicks[item] >= stats.trendingThreshold {
            out.append("trending this week")
        }
        if diversityPick { out.append("diversity pick") }
        if out.isEmpty { out.append(retrieval == .popular ? "popular on the platform" : "close to your taste profile") }
        return out
    }
}
