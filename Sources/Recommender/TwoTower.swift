import Foundation

/// The trained two-tower retrieval model as served: L2-normalised item vectors (stored in the index),
/// user id embeddings, the history projection and topic centroids for cold start.
struct TwoTowerModel: Sendable {
    var dim: Int
    var historyLength: Int
    var userEmbedding: [Float]  // userCount × dim (zero rows for users unseen in training)
    var projection: [Float]  // dim × dim, row-major: raw = U[u] + P · mean(history item vectors)
    var topicCentroids: [Float]  // topicCount × dim, normalised mean item vector per topic

    /// User vector from an optional id embedding and the item vectors of a history (plus extra
    /// pseudo-history vectors such as topic centroids). Writes `dim` floats to `out`.
    func userVector(
        user: Int?, history: ArraySlice<Int32>, extra: [Int], itemVectors: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>
    ) {
        var mean = [Float](repeating: 0, count: dim)
        let h = history.suffix(historyLength)
        var n: Float = 0
        for item in h {
            let v = itemVectors + Int(item) * dim
            for d in 0..<dim { mean[d] += v[d] }
            n += 1
        }
        for t in extra {
            for d in 0..<dim { mean[d] += topicCentroids[t * dim + d] }
            n += 1
        }
        if n > 0 { for d in 0..<dim { mean[d] /= n } }
        for r in 0..<dim {
            var s: Float = 0
            for c in 0..<dim { s += projection[r * dim + c] * mean[c] }
            out[r] = s + (user.map { userEmbedding[$0 * dim + r] } ?? 0)
        }
        normalize(out, dim)
    }
}

/// Hyper-parameters of two-tower training.
public struct TwoTowerConfig: Sendable, Codable, Equatable {
    /// Output dimension (64).
    public var dimension: Int = 64
    /// Passes over the training clicks.
    public var epochs: Int = 6
    /// In-batch softmax batch size (the negatives are the other items of the batch).
    public var batchSize: Int = 256
    /// Adam learning rate.
    public var learningRate: Float = 0.004
    /// Softmax temperature on cosine scores.
    public var temperature: Float = 0.07
    /// Most recent clicks averaged by the user tower.
    public var historyLength: Int = 30
    /// Subtract log sampling frequency from in-batch logits (the logQ correction).
    public var logQCorrection: Bool = true
    /// Creates the default configuration.
    public init() {}
}

/// One embedding table with lazy (touched-rows-only) Adam.
private final class Table {
    let rows: Int
    let dim: Int
    let w: UnsafeMutablePointer<Float>
    let g: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
    var stamp: [Int32]
    var touched: [Int32] = []
    var batch: Int32 = 0

    init(rows: Int, dim: Int, scale: Float, rng: inout Xoshiro256) {
        self.rows = rows
        self.dim = dim
        let n = max(1, rows * dim)
        w = .allocate(capacity: n)
        g = .allocate(capacity: n)
        m = .allocate(capacity: n)
        v = .allocate(capacity: n)
        for i in 0..<n { w[i] = Float(rng.gaussian()) * scale }
        g.initialize(repeating: 0, count: n)
        m.initialize(repeating: 0, count: n)
        v.initialize(repeating: 0, count: n)
        stamp = [Int32](repeating: -1, count: max(1, rows))
    }

    deinit {
        w.deallocate()
        g.deallocate()
        m.deallocate()
        v.deallocate()
    }

    @inline(__always) func row(_ r: Int) -> UnsafeMutablePointer<Float> { w + r * dim }

    @inline(__always) func addGrad(_ r: Int, _ src: UnsafePointer<Float>, scale: Float) {
        if stamp[r] != batch {
            stamp[r] = batch
            touched.append(Int32(r))
        }
        let gr = g + r * dim
        for d in 0..<dim { gr[d] += src[d] * scale }
    }

    func applyAdam(lr: Float, step: Int, beta1: Float = 0.9, beta2: Float = 0.999) {
        let b1t = 1 - pow(beta1, Float(step))
        let b2t = 1 - pow(beta2, Float(step))
        let a = lr * b2t.squareRoot() / b1t
        for r in touched {
            let o = Int(r) * dim
            for d in 0..<dim {
                let gi = g[o + d]
                m[o + d] = beta1 * m[o + d] + (1 - beta1) * gi
                v[o + d] = beta2 * v[o + d] + (1 - beta2) * gi * gi
                w[o + d] -= a * m[o + d] / (v[o + d].squareRoot() + 1e-8)
                g[o + d] = 0
            }
        }
        touched.removeAll(keepingCapacity: true)
        batch &+= 1
    }
}

