import Foundation

/// Everything that controls training.
public struct TrainingConfig: Sendable, Codable, Equatable {
    /// Two-tower hyper-parameters.
    public var twoTower: TwoTowerConfig
    /// HNSW build parameters.
    public var hnsw: HNSWParameters
    /// Most logged impressions used to train the comparison ranker (impressions only, evaluated but not served).
    public var rankerRows: Int
    /// Ranker passes.
    public var rankerEpochs: Int
    /// Retrieved candidates sampled per user to train the served ranker (labelled by a click in the
    /// ranker window's impressions).
    public var rankerCandidateRows: Int = 20
    /// Run the offline evaluation at the end of training (stored with the model).
    public var evaluate: Bool
    /// Most users in the evaluation.
    public var evaluationUsers: Int
    /// Seed of training randomness.
    public var seed: UInt64
    /// Worker threads (default: all cores).
    public var threads: Int

    /// Creates the default configuration.
    public init(
        twoTower: TwoTowerConfig = TwoTowerConfig(), hnsw: HNSWParameters = HNSWParameters(efConstruction: 100), rankerRows: Int = 300_000,
        rankerEpochs: Int = 4, evaluate: Bool = true, evaluationUsers: Int = 2000, seed: UInt64 = 7,
        threads: Int = recommenderDefaultThreads
    ) {
        self.twoTower = twoTower
        self.hnsw = hnsw
        self.rankerRows = rankerRows
        self.rankerEpochs = rankerEpochs
        self.evaluate = evaluate
        self.evaluationUsers = evaluationUsers
        self.seed = seed
        self.threads = threads
    }
}

/// The trained recommender: catalogue, click histories, towers, HNSW index, ranker and evaluation.
///
/// Immutable and `Sendable`: any number of concurrent `recommend` calls are safe (per-call buffers on
/// the stack, HNSW scratch from a pool). Calls are CPU-bound; run them off an event loop.
public final class RecsysModel: Sendable {
    /// Facts about the model and its training.
    public let info: ModelInfo
    /// Offline evaluation table (nil when training skipped it).
    public let evaluation: EvaluationTable?
    let engine: Engine
    /// Ranker trained on logged impressions only (kept for the evaluation table).
    let impressionRanker: Ranker?
    let history: ClickHistory
    let stats: ItemStats
    let popular: [Int32]
    let itemIndexById: [Int: Int]
    let userIndexById: [Int: Int]
    var world: World { engine.world }
    var tower: TwoTowerModel { engine.tower }

    init(
        info: ModelInfo, evaluation: EvaluationTable?, world: World, tower: TwoTowerModel, index: HNSWIndex, ranker: Ranker,
        impressionRanker: Ranker?, history: ClickHistory, stats: ItemStats, popular: [Int32]
    ) {
        self.info = info
        self.impressionRanker = impressionRanker
        self.evaluation = evaluation
        engine = Engine(world: world, tower: tower, index: index, ranker: ranker, pool: HNSWScratchPool(count: index.count))
        self.history = history
        self.stats = stats
        self.popular = popular
        var im = [Int: Int]()
        for (i, e) in world.itemExternalIds.enumerated() { im[Int(e)] = i }
        itemIndexById = im
        var um = [Int: Int]()
        for (u, e) in world.userExternalIds.enumerated() { um[Int(e)] = u }
        userIndexById = um
    }

    /// The same model with an evaluation table attached.
    public func withEvaluation(_ table: EvaluationTable?) -> RecsysModel {
        RecsysModel(
            info: info, evaluation: table, world: world, tower: tower, index: engine.index, ranker: engine.ranker,
            impressionRanker: impressionRanker, history: history, stats: stats, popular: popular)
    }

    // MARK: Training

