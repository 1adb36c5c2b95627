import Foundation

/// What the ranker and re-ranker know about the user making a request.
struct UserContext {
    var user: Int?
    var history: ArraySlice<Int32>
    var topicShare: [Float]
    var recentTopicShare: [Float]
    var creatorCount: [Int32: Float]
    var meanLogDuration: Float
    var historyCount: Int
    var seen: Set<Int32>
    var vector: [Float]
    var now: Int64
    var chosenTopics: Set<Int>

    /// Builds the context from a history (time-ordered item indices) and chosen topics.
    init(
        user: Int?, history: ArraySlice<Int32>, chosenTopics: [Int], world: World, tower: TwoTowerModel,
        itemVectors: UnsafePointer<Float>, now: Int64
    ) {
        self.user = user
        self.history = history
        self.now = now
        self.chosenTopics = Set(chosenTopics)
        let t = world.topicCount
        var ts = [Float](repeating: 0, count: t)
        var rs = [Float](repeating: 0, count: t)
        var cc = [Int32: Float]()
        var ld: Float = 0
        var ldn: Float = 0
        var seen = Set<Int32>()
        seen.reserveCapacity(history.count)
        for (k, item) in history.enumerated() {
            let i = Int(item)
            ts[Int(world.itemTopic[i])] += 1
            if k >= history.count - 10 { rs[Int(world.itemTopic[i])] += 1 }
            cc[world.itemCreator[i], default: 0] += 1
            let d = world.itemDuration[i]
            if d > 0 {
                ld += log(d)
                ldn += 1
            }
            seen.insert(item)
        }
        // Chosen topics count as clicks (a cold-start user's stated interests).
        for c in chosenTopics {
            ts[c] += 2
            rs[c] += 2
        }
        let total = ts.reduce(0, +)
        let rtotal = rs.reduce(0, +)
        if total > 0 { for k in 0..<t { ts[k] /= total } }
        if rtotal > 0 { for k in 0..<t { rs[k] /= rtotal } }
        let hc = Float(history.count)
        if hc > 0 { for (k, v) in cc { cc[k] = v / hc } }
        topicShare = ts
        recentTopicShare = rs
        creatorCount = cc
        meanLogDuration = ldn > 0 ? ld / ldn : 0
        historyCount = history.count
        self.seen = seen
        var v = [Float](repeating: 0, count: tower.dim)
        v.withUnsafeMutableBufferPointer { out in
            tower.userVector(user: user, history: history, extra: chosenTopics, itemVectors: itemVectors, out: out.baseAddress!)
        }
        vector = v
    }
}

/// Ranker features. Names are shown next to the learned weights.
enum RankerFeature: Int, CaseIterable {
    case twoTowerScore, topicShare, recentTopicShare, creatorShare, creatorSeen, logAgeDays, fresh, logClicks,
        logRecentClicks, logImpressions, debiasedCTR, watchFraction, logDuration, durationGap, userActivity,
        topicPopularity, creatorPopularity, scoreTimesTopic, reupload, slotPosition

    var name: String {
        switch self {
        case .twoTowerScore: return "two-tower score"
        case .topicShare: return "topic match (share of history)"
        case .recentTopicShare: return "topic match (last 10 clicks)"
        case .creatorShare: return "creator affinity"
        case .creatorSeen: return "creator watched before"
        case .logAgeDays: return "log age (days)"
        case .fresh: return "fresh (< 3 days)"
        case .logClicks: return "log popularity (clicks)"
        case .logRecentClicks: return "log recent popularity (7 days)"
        case .logImpressions: return "log impressions"
        case .debiasedCTR: return "position-debiased click rate (log)"
        case .watchFraction: return "mean watch fraction"
        case .logDuration: return "log duration"
        case .durationGap: return "duration mismatch with user"
        case .userActivity: return "user activity (log clicks)"
        case .topicPopularity: return "topic popularity (log share)"
        case .creatorPopularity: return "creator popularity (log clicks)"
        case .scoreTimesTopic: return "two-tower score × topic match"
        case .reupload: return "re-upload"
        case .slotPosition: return "slot position (training only; 0 when serving)"
        }
    }
}

let rankerFeatureCount = RankerFeature.allCases.count

