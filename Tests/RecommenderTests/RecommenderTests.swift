import Foundation
import Testing

@testable import Recommender

/// A small world keeps the debug-built suite well under two minutes on two cores; the default world
/// (100,000 × 20,000) is exercised by `recsys train` and the benchmarks instead.
let smallWorldConfig = WorldConfig(itemCount: 4000, userCount: 2500, seed: 7, topicCount: 20, sessionsPerUser: 12)

let smallWorld: World = World.generate(smallWorldConfig)

let smallModel: RecsysModel = {
    var config = TrainingConfig()
    config.twoTower.epochs = 4
    config.twoTower.batchSize = 128
    config.hnsw = HNSWParameters(m: 12, efConstruction: 60)
    config.rankerRows = 20_000
    config.rankerCandidateRows = 10
    config.evaluationUsers = 400
    return try! RecsysModel.train(world: smallWorld, config: config)
}()

func tempDir(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rec-tests-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct WorldTests {
    @Test func generationIsDeterministic() {
        let config = WorldConfig(itemCount: 1500, userCount: 300, seed: 99, threads: 2)
        let a = World.generate(config)
        var single = config
        single.threads = 1
        let b = World.generate(single)
        #expect(a == b)
        let c = World.generate(WorldConfig(itemCount: 1500, userCount: 300, seed: 100))
        #expect(a.events.item != c.events.item)
        #expect(a.itemCount == 1500 && a.userCount == 300)
        #expect(a.events.count > 1000)
        #expect(a.title(of: 3) == b.title(of: 3))
        #expect(a.title(of: 3).count > 5)
    }

    @Test func worldHasSaneShape() {
        let w = smallWorld
        let clicks = w.events.clicked.reduce(0) { $0 + Int($1) }
        let ctr = Double(clicks) / Double(w.events.count)
        #expect(ctr > 0.03 && ctr < 0.4)
        // Events are grouped by user and sorted by time within a user.
        for u in 0..<50 {
            let r = w.userOffsets[u]..<w.userOffsets[u + 1]
            for e in r.dropFirst() { #expect(w.events.time[e - 1] <= w.events.time[e]) }
        }
        // Power-law popularity: the top 1% of items gets a large share of clicks.
        var perItem = [Int](repeating: 0, count: w.itemCount)
        for e in 0..<w.events.count where w.events.clicked[e] != 0 { perItem[Int(w.events.item[e])] += 1 }
        let top = perItem.sorted(by: >).prefix(w.itemCount / 100).reduce(0, +)
        #expect(Double(top) / Double(clicks) > 0.05)
    }

    @Test func worldSaveLoadRoundTrip() throws {
        let dir = tempDir("world")
        let url = dir.appendingPathComponent("world.bin")
        try smallWorld.save(to: url)
        let back = try World.load(from: url)
        #expect(back == smallWorld)
    }

    @Test func movieLensImport() throws {
        let dir = tempDir("ml")
        try """
        movieId,title,genres
        1,Toy Story (1995),Adventure|Animation|Children
        2,"American President, The (1995)",Comedy|Drama
        3,Heat (1995),Action|Crime
        """.write(to: dir.appendingPathComponent("movies.csv"), atomically: true, encoding: .utf8)
        try """
        userId,movieId,rating,timestamp
        1,1,4.0,964982703
        1,3,2.0,964981247
        2,2,5.0,964982224
        2,1,3.5,964983815
        """.write(to: dir.appendingPathComponent("ratings.csv"), atomically: true, encoding: .utf8)
        let w = try World.importMovieLens(directory: dir)
        #expect(w.itemCount == 3)
        #expect(w.userCount == 2)
        #expect(w.title(of: 1) == "American President, The (1995)")
        #expect(w.topicNames == ["Adventure", "Comedy", "Action"])
        #expect(w.events.count == 4)
        #expect(w.events.clicked.reduce(0) { $0 + Int($1) } == 3)
        #expect(w.userId(of: 1) == 2)
    }
}

@Suite struct HNSWTests {
    /// 20,000 clustered unit vectors (64 dimensions).
    static func clustered(count: Int, seed: UInt64) -> [Float] {
        var rng = Xoshiro256(seed: seed)
        let dim = 64
        var centres = [Float](repeating: 0, count: 64 * dim)
        for i in centres.indices { centres[i] = Float(rng.gaussian()) }
        var out = [Float](repeating: 0, count: count * dim)
        for i in 0..<count {
            let c = rng.below(64)
            var s: Float = 0
            for d in 0..<dim {
                let x = centres[c * dim + d] / 8 + Float(rng.gaussian()) * 0.1
                out[i * dim + d] = x
                s += x * x
            }
            let inv = 1 / s.squareRoot()
            for d in 0..<dim { out[i * dim + d] *= inv }
        }
        return out
    }

    @Test func recallAtEf64() throws {
        let n = 20_000
        let data = HNSWTests.clustered(count: n + 200, seed: 3)
        let base = Array(data[0..<(n * 64)])
        let index = base.withUnsafeBufferPointer {
            HNSWIndex.build(vectors: $0, dimension: 64, parameters: HNSWParameters(m: 16, efConstruction: 100, threads: 2))
        }
        let scratch = HNSWScratch(count: n)
        var hits = 0
        let queries = 200
        data.withUnsafeBufferPointer { d in
            for q in 0..<queries {
                let qp = d.baseAddress! + (n + q) * 64
                let approx = Set(index.search(qp, k: 10, ef: 64, scratch: scratch).map(\.id))
                let exact = index.exactSearch(qp, k: 10)
                hits += exact.filter { approx.contains($0.id) }.count
            }
        }
        let recall = Double(hits) / Double(queries * 10)
        #expect(recall >= 0.95, "recall@10 = \(recall)")

        // Save/load gives the same graph and the same answers.
        let url = tempDir("hnsw").appendingPathComponent("index.hnsw")
        try index.save(to: url)
        let loaded = try HNSWIndex.load(from: url)
        #expect(loaded.count == n && loaded.maxLevel == index.maxLevel && loaded.entryPoint == index.entryPoint)
        data.withUnsafeBufferPointer { d in
            for q in 0..<20 {
                let qp = d.baseAddress! + (n + q) * 64
                #expect(loaded.search(qp, k: 10, ef: 64, scratch: scratch) == index.search(qp, k: 10, ef: 64, scratch: scratch))
            }
        }
    }

    @Test func exactSearchMatchesBruteForce() {
        let data = HNSWTests.clustered(count: 1001, seed: 9)
        data.withUnsafeBufferPointer { d in
            let q = d.baseAddress! + 1000 * 64
            let got = exactSearch(query: q, base: d.baseAddress!, count: 1000, dimension: 64, k: 5)
            var all = [(Float, Int)]()
            for i in 0..<1000 {
                var s: Float = 0
                for k in 0..<64 { s += d[i * 64 + k] * q[k] }
                all.append((s, i))
            }
            all.sort { $0.0 > $1.0 }
            #expect(got.map { Int($0.id) } == all.prefix(5).map(\.1))
        }
    }

    @Test func odddimensionsAndTinyIndexes() {
        let dim = 10
        var rng = Xoshiro256(seed: 1)
        let v = (0..<(50 * dim)).map { _ in Float(rng.gaussian()) }
        let index = v.withUnsafeBufferPointer { HNSWIndex.build(vectors: $0, dimension: dim, parameters: HNSWParameters(m: 4, efConstruction: 20, threads: 1)) }
        let scratch = HNSWScratch(count: 50)
        let r = v.withUnsafeBufferPointer { index.search($0.baseAddress!, k: 50, ef: 50, scratch: scratch) }
        #expect(r.count == 50)
        #expect(Set(r.map(\.id)).count == 50)
    }
}

@Suite struct VecsTests {
    @Test func fvecsIvecsRoundTrip() throws {
        let dir = tempDir("vecs")
        let f = VecsMatrix<Float>(values: (0..<30).map { Float($0) * 0.5 }, dimension: 3)
        let i = VecsMatrix<Int32>(values: (0..<20).map { Int32($0) }, dimension: 10)
        try Vecs.write(f, to: dir.appendingPathComponent("a.fvecs"))
        try Vecs.write(i, to: dir.appendingPathComponent("a.ivecs"))
        let f2 = try Vecs.readFloat(dir.appendingPathComponent("a.fvecs"))
        let i2 = try Vecs.readInt(dir.appendingPathComponent("a.ivecs"))
        #expect(f2.values == f.values && f2.dimension == 3 && f2.rows == 10)
        #expect(i2.values == i.values && i2.dimension == 10 && i2.rows == 2)
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("a.fvecs").path)[.size] as? Int
        #expect(size == 10 * (4 + 12))
    }
}

@Suite struct ModelTests {
    @Test func trainedModelBeatsPopularity() throws {
        let table = try #require(smallModel.evaluation)
        let pop = table.rows.first { $0.method.hasPrefix("popularity (all time)") }!.recallAt50
        let recent = table.rows.first { $0.method.hasPrefix("popularity (last 7 days)") }!.recallAt50
        let twoTower = table.rows.first { $0.method == "two-tower, exact" }!.recallAt50
        let ranked = table.rows.first { $0.method == "two-tower HNSW 500 + ranker" }!.recallAt50
        #expect(twoTower > max(pop, recent), "\(table.formatted())")
        #expect(ranked > max(pop, recent), "\(table.formatted())")
        #expect(table.users > 50)
    }

    @Test func recommendReturnsExplainedItems() throws {
        let r = try smallModel.recommend(RecommendationRequest(subject: .user(id: 5), k: 10, candidates: 200, compareExact: true))
        #expect(r.items.count == 10)
        #expect(r.items.allSatisfy { !$0.reasons.isEmpty && !$0.title.isEmpty })
        #expect(r.stages.map(\.name) == ["user", "retrieval", "exact-compare", "filter", "ranking", "reranking"])
        #expect(r.exactRecall != nil && r.exactRecall! > 0.8)
        // Already-clicked items are never recommended.
        let seen = Set(try smallModel.user(id: 5).recentItems.map(\.id))
        #expect(r.items.allSatisfy { !seen.contains($0.id) })
        for mode in RetrievalMode.allCases {
            let x = try smallModel.recommend(RecommendationRequest(subject: .user(id: 9), k: 5, candidates: 50, retrieval: mode, useRanker: false))
            #expect(x.items.count == 5)
        }
    }

    @Test func coldStartUsesChosenTopics() throws {
        let topic = 3
        let r = try smallModel.recommend(
            RecommendationRequest(subject: .coldStart(topics: [topic], likedItems: []), k: 10, candidates: 300, lambda: 1))
        let inTopic = r.items.filter { $0.topicId == topic }.count
        #expect(inTopic >= 5)
        let liked = [1, 2, 3]
        let r2 = try smallModel.recommend(RecommendationRequest(subject: .coldStart(topics: [], likedItems: liked), k: 10))
        #expect(r2.items.allSatisfy { !liked.contains($0.id) })
    }

    @Test func creatorCapAndDuplicatesHonoured() throws {
        for u in [1, 2, 3, 4] {
            let r = try smallModel.recommend(RecommendationRequest(subject: .user(id: u), k: 20, candidates: 400, lambda: 1, maxPerCreator: 1))
            let creators = r.items.map(\.creatorId)
            #expect(Set(creators).count == creators.count)
            let originals = try r.items.map { try smallModel.item(id: $0.id).reuploadOf ?? $0.id }
            #expect(Set(originals).count == originals.count)
        }
    }

    @Test func lowerLambdaIsMoreDiverse() throws {
        var diverse = 0.0
        var relevant = 0.0
        func ild(_ r: RecommendationResponse) -> Double {
            let v = smallModel.index
            var s = 0.0
            var n = 0
            for i in 0..<r.items.count {
                for j in (i + 1)..<r.items.count {
                    let a = v.vectors + r.items[i].id * v.dimension
                    let b = v.vectors + r.items[j].id * v.dimension
                    var d: Float = 0
                    for k in 0..<v.dimension { d += a[k] * b[k] }
                    s += 1 - Double(d)
                    n += 1
                }
            }
            return s / Double(max(1, n))
        }
        for u in 0..<8 {
            let base = RecommendationRequest(subject: .user(id: u), k: 10, candidates: 300, lambda: 1, maxPerCreator: 100, freshnessBoost: 0)
            var div = base
            div.lambda = 0.3
            relevant += ild(try smallModel.recommend(base))
            diverse += ild(try smallModel.recommend(div))
        }
        #expect(diverse > relevant)
        // λ = 1 without boosts keeps the ranker's order.
        let r = try smallModel.recommend(RecommendationRequest(subject: .user(id: 3), k: 10, lambda: 1, maxPerCreator: 100, freshnessBoost: 0))
        let finals = r.items.map(\.scores.final)
        #expect(finals == finals.sorted(by: >))
    }

    @Test func validationErrorsNameTheParameter() {
        func param(_ req: RecommendationRequest) -> String? {
            do {
                _ = try smallModel.recommend(req)
                return nil
            } catch let RecommenderError.invalidParameter(name, _, _) {
                return name
            } catch {
                return "other: \(error)"
            }
        }
        let u = RecommendationSubject.user(id: 1)
        #expect(param(RecommendationRequest(subject: u, k: 0)) == "k")
        #expect(param(RecommendationRequest(subject: u, k: 101)) == "k")
        #expect(param(RecommendationRequest(subject: u, k: 50, candidates: 20)) == "candidates")
        #expect(param(RecommendationRequest(subject: u, candidates: 6000)) == "candidates")
        #expect(param(RecommendationRequest(subject: u, ef: 0)) == "ef")
        #expect(param(RecommendationRequest(subject: u, ef: 2000)) == "ef")
        #expect(param(RecommendationRequest(subject: u, lambda: 1.5)) == "lambda")
        #expect(param(RecommendationRequest(subject: .coldStart(topics: [], likedItems: []))) == "subject")
        #expect(throws: RecommenderError.unknownUser(id: 999_999)) {
            try smallModel.recommend(RecommendationRequest(subject: .user(id: 999_999)))
        }
        #expect(throws: RecommenderError.unknownItem(id: -4)) {
            try smallModel.recommend(RecommendationRequest(subject: .coldStart(topics: [], likedItems: [-4])))
        }
        #expect(throws: RecommenderError.unknownTopic(id: 77)) {
            try smallModel.recommend(RecommendationRequest(subject: .coldStart(topics: [77], likedItems: [])))
        }
        #expect(throws: RecommenderError.unknownItem(id: 10_000_000)) { try smallModel.item(id: 10_000_000) }
    }

    @Test func saveLoadRoundTrip() throws {
        let dir = tempDir("model")
        try smallModel.save(to: dir)
        let back = try RecsysModel.load(from: dir)
        #expect(back.info == smallModel.info)
        #expect(back.evaluation == smallModel.evaluation)
        #expect(back.rankerWeights == smallModel.rankerWeights)
        for u in [0, 10, 20] {
            let req = RecommendationRequest(subject: .user(id: u), k: 10)
            #expect(try back.recommend(req).items == smallModel.recommend(req).items)
        }
        #expect(try back.user(id: 4) == smallModel.user(id: 4))
    }

    @Test func lookupsAndJSON() throws {
        let user = try smallModel.user(id: 0)
        #expect(!user.latentTastes.isEmpty)
        #expect(smallModel.topics.count == 20)
        #expect(smallModel.rankerWeights.count == 20)
        let item = try smallModel.item(id: 0)
        #expect(item.id == 0)
        let response = try smallModel.recommend(RecommendationRequest(subject: .user(id: 0), k: 3))
        let data = try JSONEncoder().encode(response)
        #expect(try JSONDecoder().decode(RecommendationResponse.self, from: data) == response)
        let req = RecommendationRequest(subject: .coldStart(topics: [1], likedItems: [2]), k: 3)
        #expect(try JSONDecoder().decode(RecommendationRequest.self, from: JSONEncoder().encode(req)) == req)
        // Omitted fields take the defaults.
        let minimal = try JSONDecoder().decode(RecommendationRequest.self, from: Data(#"{"subject":{"user":{"id":4}},"k":7}"#.utf8))
        #expect(minimal == RecommendationRequest(subject: .user(id: 4), k: 7))
        let table = try #require(smallModel.evaluation)
        #expect(try JSONDecoder().decode(EvaluationTable.self, from: JSONEncoder().encode(table)) == table)
    }

    @Test func concurrentRequestsAgree() async throws {
        let req = RecommendationRequest(subject: .user(id: 12), k: 10)
        let expected = try smallModel.recommend(req).items
        try await withThrowingTaskGroup(of: [RecommendedItem].self) { group in
            for _ in 0..<16 { group.addTask { try smallModel.recommend(req).items } }
            for try await items in group { #expect(items == expected) }
        }
    }
}

@Suite struct SmallWorldTests {
    /// Worlds as small as the serve flags allow must generate and train without trapping (a topic may be empty).
    @Test(arguments: [(100, 10), (500, 100), (300, 50)])
    func tinyWorldsGenerateAndTrain(items: Int, users: Int) throws {
        let world = World.generate(WorldConfig(itemCount: items, userCount: users, seed: 42))
        #expect(world.itemCount == items)
        let model = try RecsysModel.train(world: world, config: TrainingConfig(evaluate: false))
        let r = try model.recommend(RecommendationRequest(subject: .user(id: model.sampleUserIds(count: 1)[0]), k: 5, candidates: 10))
        #expect(r.items.count <= 5)
    }
}