    /// Trains towers, builds the index, trains the ranker and (optionally) evaluates.
    /// `progress(phase, fraction)` is called from the training thread(s) for a progress bar.
    public static func train(
        world: World, config: TrainingConfig = TrainingConfig(),
        progress: @escaping @Sendable (_ phase: String, _ fraction: Double) -> Void = { _, _ in }
    ) throws -> RecsysModel {
        guard world.itemCount >= 2, world.userCount >= 1 else {
            throw RecommenderError.invalidParameter(name: "world", value: "\(world.itemCount) items", allowed: "at least 2 items and 1 user")
        }
        guard (8...1024).contains(config.twoTower.dimension) else {
            throw RecommenderError.invalidParameter(name: "dimension", value: "\(config.twoTower.dimension)", allowed: "8...1024")
        }
        var phases = [String: Double]()
        var t0 = nowNanos()
        func lap(_ name: String) {
            phases[name] = Double(nowNanos() - t0) / 1e9
            t0 = nowNanos()
        }
        progress("preparing", 0)
        let split = TimeSplit.quantiles(world)
        let all = ClickHistory(world: world)
        lap("prepare")
        let trainer = TwoTowerTrainer(
            world: world, history: all, trainBefore: split.rankStart, config: config.twoTower, seed: config.seed,
            threads: config.threads)
        trainer.train { progress("two-tower", $0) }
        let tower = trainer.model()
        let vectors = trainer.itemVectors()
        lap("two-tower")
        progress("hnsw index", 0)
        var hp = config.hnsw
        hp.threads = config.threads
        let index = vectors.withUnsafeBufferPointer {
            HNSWIndex.build(vectors: $0, dimension: tower.dim, parameters: hp) { progress("hnsw index", $0) }
        }
        lap("hnsw")
        progress("ranker", 0)
        let rankStats = ItemStats(world: world, asOf: split.rankStart)
        let data = Ranker.trainingData(
            world: world, history: all, stats: rankStats, tower: tower, itemVectors: vectors, from: split.rankStart,
            to: split.testStart, maxRows: config.rankerRows, threads: config.threads, index: index,
            candidateRowsPerUser: config.rankerCandidateRows)
        progress("ranker", 0.5)
        let ranker = Ranker.fit(rows: data.candX, labels: data.candY, ctrPrior: data.prior, epochs: config.rankerEpochs, seed: config.seed)
        let impressionRanker = Ranker.fit(rows: data.x, labels: data.y, ctrPrior: data.prior, epochs: config.rankerEpochs, seed: config.seed)
        progress("ranker", 1)
        lap("ranker")
        let stats = ItemStats(world: world, asOf: world.referenceTime + 1)
        let popular = (0..<world.itemCount).sorted {
            (stats.recentClicks[$0], stats.clicks[$0], -$0) > (stats.recentClicks[$1], stats.clicks[$1], -$1)
        }.prefix(6000).map { Int32($0) }
        // Serving needs only who clicked what, in order: drop times and watch fractions.
        var served = all
        served.times = []
        served.watchFraction = []
        var catalog = world
        catalog.events = EventLog()
        catalog.userOffsets = [Int](repeating: 0, count: world.userCount + 1)
        let info = ModelInfo(
            world: world.name, itemCount: world.itemCount, userCount: world.userCount, topicCount: world.topicCount,
            twoTowerExamples: trainer.examples.count, rankerRows: ranker.trainingRows,
            impressionRankerRows: impressionRanker.trainingRows, rankerLogLoss: ranker.trainingLogLoss,
            rankerBaselineLogLoss: ranker.baselineLogLoss, phaseSeconds: phases, split: split,
            referenceTime: Date(timeIntervalSince1970: TimeInterval(world.referenceTime)), hnsw: hp, twoTower: config.twoTower)
        var model = RecsysModel(
            info: info, evaluation: nil, world: catalog, tower: tower, index: index, ranker: ranker, impressionRanker: impressionRanker, history: served,
            stats: stats, popular: popular)
        if config.evaluate {
            progress("evaluation", 0)
            let table = try model.evaluate(on: world, maxUsers: config.evaluationUsers, threads: config.threads)
            lap("evaluation")
            var info2 = info
            info2.phaseSeconds = phases
            model = RecsysModel(
                info: info2, evaluation: table, world: catalog, tower: tower, index: index, ranker: ranker, impressionRanker: impressionRanker, history: served,
                stats: stats, popular: popular)
            progress("evaluation", 1)
        }
        return model
    }

    // MARK: Recommend