/// Writes the feature vector of `item` for `ctx` into `out` (`rankerFeatureCount` floats).
@inline(__always)
func rankerFeatures(
    item i: Int, score: Float, position: Int, ctx: UserContext, world: World, stats: ItemStats, ctrPrior: Float,
    out: UnsafeMutablePointer<Float>
) {
    let t = Int(world.itemTopic[i])
    let c = world.itemCreator[i]
    let ageDays = max(0, Float(ctx.now - world.itemUploadTime[i]) / 86_400)
    let cs = world.hasCreators ? (ctx.creatorCount[c] ?? 0) : 0
    let dur = world.itemDuration[i]
    out[0] = score
    out[1] = ctx.topicShare[t]
    out[2] = ctx.recentTopicShare[t]
    out[3] = cs
    out[4] = cs > 0 ? 1 : 0
    out[5] = log1p(ageDays)
    out[6] = ageDays < 3 ? 1 : 0
    out[7] = log1p(stats.clicks[i])
    out[8] = log1p(stats.recentClicks[i])
    out[9] = log1p(stats.impressions[i])
    out[10] = log(stats.debiasedCTR(i, prior: ctrPrior))
    out[11] = (stats.watchSum[i] + 5 * 0.5) / (stats.clicks[i] + 5)
    out[12] = dur > 0 ? log(dur / 60) : 0
    out[13] = dur > 0 && ctx.meanLogDuration != 0 ? abs(log(dur) - ctx.meanLogDuration) : 0
    out[14] = log1p(Float(ctx.historyCount))
    out[15] = log((stats.topicClicks[t] + 1) / (stats.totalClicks + 1))
    out[16] = world.hasCreators ? log1p(stats.creatorClicks[Int(c)]) : 0
    out[17] = score * ctx.topicShare[t]
    out[18] = world.itemDuplicateOf[i] >= 0 ? 1 : 0
    out[19] = log1p(Float(position))
}

/// One learned ranker weight (on standardised features) for display.
public struct RankerWeight: Sendable, Codable, Equatable {
    /// Feature name.
    public var name: String
    /// Weight on the standardised feature (change in click log-odds per standard deviation).
    public var weight: Double
}

/// Logistic-regression click model over `rankerFeatureCount` standardised features.
struct Ranker: Sendable, Codable {
    var mean: [Float]
    var std: [Float]
    var weights: [Float]
    var bias: Float
    var ctrPrior: Float
    var trainingRows: Int
    var trainingLogLoss: Double
    var baselineLogLoss: Double

    func score(_ x: UnsafePointer<Float>) -> Float {
        var s = bias
        for f in 0..<weights.count where f != RankerFeature.slotPosition.rawValue {
            s += weights[f] * (x[f] - mean[f]) / std[f]
        }
        // Serving assumes the top slot: the position feature is fixed at 0.
        let p = RankerFeature.slotPosition.rawValue
        s += weights[p] * (0 - mean[p]) / std[p]
        return s
    }

    var namedWeights: [RankerWeight] {
        RankerFeature.allCases.map { RankerWeight(name: $0.name, weight: Double(weights[$0.rawValue])) }
    }

