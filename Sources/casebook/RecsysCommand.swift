// Registered by the main app as a subcommand of `casebook` (`casebook recsys …`). Compiled only when the
// Recommender target is a dependency, so adding this file never breaks a build that lacks it.
#if canImport(Recommender)
import ArgumentParser
import Foundation
import Recommender

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `recsys …`: generate a world, train, evaluate, benchmark the ANN index.
struct RecsysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recsys",
        abstract: "The recommender: synthetic world, training, evaluation and ANN benchmarks.",
        subcommands: [Generate.self, Train.self, Eval.self, Bench.self, AnnBench.self]
    )
}

extension RecsysCommand {
/// Options shared by the subcommands that read or write the data directory.
struct DataDirOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (model files under <data-dir>/recsys/).")
    var dataDir: String = ProcessInfo.processInfo.environment["CASEBOOK_DATA_DIR"] ?? "./data"

    var recsysDir: URL { URL(fileURLWithPath: dataDir).appendingPathComponent("recsys") }
    var worldURL: URL { recsysDir.appendingPathComponent("world.bin") }
    var modelDir: URL { recsysDir.appendingPathComponent("model") }
}

static func elapsed(since t0: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
}

extension RecsysCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a synthetic video platform (or import MovieLens) into <data-dir>/recsys/world.bin.")

        @Option(help: "Number of videos.") var items: Int = 100_000
        @Option(help: "Number of users.") var users: Int = 20_000
        @Option(help: "Random seed (same seed, same world).") var seed: UInt64 = 42
        @Option(help: "Import a MovieLens directory (ratings.csv, movies.csv) instead of generating.") var movielens: String?
        @OptionGroup var data: DataDirOptions

        func validate() throws {
            guard (1...10_000_000).contains(items) else { throw ValidationError("--items must be in 1...10000000") }
            guard (1...5_000_000).contains(users) else { throw ValidationError("--users must be in 1...5000000") }
        }

        func run() async throws {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let world: World
            if let dir = movielens {
                world = try World.importMovieLens(directory: URL(fileURLWithPath: dir))
            } else {
                world = World.generate(WorldConfig(itemCount: items, userCount: users, seed: seed))
            }
            let clicks = world.events.clicked.reduce(0) { $0 + Int($1) }
            try world.save(to: data.worldURL)
            print("\(world.name): \(world.itemCount) items, \(world.userCount) users, \(world.topicCount) topics, "
                + "\(world.creatorNames.count) creators, \(world.events.count) impressions, \(clicks) clicks "
                + "-> \(data.worldURL.path) in \(String(format: "%.1f", RecsysCommand.elapsed(since: t0))) s")
        }
    }

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train towers, HNSW index and ranker on <data-dir>/recsys/world.bin; save to <data-dir>/recsys/model/.")

        @OptionGroup var data: DataDirOptions
        @Option(help: "Two-tower epochs.") var epochs: Int?
        @Option(name: .customLong("batch-size"), help: "In-batch softmax batch size.") var batchSize: Int?
        @Option(name: .customLong("learning-rate"), help: "Adam learning rate.") var learningRate: Float?
        @Option(help: "Softmax temperature.") var temperature: Float?
        @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(name: .customLong("eval-users"), help: "Users in the offline evaluation.") var evalUsers: Int = 2000
        @Flag(name: .customLong("no-eval"), help: "Skip the offline evaluation.") var noEval = false
        @Flag(name: .customLong("no-logq"), help: "Train without the logQ correction.") var noLogQ = false
        @Option(name: .customLong("ranker-rows"), help: "Most logged impressions used to train the ranker.") var rankerRows: Int?
        @Option(name: .customLong("ranker-candidates"), help: "Retrieved candidates per user added to the ranker's data.")
        var rankerCandidates: Int?
        @Option(name: .customLong("ef-construction"), help: "HNSW beam width while building.") var efConstruction: Int?

        func run() async throws {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let world = try World.load(from: data.worldURL)
            RecsysCommand.say("loaded \(world.name): \(world.itemCount) items, \(world.userCount) users, \(world.events.count) impressions")
            var config = TrainingConfig(threads: max(1, threads))
            if let epochs { config.twoTower.epochs = epochs }
            if let batchSize { config.twoTower.batchSize = batchSize }
            if let learningRate { config.twoTower.learningRate = learningRate }
            if let temperature { config.twoTower.temperature = temperature }
            config.twoTower.logQCorrection = !noLogQ
            config.evaluate = !noEval
            if let rankerRows { config.rankerRows = rankerRows }
            if let rankerCandidates { config.rankerCandidateRows = rankerCandidates }
            if let efConstruction { config.hnsw.efConstruction = efConstruction }
            config.evaluationUsers = evalUsers
            let bar = ProgressReporter()
            let model = try RecsysModel.train(world: world, config: config) { phase, fraction in bar.report(phase, fraction) }
            bar.finish()
            try model.save(to: data.modelDir)
            for (phase, secs) in model.info.phaseSeconds.sorted(by: { $0.value > $1.value }) {
                RecsysCommand.say(String(format: "  %-10@ %7.2f s", phase as NSString, secs))
            }
            RecsysCommand.say(String(format: "ranker log loss %.4f (constant rate %.4f) on %d impressions", model.info.rankerLogLoss,
                model.info.rankerBaselineLogLoss, model.info.rankerRows))
            if let e = model.evaluation { print(e.formatted(), terminator: "") }
            RecsysCommand.say("saved model to \(data.modelDir.path); total \(String(format: "%.1f", RecsysCommand.elapsed(since: t0))) s")
        }
    }

    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate the trained model on the held-out window and print the table.")

        @OptionGroup var data: DataDirOptions
        @Option(help: "Users in the evaluation.") var users: Int = 2000
        @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(help: "Print the stored table (from training) without recomputing.") var stored = false

        func run() async throws {
            let model = try RecsysModel.load(from: data.modelDir)
            if stored, let e = model.evaluation {
                print(e.formatted(), terminator: "")
                return
            }
            let world = try World.load(from: data.worldURL)
            let table = try model.evaluate(on: world, maxUsers: users, threads: max(1, threads))
            try RecsysModel.writeEvaluation(table, to: data.modelDir)
            print(table.formatted(), terminator: "")
        }
    }

    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of full recommendations (retrieve → rank → re-rank) on one thread, and resident memory.")

        @OptionGroup var data: DataDirOptions
        @Option(help: "Requests to time.") var requests: Int = 2000
        @Option(help: "Items returned.") var k: Int = 20
        @Option(help: "Candidates retrieved.") var candidates: Int = 500
        @Option(help: "HNSW ef (raised to the candidate count).") var ef: Int = 64
        @Option(help: "Retrieval: hnsw, exact or popular.") var retrieval: String = "hnsw"

        func run() async throws {
            let rss0 = RecsysCommand.residentMemory()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let model = try RecsysModel.load(from: data.modelDir)
            let loadSeconds = RecsysCommand.elapsed(since: t0)
            let rssLoaded = RecsysCommand.residentMemory()
            guard let mode = RetrievalMode(rawValue: retrieval) else { throw ValidationError("unknown retrieval \(retrieval)") }
            var rng = SplitMix64(seed: 12345)
            let n = model.info.userCount
            var totals = [Double]()
            var stageTimes = [String: [Double]]()
            for r in 0..<(requests + 50) {
                let u = Int(rng.next() % UInt64(n))
                let req = RecommendationRequest(
                    subject: .user(id: model.publicUserId(index: u)), k: k, candidates: candidates, retrieval: mode, ef: ef)
                let t1 = DispatchTime.now().uptimeNanoseconds
                let resp = try model.recommend(req)
                let us = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1000
                if r >= 50 {  // warm-up excluded
                    totals.append(us)
                    for s in resp.stages { stageTimes[s.name, default: []].append(s.microseconds) }
                }
            }
            func pct(_ a: [Double], _ p: Double) -> Double {
                let s = a.sorted()
                return s[min(s.count - 1, Int(Double(s.count) * p))]
            }
            let rssEnd = RecsysCommand.residentMemory()
            print(String(format: "%d requests, %d items, k=%d, candidates=%d, %@ (ef %d): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
                totals.count, model.info.itemCount, k, candidates, retrieval as NSString, ef, pct(totals, 0.5) / 1000,
                pct(totals, 0.9) / 1000, pct(totals, 0.99) / 1000, totals.max()! / 1000))
            for (name, ts) in stageTimes.sorted(by: { $0.key < $1.key }) {
                print(String(format: "  %-10@ median %8.1f µs  p99 %8.1f µs", name as NSString, pct(ts, 0.5), pct(ts, 0.99)))
            }
            print(String(format: "load %.2f s; resident memory: before load %.0f MB, after load %.0f MB, after requests %.0f MB (peak %.0f MB); index %.0f MB",
                loadSeconds, rss0.current, rssLoaded.current, rssEnd.current, rssEnd.peak, Double(model.indexBytes) / 1e6))
            print("{\"items\": \(model.info.itemCount), \"requests\": \(totals.count), \"p50_ms\": \(pct(totals, 0.5) / 1000), "
                + "\"p99_ms\": \(pct(totals, 0.99) / 1000), \"load_seconds\": \(loadSeconds), \"rss_mb\": \(rssEnd.current), "
                + "\"peak_rss_mb\": \(rssEnd.peak)}")
        }
    }

    struct AnnBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ann-bench",
            abstract: "Build an HNSW index over .fvecs vectors (inner product), run every query, report JSON.")

        @Option(help: "Base vectors (.fvecs).") var base: String
        @Option(help: "Query vectors (.fvecs).") var queries: String
        @Option(help: "Neighbours per query.") var k: Int = 10
        @Option(help: "HNSW links per node (M).") var m: Int = 16
        @Option(name: .customLong("ef-construction"), help: "HNSW beam width while building.") var efConstruction: Int = 200
        @Option(help: "HNSW beam width while searching (comma-separated list allowed).") var ef: String = "64"
        @Option(help: "Threads running the queries.") var threads: Int = 1
        @Option(name: .customLong("build-threads"), help: "Threads building the index (default: all cores).")
        var buildThreads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Where to write the ids found per query (.ivecs).") var out: String?
        @Option(help: "Ground truth (.ivecs) for recall.") var truth: String?
        @Flag(help: "Exact brute-force scan instead of HNSW.") var exact = false
        @Option(help: "Repeat the query pass and report the median throughput.") var repeats: Int = 1

        func run() async throws {
            let baseM = try Vecs.readFloat(URL(fileURLWithPath: base))
            let queryM = try Vecs.readFloat(URL(fileURLWithPath: queries))
            guard baseM.dimension == queryM.dimension else {
                throw ValidationError("base has dimension \(baseM.dimension), queries \(queryM.dimension)")
            }
            let truthM = try truth.map { try Vecs.readInt(URL(fileURLWithPath: $0)) }
            let dim = baseM.dimension
            let efs = ef.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            var buildSeconds = 0.0
            var index: HNSWIndex?
            if !exact {
                let t0 = DispatchTime.now().uptimeNanoseconds
                index = baseM.values.withUnsafeBufferPointer {
                    HNSWIndex.build(
                        vectors: $0, dimension: dim,
                        parameters: HNSWParameters(m: m, efConstruction: efConstruction, threads: buildThreads))
                }
                buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }
            let nq = queryM.rows
            let builtIndex = index
            for efValue in (exact ? [0] : efs) {
                var found = [Int32](repeating: -1, count: nq * k)
                var rates = [Double]()
                for _ in 0..<max(1, repeats) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let qBox = queryM
                    found.withUnsafeMutableBufferPointer { outBuf in
                        let outPtr = UnsafeSendablePointer(outBuf.baseAddress!)
                        let workers = max(1, min(threads, nq))
                        let work: @Sendable (Int) -> Void = { w in
                            let scratch = HNSWScratch(count: baseM.rows, maxEf: max(efValue, k))
                            qBox.values.withUnsafeBufferPointer { qb in
                                baseM.values.withUnsafeBufferPointer { bb in
                                    var q = w
                                    while q < nq {
                                        let qp = qb.baseAddress! + q * dim
                                        let res: [Scored]
                                        if let index = builtIndex {
                                            res = index.search(qp, k: k, ef: efValue, scratch: scratch)
                                        } else {
                                            res = exactSearch(query: qp, base: bb.baseAddress!, count: baseM.rows, dimension: dim, k: k)
                                        }
                                        for (j, r) in res.enumerated() { outPtr.pointer[q * k + j] = Int32(r.id) }
                                        q += workers
                                    }
                                }
                            }
                        }
                        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
                    }
                    let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    rates.append(Double(nq) / secs)
                }
                rates.sort()
                let qps = rates[rates.count / 2]
                var recall: Double?
                if let t = truthM {
                    var hits = 0
                    for q in 0..<min(nq, t.rows) {
                        let truthSet = Set(t.values[(q * t.dimension)..<(q * t.dimension + min(k, t.dimension))])
                        for j in 0..<k where truthSet.contains(found[q * k + j]) { hits += 1 }
                    }
                    recall = Double(hits) / Double(min(nq, t.rows) * k)
                }
                if let out {
                    try Vecs.write(VecsMatrix(values: found, dimension: k), to: URL(fileURLWithPath: out))
                }
                var fields: [String] = [
                    "\"method\": \"\(exact ? "exact" : "hnsw")\"", "\"n\": \(baseM.rows)", "\"dim\": \(dim)",
                    "\"queries\": \(nq)", "\"k\": \(k)", "\"build_seconds\": \(String(format: "%.3f", buildSeconds))",
                    "\"queries_per_second\": \(String(format: "%.1f", qps))", "\"query_threads\": \(threads)",
                ]
                if !exact {
                    fields += ["\"m\": \(m)", "\"ef_construction\": \(efConstruction)", "\"ef\": \(efValue)", "\"build_threads\": \(buildThreads)"]
                } else {
                    let gbps = Double(baseM.rows * dim * 4) * qps / 1e9
                    fields.append("\"scan_gb_per_second\": \(String(format: "%.2f", gbps))")
                }
                if let recall { fields.append("\"recall_at_k\": \(String(format: "%.4f", recall))") }
                print("{" + fields.joined(separator: ", ") + "}")
            }
        }
    }
}

