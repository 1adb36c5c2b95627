import Foundation

/// Parameters of a synthetic video platform. The same configuration always yields the same world.
public struct WorldConfig: Sendable, Codable, Equatable {
    /// Number of videos.
    public var itemCount: Int
    /// Number of users.
    public var userCount: Int
    /// Seed of every random choice in the world.
    public var seed: UInt64
    /// Number of topics (at most 36).
    public var topicCount: Int
    /// Length of the simulated activity window, in days, ending at `referenceTime`.
    public var days: Int
    /// The world's "now", in seconds since 1970 (default 2026-01-01T00:00:00Z).
    public var referenceTime: Int64
    /// Mean number of sessions (slates of `slateSize` impressions) per user.
    public var sessionsPerUser: Double
    /// Impressions per session.
    public var slateSize: Int
    /// Worker threads used while simulating (does not change the result).
    public var threads: Int

    /// Creates a configuration; defaults are 100,000 videos and 20,000 users.
    public init(
        itemCount: Int = 100_000, userCount: Int = 20_000, seed: UInt64 = 42, topicCount: Int = 30,
        days: Int = 60, referenceTime: Int64 = 1_767_225_600, sessionsPerUser: Double = 10, slateSize: Int = 10,
        threads: Int = recommenderDefaultThreads
    ) {
        self.itemCount = itemCount
        self.userCount = userCount
        self.seed = seed
        self.topicCount = topicCount
        self.days = days
        self.referenceTime = referenceTime
        self.sessionsPerUser = sessionsPerUser
        self.slateSize = slateSize
        self.threads = threads
    }
}

/// Implicit-feedback log, grouped by user (see `World.userOffsets`) and sorted by time within a user.
public struct EventLog: Sendable, Equatable {
    /// Item index shown.
    public var item: [Int32] = []
    /// Timestamp, seconds since 1970.
    public var time: [Int64] = []
    /// Slate position (0 = top); 255 when unknown (imported data).
    public var position: [UInt8] = []
    /// 1 if the impression was clicked.
    public var clicked: [UInt8] = []
    /// Seconds watched (0 when not clicked).
    public var watchSeconds: [Float] = []

    /// Number of impressions.
    public var count: Int { item.count }

    mutating func reserve(_ n: Int) {
        item.reserveCapacity(n)
        time.reserveCapacity(n)
        position.reserveCapacity(n)
        clicked.reserveCapacity(n)
        watchSeconds.reserveCapacity(n)
    }

    mutating func append(contentsOf other: EventLog) {
        item.append(contentsOf: other.item)
        time.append(contentsOf: other.time)
        position.append(contentsOf: other.position)
        clicked.append(contentsOf: other.clicked)
        watchSeconds.append(contentsOf: other.watchSeconds)
    }
}

/// A video platform: catalogue, users and their impression/click/watch log.
///
/// Items and users are addressed internally by index (`0..<itemCount`); public ids equal the index
/// for synthetic worlds and are the original ids for imported data.
public struct World: Sendable, Equatable {
    /// Human-readable origin ("synthetic seed 42", "MovieLens").
    public var name: String
    /// Seed used for generated titles and names.
    public var seed: UInt64
    /// The world's "now", seconds since 1970.
    public var referenceTime: Int64
    /// Topic names, indexed by topic id.
    public var topicNames: [String]
    /// Creator names, indexed by creator id.
    public var creatorNames: [String]
    /// Topic of each item.
    public var itemTopic: [UInt16]
    /// Creator of each item.
    public var itemCreator: [Int32]
    /// Duration of each item in seconds (0 when unknown).
    public var itemDuration: [Float]
    /// Upload time of each item, seconds since 1970.
    public var itemUploadTime: [Int64]
    /// Latent prior popularity weight (power law) used by the simulator.
    public var itemPopularity: [Float]
    /// Index of the original for re-uploads (near-duplicates), otherwise -1.
    public var itemDuplicateOf: [Int32]
    /// External ids of items (empty: the id is the index).
    public var itemExternalIds: [Int32]
    /// Stored titles (empty: titles are generated from `seed`).
    public var storedTitles: [String]
    /// External ids of users (empty: the id is the index).
    public var userExternalIds: [Int32]
    /// Ground-truth topic tastes, `userCount × topicCount` (synthetic worlds only, else empty).
    public var userTaste: [Float]
    /// CSR offsets of each user's events in `events` (`userCount + 1` entries).
    public var userOffsets: [Int]
    /// All impressions, grouped by user and sorted by time within each user.
    public var events: EventLog

    /// Number of items.
    public var itemCount: Int { itemTopic.count }
    /// Number of users.
    public var userCount: Int { userOffsets.count - 1 }
    /// Number of topics.
    public var topicCount: Int { topicNames.count }