    /// Fits by mini-batch Adam on the log loss with a little L2.
    static func fit(rows x: [Float], labels y: [Float], ctrPrior: Float, epochs: Int = 4, seed: UInt64 = 5) -> Ranker {
        let f = rankerFeatureCount
        let n = y.count
        var mean = [Float](repeating: 0, count: f)
        var std = [Float](repeating: 1, count: f)
        if n > 0 {
            var m = [Double](repeating: 0, count: f)
            var s2 = [Double](repeating: 0, count: f)
            for r in 0..<n {
                for k in 0..<f {
                    let v = Double(x[r * f + k])
                    m[k] += v
                    s2[k] += v * v
                }
            }
            for k in 0..<f {
                let mu = m[k] / Double(n)
                mean[k] = Float(mu)
                std[k] = Float(max(1e-4, (s2[k] / Double(n) - mu * mu).squareRoot()))
            }
        }
        let pos = y.reduce(0, +)
        let base = n > 0 ? max(1e-4, min(1 - 1e-4, pos / Float(n))) : 0.1
        var w = [Float](repeating: 0, count: f)
        var b = log(base / (1 - base))
        var mw = [Float](repeating: 0, count: f + 1)
        var vw = [Float](repeating: 0, count: f + 1)
        var order = Array(0..<n)
        var rng = Xoshiro256(seed: seed)
        let batch = 256
        var step = 0
        let lr: Float = 0.01
        let l2: Float = 1e-4
        var z = [Float](repeating: 0, count: f)
        var g = [Float](repeating: 0, count: f + 1)
        for _ in 0..<epochs {
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            var start = 0
            while start < n {
                let end = min(n, start + batch)
                for k in 0...f { g[k] = 0 }
                for r in order[start..<end] {
                    var s = b
                    for k in 0..<f {
                        z[k] = (x[r * f + k] - mean[k]) / std[k]
                        s += w[k] * z[k]
                    }
                    let p = 1 / (1 + exp(-s))
                    let d = p - y[r]
                    for k in 0..<f { g[k] += d * z[k] }
                    g[f] += d
                }
                step += 1
                let inv = 1 / Float(end - start)
                let b1t = 1 - pow(0.9, Float(step))
                let b2t = 1 - pow(0.999, Float(step))
                for k in 0...f {
                    var gk = g[k] * inv
                    if k < f { gk += l2 * w[k] }
                    mw[k] = 0.9 * mw[k] + 0.1 * gk
                    vw[k] = 0.999 * vw[k] + 0.001 * gk * gk
                    let upd = lr * (mw[k] / b1t) / ((vw[k] / b2t).squareRoot() + 1e-8)
                    if k < f { w[k] -= upd } else { b -= upd }
                }
                start = end
            }
        }
        // Training log loss vs. the constant-rate baseline.
        var ll = 0.0
        var bl = 0.0
        for r in 0..<n {
            var s = b
            for k in 0..<f { s += w[k] * (x[r * f + k] - mean[k]) / std[k] }
            let p = Double(min(1 - 1e-6, max(1e-6, 1 / (1 + exp(-s)))))
            ll -= Double(y[r]) * log(p) + Double(1 - y[r]) * log(1 - p)
            bl -= Double(y[r]) * log(Double(base)) + Double(1 - y[r]) * log(1 - Double(base))
        }
        return Ranker(
            mean: mean, std: std, weights: w, bias: b, ctrPrior: ctrPrior, trainingRows: n,
            trainingLogLoss: n > 0 ? ll / Double(n) : 0, baselineLogLoss: n > 0 ? bl / Double(n) : 0)
    }
}