    /// Runs the pipeline for a known user or a cold-start profile.
    /// Throws `RecommenderError.invalidParameter` for out-of-range parameters and
    /// `.unknownUser` / `.unknownItem` / `.unknownTopic` for ids that do not exist.
    public func recommend(_ request: RecommendationRequest) throws -> RecommendationResponse {
        try request.validate()
        let t0 = nowNanos()
        let hist: ArraySlice<Int32>
        let user: Int?
        var topics = [Int]()
        switch request.subject {
        case let .user(id):
            guard let u = userIndex(id) else { throw RecommenderError.unknownUser(id: id) }
            user = u
            hist = history.items[history.range(u)]
        case let .coldStart(ts, liked):
            user = nil
            for t in ts {
                guard t >= 0 && t < world.topicCount else { throw RecommenderError.unknownTopic(id: t) }
                if !topics.contains(t) { topics.append(t) }
            }
            var items = [Int32]()
            for id in liked {
                guard let i = itemIndex(id) else { throw RecommenderError.unknownItem(id: id) }
                items.append(Int32(i))
            }
            hist = items[...]
        }
        let ctx = UserContext(
            user: user, history: hist, chosenTopics: topics, world: world, tower: tower,
            itemVectors: UnsafePointer(engine.index.vectors), now: world.referenceTime)
        let userStage = StageReport(name: "user", itemsIn: hist.count, itemsOut: 1, microseconds: micros(t0))
        let options = PipelineOptions(
            k: request.k, candidates: request.candidates, retrieval: request.retrieval, ef: request.ef,
            useRanker: request.useRanker, rerank: true, lambda: Float(request.lambda), maxPerCreator: request.maxPerCreator,
            freshnessBoost: Float(request.freshnessBoost), compareExact: request.compareExact, explain: true)
        let result = engine.run(ctx: ctx, stats: stats, popular: popular, options: options)
        let items = result.items.map { p -> RecommendedItem in
            let i = p.item
            let t = Int(world.itemTopic[i])
            let c = Int(world.itemCreator[i])
            return RecommendedItem(
                id: world.itemId(of: i), title: world.title(of: i), topic: world.topicNames[t], topicId: t,
                creator: world.creatorNames[c], creatorId: c, durationSeconds: Double(world.itemDuration[i]),
                ageDays: Double(world.referenceTime - world.itemUploadTime[i]) / 86_400,
                scores: StageScores(retrieval: Double(p.retrieval), ranker: p.ranker.map(Double.init), final: Double(p.final)),
                reasons: p.reasons)
        }
        return RecommendationResponse(
            items: items, stages: [userStage] + result.stages, exactRecall: result.exactRecall, effectiveEf: result.effectiveEf)
    }

    // MARK: Lookups

    func userIndex(_ id: Int) -> Int? {
        if world.userExternalIds.isEmpty { return id >= 0 && id < world.userCount ? id : nil }
        return userIndexById[id]
    }

    func itemIndex(_ id: Int) -> Int? {
        if world.itemExternalIds.isEmpty { return id >= 0 && id < world.itemCount ? id : nil }
        return itemIndexById[id]
    }

    func itemInfo(_ i: Int) -> ItemInfo {
        let t = Int(world.itemTopic[i])
        let c = Int(world.itemCreator[i])
        let dup = world.itemDuplicateOf[i]
        return ItemInfo(
            id: world.itemId(of: i), title: world.title(of: i), topicId: t, topic: world.topicNames[t], creatorId: c,
            creator: world.creatorNames[c], durationSeconds: Double(world.itemDuration[i]),
            uploaded: Date(timeIntervalSince1970: TimeInterval(world.itemUploadTime[i])),
            ageDays: Double(world.referenceTime - world.itemUploadTime[i]) / 86_400, clicks: Int(stats.clicks[i]),
            recentClicks: Int(stats.recentClicks[i]), reuploadOf: dup >= 0 ? world.itemId(of: Int(dup)) : nil)
    }

    /// The item with public id `id`.
    public func item(id: Int) throws -> ItemInfo {
        guard let i = itemIndex(id) else { throw RecommenderError.unknownItem(id: id) }
        return itemInfo(i)
    }