extension RecsysCommand {
/// A raw pointer handed to worker threads that write disjoint slots.
struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}

/// Prints a progress bar on a terminal, log lines otherwise.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let tty = isatty(STDERR_FILENO) != 0
    private var phase = ""
    private var lastTenth = -1
    private var lastDraw: UInt64 = 0
    private let start = DispatchTime.now().uptimeNanoseconds

    func report(_ phase: String, _ fraction: Double) {
        lock.lock()
        defer { lock.unlock() }
        let f = max(0, min(1, fraction))
        if tty {
            let now = DispatchTime.now().uptimeNanoseconds
            if phase == self.phase && now - lastDraw < 100_000_000 && f < 1 { return }
            lastDraw = now
            let width = 30
            let filled = Int(f * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            if phase != self.phase && !self.phase.isEmpty { FileHandle.standardError.write("\n".data(using: .utf8)!) }
            let line = String(format: "\r%-12@ %@ %3d%%  %5.1f s", phase as NSString, bar as NSString, Int(f * 100),
                Double(now - start) / 1e9)
            FileHandle.standardError.write(line.data(using: .utf8)!)
            self.phase = phase
        } else {
            let tenth = Int(f * 10)
            if phase != self.phase || tenth != lastTenth {
                self.phase = phase
                lastTenth = tenth
                RecsysCommand.say(String(format: "%@ %3d%% (%.1f s)", phase as NSString, tenth * 10,
                    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            }
        }
    }

    func finish() {
        if tty { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }
}

static func say(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// Current and peak resident memory in MB (from /proc/self/status; 0 where unavailable).
static func residentMemory() -> (current: Double, peak: Double) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            if let kb = digits.first { return kb / 1024 }
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}
}
#endif