extension Ranker {
    /// Builds training rows from the impression log in `[from, to)`, two kinds:
    /// - impressions: features as of each impression (history strictly before it, item statistics as of
    ///   `from`), label = click (a pure click-through model, biased toward what the old policy showed);
    /// - retrieval candidates: items the two-tower model retrieves for the user at `from`, label = the
    ///   user clicked them in an impression during the window (what the ranker sees when serving).
    static func trainingData(
        world: World, history: ClickHistory, stats: ItemStats, tower: TwoTowerModel, itemVectors: [Float],
        from: Int64, to: Int64, maxRows: Int, threads: Int, index: HNSWIndex? = nil, candidateRowsPerUser: Int = 0
    ) -> (x: [Float], y: [Float], candX: [Float], candY: [Float], prior: Float) {
        let prior = stats.totalClicks / max(1, stats.examined.reduce(0, +))
        let users = world.userCount
        let chunks = max(1, min(users, threads * 8))
        let totalEvents = world.events.count
        // Keep about maxRows rows: sample impressions with a fixed per-event hash.
        var inWindow = 0
        for e in 0..<totalEvents where world.events.time[e] >= from && world.events.time[e] < to { inWindow += 1 }
        let keep = inWindow <= maxRows ? 1.0 : Double(maxRows) / Double(inWindow)
        let f = rankerFeatureCount
        let parts = parallelMap(chunks, threads: threads) { c -> ([Float], [Float], [Float], [Float]) in
            var xs = [Float]()
            var ys = [Float]()
            var cxs = [Float]()
            var cys = [Float]()
            var buf = [Float](repeating: 0, count: f)
            let scratch = index.map { HNSWScratch(count: $0.count, maxEf: 100) }
            itemVectors.withUnsafeBufferPointer { iv in
                for u in (users * c / chunks)..<(users * (c + 1) / chunks) {
                    let ev = world.events
                    var ctx: UserContext?
                    var ctxEnd = -1
                    for e in world.userOffsets[u]..<world.userOffsets[u + 1] {
                        let t = ev.time[e]
                        if t < from || t >= to { continue }
                        if keep < 1 {
                            let h = SplitMix64.mix(UInt64(e) &* 0x9E37)
                            if Double(h >> 11) * 0x1.0p-53 >= keep { continue }
                        }
                        let end = history.end(u, before: t)
                        if ctx == nil || end != ctxEnd {
                            ctx = UserContext(
                                user: u, history: history.items[history.offsets[u]..<end], chosenTopics: [], world: world,
                                tower: tower, itemVectors: iv.baseAddress!, now: t)
                            ctxEnd = end
                        }
                        let i = Int(ev.item[e])
                        let score = dotAny(ctx!.vector, iv.baseAddress! + i * tower.dim, tower.dim)
                        let pos = ev.position[e] == 255 ? 0 : Int(ev.position[e])
                        buf.withUnsafeMutableBufferPointer { b in
                            rankerFeatures(
                                item: i, score: score, position: pos, ctx: ctx!, world: world, stats: stats, ctrPrior: prior,
                                out: b.baseAddress!)
                        }
                        xs.append(contentsOf: buf)
                        ys.append(Float(ev.clicked[e]))
                    }
                    // Retrieval rows: items the two-tower model would retrieve at the window start, labelled
                    // by whether the user clicked them during the window. They teach the ranker what the
                    // candidates it will see at serving time look like, including items never shown.
                    if let index, candidateRowsPerUser > 0, let sc = scratch {
                        var clickedInWindow = Set<Int32>()
                        for e in world.userOffsets[u]..<world.userOffsets[u + 1]
                        where ev.clicked[e] != 0 && ev.time[e] >= from && ev.time[e] < to {
                            clickedInWindow.insert(ev.item[e])
                        }
                        if clickedInWindow.isEmpty && world.userOffsets[u] == world.userOffsets[u + 1] { continue }
                        let end = history.end(u, before: from)
                        let c0 = UserContext(
                            user: u, history: history.items[history.offsets[u]..<end], chosenTopics: [], world: world,
                            tower: tower, itemVectors: iv.baseAddress!, now: from)
                        let pool = 100
                        let found = c0.vector.withUnsafeBufferPointer { q in index.search(q.baseAddress!, k: pool, ef: pool, scratch: sc) }
                        var rng = Xoshiro256(seed: 4242, stream: UInt64(u))
                        var taken = 0
                        var tries = 0
                        while taken < candidateRowsPerUser && tries < candidateRowsPerUser * 3 && !found.isEmpty {
                            tries += 1
                            let r = found[rng.below(found.count)]
                            if c0.seen.contains(Int32(r.id)) { continue }
                            buf.withUnsafeMutableBufferPointer { b in
                                rankerFeatures(
                                    item: Int(r.id), score: r.score, position: 0, ctx: c0, world: world, stats: stats,
                                    ctrPrior: prior, out: b.baseAddress!)
                            }
                            cxs.append(contentsOf: buf)
                            cys.append(clickedInWindow.contains(Int32(r.id)) ? 1 : 0)
                            taken += 1
                        }
                        // Every window click that retrieval found is a positive.
                        for r in found where clickedInWindow.contains(Int32(r.id)) && !c0.seen.contains(Int32(r.id)) {
                            buf.withUnsafeMutableBufferPointer { b in
                                rankerFeatures(
                                    item: Int(r.id), score: r.score, position: 0, ctx: c0, world: world, stats: stats,
                                    ctrPrior: prior, out: b.baseAddress!)
                            }
                            cxs.append(contentsOf: buf)
                            cys.append(1)
                        }
                    }
                }
            }
            return (xs, ys, cxs, cys)
        }
        var x = [Float]()
        var y = [Float]()
        var cx = [Float]()
        var cy = [Float]()
        for p in parts {
            x.append(contentsOf: p.0)
            y.append(contentsOf: p.1)
            cx.append(contentsOf: p.2)
            cy.append(contentsOf: p.3)
        }
        return (x, y, cx, cy, prior)
    }
}

func dotAny(_ a: [Float], _ b: UnsafePointer<Float>, _ dim: Int) -> Float {
    a.withUnsafeBufferPointer { dotAny($0.baseAddress!, b, dim) }
}