    /// The user with public id `id`, with a summary of their history and tastes.
    public func user(id: Int) throws -> UserSummary {
        guard let u = userIndex(id) else { throw RecommenderError.unknownUser(id: id) }
        let r = history.range(u)
        var topicCounts = [Int](repeating: 0, count: world.topicCount)
        var creatorCounts = [Int: Int]()
        for e in r {
            let i = Int(history.items[e])
            topicCounts[Int(world.itemTopic[i])] += 1
            creatorCounts[Int(world.itemCreator[i]), default: 0] += 1
        }
        let total = Double(max(1, r.count))
        let top = topicCounts.enumerated().filter { $0.element > 0 }.sorted { ($0.element, -$0.offset) > ($1.element, -$1.offset) }
            .prefix(5).map { TopicShare(topic: world.topicNames[$0.offset], topicId: $0.offset, share: Double($0.element) / total) }
        let creators = world.hasCreators
            ? creatorCounts.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(5).map {
                CreatorCount(creatorId: $0.key, creator: world.creatorNames[$0.key], count: $0.value)
            } : []
        var latent = [TopicShare]()
        if world.userTaste.count == world.userCount * world.topicCount && world.topicCount > 0 {
            let row = world.userTaste[(u * world.topicCount)..<((u + 1) * world.topicCount)]
            latent = row.enumerated().sorted { $0.element > $1.element }.prefix(5).map {
                TopicShare(topic: world.topicNames[$0.offset], topicId: $0.offset, share: Double($0.element))
            }
        }
        let recent = history.items[r].suffix(10).reversed().map { itemInfo(Int($0)) }
        return UserSummary(
            id: id, clickCount: r.count, topTopics: top, topCreators: creators, latentTastes: latent, recentItems: Array(recent))
    }

    /// Topics with their sizes (ids are what cold-start requests use).
    public var topics: [TopicInfo] {
        var counts = [Int](repeating: 0, count: world.topicCount)
        for t in world.itemTopic { counts[Int(t)] += 1 }
        return (0..<world.topicCount).map { TopicInfo(id: $0, name: world.topicNames[$0], itemCount: counts[$0]) }
    }

    /// Learned ranker weights on standardised features, largest magnitude first.
    public var rankerWeights: [RankerWeight] {
        engine.ranker.namedWeights.sorted { abs($0.weight) > abs($1.weight) }
    }

    /// Ranker intercept (click log-odds of an average impression).
    public var rankerBias: Double { Double(engine.ranker.bias) }

    /// A few user ids with long histories, for demos.
    public func sampleUserIds(count: Int = 10) -> [Int] {
        let users = (0..<world.userCount).sorted { (history.range($0).count, -$0) > (history.range($1).count, -$1) }
        return users.prefix(max(0, count)).map { world.userId(of: $0) }
    }

    /// Items with the most clicks in the last week (public ids), for cold-start pickers.
    public func popularItemIds(count: Int = 20) -> [Int] {
        popular.prefix(max(0, count)).map { world.itemId(of: Int($0)) }
    }

    /// Bytes held by the HNSW index (vectors and links).
    public var indexBytes: Int { engine.index.memoryBytes }

    /// The HNSW index (immutable; share freely).
    public var index: HNSWIndex { engine.index }
}

// MARK: - Persistence

extension RecsysModel {
    static let magic: UInt64 = 0x3153_4C45_444F_4D52  // "RMODELS1"

    /// Writes the model into `directory`: catalog.bin, model.bin, ranker.json, info.json,
    /// evaluation.json (when present) and index.hnsw (one binary block).
    public func save(to directory: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try world.save(to: directory.appendingPathComponent("catalog.bin"))
        var w = BinaryWriter()
        w.write(RecsysModel.magic)
        w.write(array: history.offsets.map { Int64($0) })
        w.write(array: history.items)
        w.write(array: history.times)
        w.write(array: history.watchFraction)
        w.write(Int64(tower.dim))
        w.write(Int64(tower.historyLength))
        w.write(array: tower.userEmbedding)
        w.write(array: tower.projection)
        w.write(array: tower.topicCentroids)
        w.write(array: stats.clicks)
        w.write(array: stats.recentClicks)
        w.write(array: stats.impressions)
        w.write(array: stats.examined)
        w.write(array: stats.watchSum)
        w.write(array: stats.creatorClicks)
        w.write(array: stats.topicClicks)
        w.write(stats.totalClicks)
        w.write(stats.asOf)
        w.write(stats.trendingThreshold)
        w.write(array: popular)
        try w.data.write(to: directory.appendingPathComponent("model.bin"), options: .atomic)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        try enc.encode(engine.ranker).write(to: directory.appendingPathComponent("ranker.json"), options: .atomic)
        try enc.encode(info).write(to: directory.appendingPathComponent("info.json"), options: .atomic)
        if let impressionRanker {
            try enc.encode(impressionRanker).write(to: directory.appendingPathComponent("ranker-impressions.json"), options: .atomic)
        }
        let evalURL = directory.appendingPathComponent("evaluation.json")
        if let evaluation {
            try enc.encode(evaluation).write(to: evalURL, options: .atomic)
        } else if fm.fileExists(atPath: evalURL.path) {
            try fm.removeItem(at: evalURL)
        }
        try engine.index.save(to: directory.appendingPathComponent("index.hnsw"))
    }