    /// Title of item `index`.
    public func title(of index: Int) -> String {
        if !storedTitles.isEmpty { return storedTitles[index] }
        let original = itemDuplicateOf[index] >= 0 ? Int(itemDuplicateOf[index]) : index
        return Vocabulary.title(seed: seed, item: original, topic: Int(itemTopic[original]))
    }

    /// Public id of item `index`.
    public func itemId(of index: Int) -> Int { itemExternalIds.isEmpty ? index : Int(itemExternalIds[index]) }
    /// Public id of user `index`.
    public func userId(of index: Int) -> Int { userExternalIds.isEmpty ? index : Int(userExternalIds[index]) }
}

// MARK: - Synthetic generation

extension World {
    /// Simulates a synthetic video platform. Deterministic: the same config gives the same world,
    /// whatever the thread count.
    public static func generate(_ config: WorldConfig) -> World {
        let n = max(1, config.itemCount)
        let topicCount = max(1, min(config.topicCount, Vocabulary.topics.count))
        let seed = config.seed
        let ref = config.referenceTime
        var rng = Xoshiro256(seed: seed, stream: 1)

        // Topic sizes follow a mild power law.
        let topicWeights = (0..<topicCount).map { 1.0 / pow(Double($0) + 3, 0.6) }
        let topicSampler = CumulativeSampler(weights: topicWeights)

        // Creators: a home topic and a heavy-tailed productivity.
        let creatorCount = max(topicCount, n / 25)
        var creatorTopic = [Int32](repeating: 0, count: creatorCount)
        var productivity = [Double](repeating: 0, count: creatorCount)
        for c in 0..<creatorCount {
            creatorTopic[c] = topicSampler.sample(&rng)
            productivity[c] = min(200, pow(1 - rng.uniform(), -1 / 1.4))
        }
        let creatorSampler = CumulativeSampler(weights: productivity)
        let creatorNames = (0..<creatorCount).map {
            Vocabulary.creatorName(seed: seed, creator: $0, topic: Int(creatorTopic[$0]))
        }

        // Items.
        let latentDim = 8
        var itemTopic = [UInt16](repeating: 0, count: n)
        var itemCreator = [Int32](repeating: 0, count: n)
        var itemDuration = [Float](repeating: 0, count: n)
        var itemUpload = [Int64](repeating: 0, count: n)
        var itemQuality = [Float](repeating: 0, count: n)
        var itemDup = [Int32](repeating: -1, count: n)
        var itemLatent = [Float](repeating: 0, count: n * latentDim)
        for i in 0..<n {
            if i > 100 && rng.uniform() < 0.01 {
                let j = rng.below(i)
                let orig = itemDup[j] >= 0 ? Int(itemDup[j]) : j
                itemDup[i] = Int32(orig)
                itemTopic[i] = itemTopic[orig]
                itemCreator[i] = itemCreator[orig]
                itemDuration[i] = itemDuration[orig]
                itemQuality[i] = itemQuality[orig] - 0.3
                for d in 0..<latentDim { itemLatent[i * latentDim + d] = itemLatent[orig * latentDim + d] }
            } else {
                let c = Int(creatorSampler.sample(&rng))
                itemCreator[i] = Int32(c)
                itemTopic[i] = rng.uniform() < 0.9 ? UInt16(creatorTopic[c]) : UInt16(topicSampler.sample(&rng))
                let median = Vocabulary.topics[Int(itemTopic[i])].medianMinutes * 60
                itemDuration[i] = Float(min(10_800, max(15, median * exp(0.7 * rng.gaussian()))))
                itemQuality[i] = Float(rng.gaussian())
                for d in 0..<latentDim { itemLatent[i * latentDim + d] = Float(rng.gaussian()) }
            }
            let ageDays = 730 * pow(rng.uniform(), 1.6)
            itemUpload[i] = ref - Int64(ageDays * 86_400)
        }
        // Power-law popularity over a random rank order, nudged by quality.
        var rank = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { rank.swapAt(i, rng.below(i + 1)) }
        var itemPopularity = [Float](repeating: 0, count: n)
        for i in 0..<n {
            itemPopularity[i] = Float(exp(0.5 * Double(itemQuality[i])) / pow(Double(rank[i]) + 20, 0.9)) * 1000
        }

        // Samplers used by the simulated production policy.
        var topicItems = [[Int32]](repeating: [], count: topicCount)
        var creatorItems = [[Int32]](repeating: [], count: creatorCount)
        for i in 0..<n {
            topicItems[Int(itemTopic[i])].append(Int32(i))
            creatorItems[Int(itemCreator[i])].append(Int32(i))
        }
        var topicCreators = [[Int32]](repeating: [], count: topicCount)
        for c in 0..<creatorCount where !creatorItems[c].isEmpty { topicCreators[Int(creatorTopic[c])].append(Int32(c)) }
        let popularSampler = CumulativeSampler(weights: itemPopularity.map(Double.init))
        let topicItemSamplers = topicItems.map { items in
            CumulativeSampler(weights: items.map { Double(itemPopularity[Int($0)]) }, indices: items)
        }
        let topicCreatorSamplers = topicCreators.map { cs in
            CumulativeSampler(weights: cs.map { productivity[Int($0)] }, indices: cs)
        }
        let byUpload = (0..<n).sorted { itemUpload[$0] < itemUpload[$1] }.map { Int32($0) }
        let uploadSorted = byUpload.map { itemUpload[Int($0)] }

        let sim = Simulator(
            n: n, topicCount: topicCount, seed: seed, ref: ref, days: config.days,
            sessionsPerUser: config.sessionsPerUser, slateSize: max(1, min(config.slateSize, 50)),
            topicWeights: topicWeights, itemTopic: itemTopic, itemCreator: itemCreator, itemDuration: itemDuration,
            itemUpload: itemUpload, itemQuality: itemQuality, itemLatent: itemLatent, latentDim: latentDim,
            creatorItems: creatorItems, popularSampler: popularSampler, topicItemSamplers: topicItemSamplers,
            topicCreatorSamplers: topicCreatorSamplers, byUpload: byUpload, uploadSorted: uploadSorted)

        // Users, simulated in parallel chunks; each user has its own random stream.
        let users = max(1, config.userCount)
        let chunk = 512
        let chunks = (users + chunk - 1) / chunk
        let parts = parallelMap(chunks, threads: config.threads) { c -> (EventLog, [Int], [Float]) in
            var log = EventLog()
            var counts = [Int]()
            var tastes = [Float]()
            for u in (c * chunk)..<min(users, (c + 1) * chunk) {
                let before = log.count
                sim.simulateUser(u, into: &log, tastes: &tastes)
                counts.append(log.count - before)
            }
            return (log, counts, tastes)
        }
        var events = EventLog()
        events.reserve(parts.reduce(0) { $0 + $1.0.count })
        var offsets = [0]
        offsets.reserveCapacity(users + 1)
        var tastes = [Float]()
        tastes.reserveCapacity(users * topicCount)
        for p in parts {
            events.append(contentsOf: p.0)
            for c in p.1 { offsets.append(offsets.last! + c) }
            tastes.append(contentsOf: p.2)
        }
        return World(
            name: "synthetic seed \(seed)", seed: seed, referenceTime: ref,
            topicNames: (0..<topicCount).map { Vocabulary.topics[$0].name }, creatorNames: creatorNames,
            itemTopic: itemTopic, itemCreator: itemCreator, itemDuration: itemDuration, itemUploadTime: itemUpload,
            itemPopularity: itemPopularity, itemDuplicateOf: itemDup, itemExternalIds: [], storedTitles: [],
            userExternalIds: [], userTaste: tastes, userOffsets: offsets, events: events)
    }
}