/// Trains the towers with in-batch sampled softmax and logQ correction. Item tower: normalise(id + topic +
/// creator embeddings). User tower: normalise(user id embedding + P · mean of the last `historyLength`
/// clicked items' vectors). Gradients flow into every table, including through the history.
final class TwoTowerTrainer: @unchecked Sendable {
    let config: TwoTowerConfig
    let dim: Int
    let world: World
    let history: ClickHistory
    private let items: Table
    private let topics: Table
    private let creators: Table
    private let users: Table
    private let proj: Table  // dim × dim as one "row" of dim*dim
    let cacheVec: UnsafeMutablePointer<Float>
    let cacheNorm: UnsafeMutablePointer<Float>
    let logQ: [Float]
    let threads: Int
    var userSeen: [Bool]
    // Example list: index into history arrays of the target click.
    var examples: [Int32] = []
    var exampleUser: [Int32] = []

    init(world: World, history: ClickHistory, trainBefore: Int64, config: TwoTowerConfig, seed: UInt64, threads: Int) {
        self.config = config
        dim = config.dimension
        self.world = world
        self.history = history
        self.threads = max(1, threads)
        var rng = Xoshiro256(seed: seed, stream: 77)
        items = Table(rows: world.itemCount, dim: dim, scale: 0.1, rng: &rng)
        topics = Table(rows: world.topicCount, dim: dim, scale: 0.3, rng: &rng)
        creators = Table(rows: world.creatorNames.count, dim: dim, scale: 0.1, rng: &rng)
        users = Table(rows: world.userCount, dim: dim, scale: 0.05, rng: &rng)
        proj = Table(rows: 1, dim: dim * dim, scale: 0, rng: &rng)
        for d in 0..<dim { proj.w[d * dim + d] = 1 }
        cacheVec = .allocate(capacity: world.itemCount * dim)
        cacheNorm = .allocate(capacity: world.itemCount)
        var counts = [Float](repeating: 0, count: world.itemCount)
        userSeen = [Bool](repeating: false, count: world.userCount)
        for u in 0..<history.userCount {
            for e in history.range(u) where history.times[e] < trainBefore {
                examples.append(Int32(e))
                exampleUser.append(Int32(u))
                counts[Int(history.items[e])] += 1
                userSeen[u] = true
            }
        }
        let total = max(1, counts.reduce(0, +))
        logQ = counts.map { log(max($0, 0.5) / total) }
    }

    deinit {
        cacheVec.deallocate()
        cacheNorm.deallocate()
    }

    @inline(__always) func itemRaw(_ i: Int, into out: UnsafeMutablePointer<Float>) -> Float {
        let e = items.row(i)
        let t = topics.row(Int(world.itemTopic[i]))
        let c = creators.row(Int(world.itemCreator[i]))
        var s: Float = 0
        for d in 0..<dim {
            let x = e[d] + t[d] + c[d]
            out[d] = x
            s += x * x
        }
        let norm = max(s.squareRoot(), 1e-6)
        for d in 0..<dim { out[d] /= norm }
        return norm
    }

    func refreshCache() {
        let me = self
        parallelRanges(world.itemCount, threads: threads) { r in
            for i in r { me.cacheNorm[i] = me.itemRaw(i, into: me.cacheVec + i * me.dim) }
        }
    }