    /// Reads a model written by `save(to:)`.
    public static func load(from directory: URL) throws -> RecsysModel {
        let world = try World.load(from: directory.appendingPathComponent("catalog.bin"))
        let url = directory.appendingPathComponent("model.bin")
        var r = BinaryReader(data: try readWholeFile(url), path: url.path)
        try r.expectMagic(magic)
        let history = ClickHistory(
            offsets: try r.readArray(Int64.self).map { Int($0) }, items: try r.readArray(Int32.self),
            times: try r.readArray(Int64.self), watchFraction: try r.readArray(Float.self))
        let dim = Int(try r.read(Int64.self))
        let hl = Int(try r.read(Int64.self))
        let tower = TwoTowerModel(
            dim: dim, historyLength: hl, userEmbedding: try r.readArray(Float.self), projection: try r.readArray(Float.self),
            topicCentroids: try r.readArray(Float.self))
        let stats = ItemStats(
            clicks: try r.readArray(Float.self), recentClicks: try r.readArray(Float.self),
            impressions: try r.readArray(Float.self), examined: try r.readArray(Float.self),
            watchSum: try r.readArray(Float.self), creatorClicks: try r.readArray(Float.self),
            topicClicks: try r.readArray(Float.self), totalClicks: try r.read(Float.self), asOf: try r.read(Int64.self),
            trendingThreshold: try r.read(Float.self))
        let popular = try r.readArray(Int32.self)
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .iso8601
        func json<T: Decodable>(_ name: String, _ type: T.Type) throws -> T {
            let u = directory.appendingPathComponent(name)
            do { return try dec.decode(T.self, from: Data(contentsOf: u)) } catch {
                throw RecommenderError.badFile(path: u.path, reason: "\(error)")
            }
        }
        let ranker = try json("ranker.json", Ranker.self)
        let info = try json("info.json", ModelInfo.self)
        var evaluation: EvaluationTable?
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("evaluation.json").path) {
            evaluation = try json("evaluation.json", EvaluationTable.self)
        }
        let index = try HNSWIndex.load(from: directory.appendingPathComponent("index.hnsw"))
        guard index.count == world.itemCount, index.dimension == dim, history.offsets.count == world.userCount + 1,
            stats.clicks.count == world.itemCount, tower.userEmbedding.count == world.userCount * dim
        else {
            throw RecommenderError.badFile(path: directory.path, reason: "model files do not match each other")
        }
        var impressionRanker: Ranker?
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("ranker-impressions.json").path) {
            impressionRanker = try json("ranker-impressions.json", Ranker.self)
        }
        return RecsysModel(
            info: info, evaluation: evaluation, world: world, tower: tower, index: index, ranker: ranker,
            impressionRanker: impressionRanker, history: history,
            stats: stats, popular: popular)
    }
}

extension RecsysModel {
    /// Public id of the user at internal index `index` (0..<userCount), for iterating over users.
    public func publicUserId(index: Int) -> Int { world.userId(of: index) }

    /// Public id of the item at internal index `index` (0..<itemCount).
    public func publicItemId(index: Int) -> Int { world.itemId(of: index) }

    /// Writes (or replaces) `evaluation.json` in a model directory.
    public static func writeEvaluation(_ table: EvaluationTable, to directory: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        try enc.encode(table).write(to: directory.appendingPathComponent("evaluation.json"), options: .atomic)
    }
}