/// The user-behaviour simulator: a production policy fills slates, users click with a position-biased
/// probability driven by latent tastes, and watch a fraction of what they click.
private struct Simulator: Sendable {
    let n: Int
    let topicCount: Int
    let seed: UInt64
    let ref: Int64
    let days: Int
    let sessionsPerUser: Double
    let slateSize: Int
    let topicWeights: [Double]
    let itemTopic: [UInt16]
    let itemCreator: [Int32]
    let itemDuration: [Float]
    let itemUpload: [Int64]
    let itemQuality: [Float]
    let itemLatent: [Float]
    let latentDim: Int
    let creatorItems: [[Int32]]
    let popularSampler: CumulativeSampler
    let topicItemSamplers: [CumulativeSampler]
    let topicCreatorSamplers: [CumulativeSampler]
    let byUpload: [Int32]
    let uploadSorted: [Int64]

    /// Probability that a user examines slot `p` (the position bias).
    static func examine(_ p: Int) -> Double { 1.0 / pow(1.0 + Double(p), 0.75) }

    func simulateUser(_ u: Int, into out: inout EventLog, tastes: inout [Float]) {
        var rng = Xoshiro256(seed: seed, stream: 1_000_003 &+ UInt64(u))
        // Tastes: a few favourite topics plus a thin spread over everything.
        var taste = [Double](repeating: 0.1 / Double(topicCount), count: topicCount)
        let favCount = min(topicCount, 1 + min(4, Int(rng.exponential() * 1.2)))
        var favTopics = [Int]()
        let ts = CumulativeSampler(weights: topicWeights)
        var guardCount = 0
        while favTopics.count < favCount && guardCount < 100 {
            guardCount += 1
            let t = Int(ts.sample(&rng))
            if !favTopics.contains(t) { favTopics.append(t) }
        }
        let raw = favTopics.map { _ in 0.2 + rng.exponential() }
        let total = raw.reduce(0, +)
        for (t, w) in zip(favTopics, raw) { taste[t] += 0.9 * w / total }
        for t in taste { tastes.append(Float(t)) }
        let tasteSampler = CumulativeSampler(weights: taste)
        // Favourite creators inside favourite topics.
        var favCreators = [Int32]()
        for _ in 0..<rng.below(6) {
            let t = favTopics[rng.below(favTopics.count)]
            if !topicCreatorSamplers[t].isEmpty { favCreators.append(topicCreatorSamplers[t].sample(&rng)) }
        }
        var z = [Float](repeating: 0, count: latentDim)
        for d in 0..<latentDim { z[d] = Float(rng.gaussian()) }
        let freshPref = 0.8 + 0.5 * rng.gaussian()
        let topMinutes = Vocabulary.topics[favTopics.first ?? 0].medianMinutes
        let durPref = log(topMinutes * 60) + 0.5 * rng.gaussian()
        let sessions = max(1, Int((sessionsPerUser * exp(0.8 * rng.gaussian() - 0.32)).rounded()))
        let start = ref - Int64(days) * 86_400
        var times = (0..<sessions).map { _ in start + Int64(rng.uniform() * Double(ref - start - 600)) }
        times.sort()
        for k in times.indices.dropFirst() where times[k] < times[k - 1] + 300 { times[k] = times[k - 1] + 300 }
        var clickedSet = Set<Int32>()
        var slate = [Int32]()
        slate.reserveCapacity(slateSize)
        let scale = 1 / Float(latentDim).squareRoot()

        for t0 in times {
            slate.removeAll(keepingCapacity: true)
            var attempts = 0
            while slate.count < slateSize && attempts < slateSize * 8 {
                attempts += 1
                var item: Int32
                let r = rng.uniform()
                if r < 0.30 {
                    item = popularSampler.sample(&rng)
                } else if r < 0.65 {
                    // A small world can leave a topic with no items: fall back to popularity rather than trap.
                    let topicItems = topicItemSamplers[Int(tasteSampler.sample(&rng))]
                    item = topicItems.isEmpty ? popularSampler.sample(&rng) : topicItems.sample(&rng)
                } else if r < 0.75, !favCreators.isEmpty {
                    let list = creatorItems[Int(favCreators[rng.below(favCreators.count)])]
                    item = list[rng.below(list.count)]
                } else if r < 0.85 {
                    // Fresh: uploaded in the week before the session.
                    let lo = lowerBound(uploadSorted, t0 - 7 * 86_400)
                    let hi = lowerBound(uploadSorted, t0)
                    if hi <= lo { continue }
                    item = byUpload[lo + rng.below(hi - lo)]
                } else {
                    item = Int32(rng.below(n))
                }
                if itemUpload[Int(item)] > t0 || slate.contains(item) || clickedSet.contains(item) { continue }
                slate.append(item)
            }
            for (pos, item) in slate.enumerated() {
                let i = Int(item)
                let topic = Int(itemTopic[i])
                var dot: Float = 0
                for d in 0..<latentDim { dot += z[d] * itemLatent[i * latentDim + d] }
                let ageDays = Double(t0 - itemUpload[i]) / 86_400
                let fav = favCreators.contains(itemCreator[i]) ? 1.5 : 0
                let ld = log(Double(itemDuration[i])) - durPref
                let affinity =
                    1.2 * log(taste[topic] + 0.02) + fav + 0.9 * Double(dot * scale) + 0.6 * Double(itemQuality[i])
                    + freshPref * exp(-ageDays / 5) - 0.25 * ld * ld + 1.0
                let p = Simulator.examine(pos) / (1 + exp(-affinity))
                let click = rng.uniform() < p
                var watch: Float = 0
                if click {
                    clickedSet.insert(item)
                    let frac = 1 / (1 + exp(-(affinity + 0.7 * rng.gaussian())))
                    watch = Float(frac) * itemDuration[i]
                }
                out.item.append(item)
                out.time.append(t0 + Int64(pos * 15))
                out.position.append(UInt8(pos))
                out.clicked.append(click ? 1 : 0)
                out.watchSeconds.append(watch)
            }
        }
    }
}

/// First index whose value is >= `x` in a sorted array.
func lowerBound(_ a: [Int64], _ x: Int64) -> Int {
    var lo = 0
    var hi = a.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