    /// Runs training; `progress` receives the fraction done.
    func train(progress: (Double) -> Void) {
        let b = max(2, config.batchSize)
        let n = examples.count
        guard n >= 2 else {
            refreshCache()
            return
        }
        let tau = config.temperature
        let invTau = 1 / tau
        let bMax = b
        let ub = UnsafeMutablePointer<Float>.allocate(capacity: bMax * dim)  // user vectors
        let uNorm = UnsafeMutablePointer<Float>.allocate(capacity: bMax)
        let mean = UnsafeMutablePointer<Float>.allocate(capacity: bMax * dim)
        let ib = UnsafeMutablePointer<Float>.allocate(capacity: bMax * dim)
        let iNorm = UnsafeMutablePointer<Float>.allocate(capacity: bMax)
        let s = UnsafeMutablePointer<Float>.allocate(capacity: bMax * bMax)
        let gu = UnsafeMutablePointer<Float>.allocate(capacity: bMax * dim)
        let gi = UnsafeMutablePointer<Float>.allocate(capacity: bMax * dim)
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: dim)
        let gm = UnsafeMutablePointer<Float>.allocate(capacity: dim)
        defer {
            for p in [ub, uNorm, mean, ib, iNorm, s, gu, gi, tmp, gm] { p.deallocate() }
        }
        let tb = UncheckedSendable((ub, uNorm, mean, ib, iNorm, s, gu, gi, proj.w))
        var order = Array(0..<n)
        var rng = Xoshiro256(seed: 991, stream: UInt64(n))
        var step = 0
        let batchesPerEpoch = n / b
        let totalBatches = max(1, batchesPerEpoch * config.epochs)
        let refreshEvery = max(20, batchesPerEpoch / 8)
        let L = config.historyLength
        let me = self
        refreshCache()
        var batchItems = [Int](repeating: 0, count: b)
        var batchUsers = [Int](repeating: 0, count: b)
        var histStart = [Int](repeating: 0, count: b)
        var histEnd = [Int](repeating: 0, count: b)
        for _ in 0..<config.epochs {
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            for bi in 0..<batchesPerEpoch {
                for j in 0..<b {
                    let e = Int(examples[order[bi * b + j]])
                    let u = Int(exampleUser[order[bi * b + j]])
                    batchItems[j] = Int(history.items[e])
                    batchUsers[j] = u
                    histEnd[j] = e
                    histStart[j] = max(history.offsets[u], e - L)
                }
                // Forward: towers (parallel over rows).
                let bItems = batchItems, bUsers = batchUsers, hs = histStart, he = histEnd
                let P = proj.w
                parallelRanges(b, threads: threads) { r in
                    let (ub, uNorm, mean, ib, iNorm, s, gu, gi, P) = tb.value
                    _ = (ub, uNorm, mean, ib, iNorm, s, gu, gi, P)
                    for j in r {
                        let mj = mean + j * me.dim
                        for d in 0..<me.dim { mj[d] = 0 }
                        let cnt = he[j] - hs[j]
                        if cnt > 0 {
                            for h in hs[j]..<he[j] {
                                let v = me.cacheVec + Int(me.history.items[h]) * me.dim
                                for d in 0..<me.dim { mj[d] += v[d] }
                            }
                            let inv = 1 / Float(cnt)
                            for d in 0..<me.dim { mj[d] *= inv }
                        }
                        let uj = ub + j * me.dim
                        let urow = me.users.row(bUsers[j])
                        var ss: Float = 0
                        for r2 in 0..<me.dim {
                            let x = dotAny(P + r2 * me.dim, mj, me.dim) + urow[r2]
                            uj[r2] = x
                            ss += x * x
                        }
                        let nrm = max(ss.squareRoot(), 1e-6)
                        uNorm[j] = nrm
                        for d in 0..<me.dim { uj[d] /= nrm }
                        iNorm[j] = me.itemRaw(bItems[j], into: ib + j * me.dim)
                    }
                }
                // Logits, softmax and the gradient on the logits (rows in parallel).
                let useLogQ = config.logQCorrection
                parallelRanges(b, threads: threads) { r in
                    let (ub, uNorm, mean, ib, iNorm, s, gu, gi, P) = tb.value
                    _ = (ub, uNorm, mean, ib, iNorm, s, gu, gi, P)
                    for j in r {
                        let row = s + j * b
                        let uj = ub + j * me.dim
                        var mx = -Float.infinity
                        for k in 0..<b {
                            var x = dotAny(uj, ib + k * me.dim, me.dim) * invTau
                            if useLogQ { x -= me.logQ[bItems[k]] }
                            if k != j && bItems[k] == bItems[j] { x = -Float.infinity }
                            row[k] = x
                            if x > mx { mx = x }
                        }
                        var z: Float = 0
                        for k in 0..<b {
                            let ex = row[k] == -Float.infinity ? 0 : exp(row[k] - mx)
                            row[k] = ex
                            z += ex
                        }
                        let scale = 1 / (z * Float(b))
                        for k in 0..<b { row[k] *= scale }
                        row[j] -= 1 / Float(b)
                    }
                }
                // Gradients w.r.t. normalised user and item vectors.
                parallelRanges(b, threads: threads) { r in
                    let (ub, uNorm, mean, ib, iNorm, s, gu, gi, P) = tb.value
                    _ = (ub, uNorm, mean, ib, iNorm, s, gu, gi, P)
                    for j in r {
                        let g = gu + j * me.dim
                        for d in 0..<me.dim { g[d] = 0 }
                        let row = s + j * b
                        for k in 0..<b {
                            let c = row[k] * invTau
                            if c == 0 { continue }
                            let v = ib + k * me.dim
                            for d in 0..<me.dim { g[d] += c * v[d] }
                        }
                        let gk = gi + j * me.dim
                        for d in 0..<me.dim { gk[d] = 0 }
                        for i2 in 0..<b {
                            let c = s[i2 * b + j] * invTau
                            if c == 0 { continue }
                            let u = ub + i2 * me.dim
                            for d in 0..<me.dim { gk[d] += c * u[d] }
                        }
                    }
                }
                // Back through the normalisations and into the tables (serial scatter).
                for j in 0..<b {
                    let uj = ub + j * dim
                    let g = gu + j * dim
                    let proj1 = dotAny(uj, g, dim)
                    let inv = 1 / uNorm[j]
                    for d in 0..<dim { tmp[d] = (g[d] - uj[d] * proj1) * inv }
                    users.addGrad(batchUsers[j], tmp, scale: 1)
                    let cnt = histEnd[j] - histStart[j]
                    let mj = mean + j * dim
                    // dL/dP += tmp ⊗ mean ; dL/dmean = Pᵀ tmp
                    if cnt > 0 {
                        if proj.stamp[0] != proj.batch {
                            proj.stamp[0] = proj.batch
                            proj.touched.append(0)
                        }
                        for r2 in 0..<dim {
                            let t = tmp[r2]
                            let gr = proj.g + r2 * dim
                            for c in 0..<dim { gr[c] += t * mj[c] }
                        }
                        for c in 0..<dim { gm[c] = 0 }
                        for r2 in 0..<dim {
                            let t = tmp[r2]
                            let pr = P + r2 * dim
                            for c in 0..<dim { gm[c] += pr[c] * t }
                        }
                        let invCnt = 1 / Float(cnt)
                        for h in histStart[j]..<histEnd[j] {
                            let item = Int(history.items[h])
                            let v = cacheVec + item * dim
                            let pv = dotAny(v, gm, dim)
                            let sc = invCnt / cacheNorm[item]
                            for d in 0..<dim { tmp[d] = (gm[d] - v[d] * pv) * sc }
                            items.addGrad(item, tmp, scale: 1)
                            topics.addGrad(Int(world.itemTopic[item]), tmp, scale: 1)
                            creators.addGrad(Int(world.itemCreator[item]), tmp, scale: 1)
                        }
                    }
                    let vj = ib + j * dim
                    let gk = gi + j * dim
                    let proj2 = dotAny(vj, gk, dim)
                    let invI = 1 / iNorm[j]
                    for d in 0..<dim { tmp[d] = (gk[d] - vj[d] * proj2) * invI }
                    let item = batchItems[j]
                    items.addGrad(item, tmp, scale: 1)
                    topics.addGrad(Int(world.itemTopic[item]), tmp, scale: 1)
                    creators.addGrad(Int(world.itemCreator[item]), tmp, scale: 1)
                }
                step += 1
                let lr = config.learningRate
                items.applyAdam(lr: lr, step: step)
                topics.applyAdam(lr: lr, step: step)
                creators.applyAdam(lr: lr, step: step)
                users.applyAdam(lr: lr, step: step)
                proj.applyAdam(lr: lr * 0.5, step: step)
                if step % refreshEvery == 0 { refreshCache() }
                if step % 10 == 0 { progress(Double(step) / Double(totalBatches)) }
            }
        }
        refreshCache()
        progress(1)
    }

    /// The served model; item vectors are `cacheVec` after the final refresh.
    func model() -> TwoTowerModel {
        var ue = [Float](repeating: 0, count: world.userCount * dim)
        for u in 0..<world.userCount where userSeen[u] {
            for d in 0..<dim { ue[u * dim + d] = users.w[u * dim + d] }
        }
        let p = Array(UnsafeBufferPointer(start: proj.w, count: dim * dim))
        var cent = [Float](repeating: 0, count: world.topicCount * dim)
        for i in 0..<world.itemCount {
            let t = Int(world.itemTopic[i])
            for d in 0..<dim { cent[t * dim + d] += cacheVec[i * dim + d] }
        }
        cent.withUnsafeMutableBufferPointer { c in
            for t in 0..<world.topicCount { normalize(c.baseAddress! + t * dim, dim) }
        }
        return TwoTowerModel(dim: dim, historyLength: config.historyLength, userEmbedding: ue, projection: p, topicCentroids: cent)
    }

    /// Copy of the final normalised item vectors, `itemCount × dim`.
    func itemVectors() -> [Float] { Array(UnsafeBufferPointer(start: cacheVec, count: world.itemCount * dim)) }
}
