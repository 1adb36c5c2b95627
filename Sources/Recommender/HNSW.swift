import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Build parameters of an HNSW index.
public struct HNSWParameters: Sendable, Codable, Equatable {
    /// Links per node on upper layers; layer 0 keeps up to `2 * m`.
    public var m: Int
    /// Beam width while inserting.
    public var efConstruction: Int
    /// Seed of the level assignment.
    public var seed: UInt64
    /// Threads used to build (default: all cores).
    public var threads: Int

    /// Creates parameters (defaults M = 16, efConstruction = 200).
    public init(m: Int = 16, efConstruction: Int = 200, seed: UInt64 = 100, threads: Int = recommenderDefaultThreads) {
        self.m = m
        self.efConstruction = efConstruction
        self.seed = seed
        self.threads = threads
    }
}

/// Hierarchical navigable small-world graph for maximum-inner-product search, written for this project.
///
/// Layout: one 64-byte-aligned block holds a header, all vectors contiguously (`count × dim` floats),
/// the level-0 link lists as one flat array of fixed-size 32-bit lists (`[n, id0, id1, …]`, `1 + 2M`
/// slots per node), each node's level, and the upper-layer lists. The same block is the file format,
/// so saving is one write and loading is one read.
///
/// Immutable after `build`, so any number of threads may search at once, each with its own
/// `HNSWScratch` (see `HNSWScratchPool`).
public final class HNSWIndex: @unchecked Sendable {
    /// Number of vectors.
    public let count: Int
    /// Dimension of each vector.
    public let dimension: Int
    /// Links per node on upper layers.
    public let m: Int
    /// Links per node on layer 0.
    public let m0: Int
    /// Beam width used while building.
    public let efConstruction: Int
    /// Highest layer in the graph.
    public private(set) var maxLevel: Int
    /// Node where every search starts.
    public private(set) var entryPoint: UInt32

    let block: UnsafeMutableRawPointer
    let blockSize: Int
    /// Contiguous vectors, `count × dimension`.
    public let vectors: UnsafeMutablePointer<Float>
    let links0: UnsafeMutablePointer<UInt32>
    let levels: UnsafeMutablePointer<UInt8>
    let upperOffset: UnsafeMutablePointer<Int32>
    let upperLinks: UnsafeMutablePointer<UInt32>
    let upperSlots: Int
    var stride0: Int { 1 + m0 }
    var strideUp: Int { 1 + m }

    static let magic: UInt64 = 0x3157_534E_4848_4352  // "RCHHNSW1"
    static let headerSize = 128

    private init(count: Int, dimension: Int, m: Int, efConstruction: Int, levelsIn: [UInt8]?, blockIn: UnsafeMutableRawPointer?, blockSizeIn: Int?) {
        self.count = count
        self.dimension = dimension
        self.m = m
        self.m0 = 2 * m
        self.efConstruction = efConstruction
        let align = { (x: Int) in (x + 63) & ~63 }
        let vecBytes = align(count * dimension * 4)
        let l0Bytes = align(count * (1 + 2 * m) * 4)
        let lvBytes = align(count)
        let offBytes = align(count * 4)
        var slots = 0
        if let lv = levelsIn {
            for l in lv { slots += Int(l) * (1 + m) }
        }
        if let b = blockIn {
            block = b
            blockSize = blockSizeIn!
            slots = Int(b.load(fromByteOffset: 72, as: Int64.self))
        } else {
            let size = HNSWIndex.headerSize + vecBytes + l0Bytes + lvBytes + offBytes + align(slots * 4)
            block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            block.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            blockSize = size
        }
        upperSlots = slots
        var o = HNSWIndex.headerSize
        vectors = (block + o).assumingMemoryBound(to: Float.self)
        o += vecBytes
        links0 = (block + o).assumingMemoryBound(to: UInt32.self)
        o += l0Bytes
        levels = (block + o).assumingMemoryBound(to: UInt8.self)
        o += lvBytes
        upperOffset = (block + o).assumingMemoryBound(to: Int32.self)
        o += offBytes
        upperLinks = (block + o).assumingMemoryBound(to: UInt32.self)
        maxLevel = 0
        entryPoint = 0
        if let lv = levelsIn {
            var next: Int32 = 0
            for i in 0..<count {
                levels[i] = lv[i]
                upperOffset[i] = lv[i] > 0 ? next : -1
                next += Int32(Int(lv[i]) * (1 + m))
            }
        }
    }

    deinit { block.deallocate() }

    /// Bytes held by the index (vectors, links and levels).
    public var memoryBytes: Int { blockSize }

    @inline(__always) func vector(_ i: Int) -> UnsafeMutablePointer<Float> { vectors + i * dimension }

    @inline(__always) func linkList(_ i: Int, level: Int) -> UnsafeMutablePointer<UInt32> {
        if level == 0 { return links0 + i * stride0 }
        return upperLinks + (Int(upperOffset[i]) + (level - 1) * strideUp)
    }

    // MARK: Build

    /// Builds an index over `count` vectors of `dimension` floats (inner-product similarity),
    /// inserting on `parameters.threads` threads. `progress` receives fractions in [0, 1].
    public static func build(
        vectors source: UnsafeBufferPointer<Float>, dimension: Int, parameters: HNSWParameters = HNSWParameters(),
        progress: (@Sendable (Double) -> Void)? = nil
    ) -> HNSWIndex {
        precondition(dimension > 0 && source.count % dimension == 0)
        let count = source.count / dimension
        let m = max(2, parameters.m)
        var rng = Xoshiro256(seed: parameters.seed)
        let mult = 1 / log(Double(m))
        var lv = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let u = max(1e-12, 1 - rng.uniform())
            lv[i] = UInt8(min(16, Int(-log(u) * mult)))
        }
        let index = HNSWIndex(
            count: count, dimension: dimension, m: m, efConstruction: max(parameters.efConstruction, m), levelsIn: lv,
            blockIn: nil, blockSizeIn: nil)
        if count > 0 {
            index.vectors.update(from: source.baseAddress!, count: count * dimension)
        }
        index.writeHeader()
        guard count > 0 else { return index }
        index.entryPoint = 0
        index.maxLevel = Int(lv[0])
        let builder = HNSWBuilder(index: index)
        let threads = max(1, min(parameters.threads, count))
        let chunk = 64
        let box = UncheckedSendable(builder)
        runThreads(threads) { t in
            let scratch = HNSWScratch(count: count, maxEf: index.efConstruction, m0: index.m0)
            var done = 0
            while true {
                let start = box.value.nextChunk(chunk)
                if start >= count { break }
                for q in start..<min(count, start + chunk) where q > 0 {
                    box.value.insert(q, scratch: scratch)
                }
                done += chunk
                if t == 0, let p = progress, done % (chunk * 16) == 0 {
                    p(min(1, Double(start) / Double(count)))
                }
            }
        }
        builder.destroy()
        index.writeHeader()
        progress?(1)
        return index
    }

    func writeHeader() {
        block.storeBytes(of: HNSWIndex.magic, toByteOffset: 0, as: UInt64.self)
        block.storeBytes(of: Int64(count), toByteOffset: 8, as: Int64.self)
        block.storeBytes(of: Int64(dimension), toByteOffset: 16, as: Int64.self)
        block.storeBytes(of: Int64(m), toByteOffset: 24, as: Int64.self)
        block.storeBytes(of: Int64(efConstruction), toByteOffset: 32, as: Int64.self)
        block.storeBytes(of: Int64(maxLevel), toByteOffset: 40, as: Int64.self)
        block.storeBytes(of: Int64(entryPoint), toByteOffset: 48, as: Int64.self)
        block.storeBytes(of: Int64(blockSize), toByteOffset: 56, as: Int64.self)
        block.storeBytes(of: Int64(1), toByteOffset: 64, as: Int64.self)
        block.storeBytes(of: Int64(upperSlots), toByteOffset: 72, as: Int64.self)
    }

    fileprivate func setEntry(_ e: UInt32, level: Int) {
        entryPoint = e
        maxLevel = level
    }

    // MARK: Save / load

    /// Writes the index to one file (a single write of its memory block).
    public func save(to url: URL) throws {
        writeHeader()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RecommenderError.badFile(path: url.path, reason: "cannot create (errno \(errno))") }
        var written = 0
        while written < blockSize {
            let r = write(fd, block + written, blockSize - written)
            if r <= 0 {
                close(fd)
                throw RecommenderError.badFile(path: url.path, reason: "write failed (errno \(errno))")
            }
            written += r
        }
        close(fd)
        guard rename(tmp, url.path) == 0 else { throw RecommenderError.badFile(path: url.path, reason: "rename failed") }
    }

    /// Reads an index written by `save(to:)` with one read into one aligned block (no parsing, no copies).
    public static func load(from url: URL) throws -> HNSWIndex {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw RecommenderError.badFile(path: path, reason: "cannot open") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RecommenderError.badFile(path: path, reason: "cannot stat") }
        let size = Int(st.st_size)
        guard size >= headerSize else { throw RecommenderError.badFile(path: path, reason: "truncated") }
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        var got = 0
        while got < size {
            let r = read(fd, block + got, size - got)
            if r <= 0 { break }
            got += r
        }
        func fail(_ why: String) -> RecommenderError {
            block.deallocate()
            return RecommenderError.badFile(path: path, reason: why)
        }
        guard got == size else { throw fail("short read") }
        guard block.load(fromByteOffset: 0, as: UInt64.self) == magic else { throw fail("not an HNSW index file") }
        let h = { (o: Int) in Int(block.load(fromByteOffset: o, as: Int64.self)) }
        guard h(56) == size, h(8) >= 0, h(16) > 0, h(24) >= 2 else { throw fail("corrupt header") }
        let index = HNSWIndex(
            count: h(8), dimension: h(16), m: h(24), efConstruction: h(32), levelsIn: nil, blockIn: block,
            blockSizeIn: size)
        index.maxLevel = h(40)
        index.entryPoint = UInt32(h(48))
        return index
    }

    // MARK: Search

    /// Finds the approximate top-`k` by inner product; `ef` is raised to at least `k`.
    /// Results are best first. Allocation-free apart from the returned array.
    public func search(_ query: UnsafePointer<Float>, k: Int, ef: Int, scratch: HNSWScratch) -> [Scored] {
        let n = searchInto(query, k: k, ef: ef, scratch: scratch)
        return Array(UnsafeBufferPointer(start: scratch.sorted, count: n))
    }

    /// Like `search`, leaving the `k` best (best first) in `scratch.sorted`; returns how many.
    public func searchInto(_ query: UnsafePointer<Float>, k: Int, ef: Int, scratch: HNSWScratch) -> Int {
        guard count > 0, k > 0 else { return 0 }
        let efs = max(ef, k)
        scratch.ensure(count: count, ef: efs, m0: m0)
        var ep = Int(entryPoint)
        var epSim = dotAny(query, vector(ep), dimension)
        var level = maxLevel
        while level > 0 {
            var changed = true
            while changed {
                changed = false
                let list = linkList(ep, level: level)
                let c = Int(list[0])
                for j in 0..<c {
                    let nb = Int(list[1 + j])
                    let s = dotAny(query, vector(nb), dimension)
                    if s > epSim {
                        epSim = s
                        ep = nb
                        changed = true
                    }
                }
            }
            level -= 1
        }
        let found = searchLevel0(query, entry: ep, entrySim: epSim, ef: efs, scratch: scratch)
        return scratch.drainSorted(found, keep: k)
    }

    /// Beam search on layer 0 without locks (the index is immutable). Leaves the result min-heap in
    /// `scratch.results` and returns its size.
    @inline(__always)
    func searchLevel0(_ query: UnsafePointer<Float>, entry: Int, entrySim: Float, ef: Int, scratch: HNSWScratch) -> Int {
        let tag = scratch.nextTag()
        let visited = scratch.visited
        var cand = scratch.candidates
        var candCap = scratch.candidateCapacity
        let res = scratch.results
        let nbuf = scratch.neighbours
        var nc = 0
        var nr = 0
        visited[entry] = tag
        maxHeapPush(cand, &nc, Scored(score: entrySim, id: UInt32(entry)))
        minHeapPush(res, &nr, Scored(score: entrySim, id: UInt32(entry)))
        let dim = dimension
        let base = vectors
        let links = links0
        let stride = stride0
        var sink: UInt32 = 0
        let touchOffset = min(128, max(0, (dim - 1) * 4))
        defer { scratch.sink = sink }
        while nc > 0 {
            let top = cand[0]
            if top.score < res[0].score && nr >= ef { break }
            maxHeapPop(cand, &nc)
            let list = links + Int(top.id) * stride
            let c = Int(list[0])
            // Pass 1: filter visited neighbours; pass 2: score them (independent loads overlap).
            var k = 0
            var j = 1
            while j <= c {
                let nb = list[j]
                if visited[Int(nb)] != tag {
                    visited[Int(nb)] = tag
                    nbuf[k] = nb
                    k += 1
                    // Swift has no prefetch intrinsic: touch the vector's cache lines with real loads whose
                    // results feed a sink, so the misses of all unvisited neighbours overlap before scoring.
                    let p = UnsafeRawPointer(base + Int(nb) * dim)
                    sink &+= p.load(as: UInt32.self) &+ p.load(fromByteOffset: touchOffset, as: UInt32.self)
                }
                j += 1
            }
            j = 0
            while j < k {
                let nb = nbuf[j]
                let s = dotAny(query, base + Int(nb) * dim, dim)
                if nr < ef || s > res[0].score {
                    if nc == candCap {
                        cand = scratch.growCandidates(nc)
                        candCap = scratch.candidateCapacity
                    }
                    maxHeapPush(cand, &nc, Scored(score: s, id: nb))
                    if nr < ef {
                        minHeapPush(res, &nr, Scored(score: s, id: nb))
                    } else {
                        minHeapReplaceTop(res, nr, Scored(score: s, id: nb))
                    }
                }
                j += 1
            }
        }
        return nr
    }

    /// Exact top-`k` by a full SIMD scan of the stored vectors (ground truth and `.exact` retrieval).
    public func exactSearch(_ query: UnsafePointer<Float>, k: Int) -> [Scored] {
        exactTopK(query: query, base: vectors, count: count, dim: dimension, k: k)
    }

    /// Average number of level-0 links per node (graph diagnostics).
    public var averageDegree: Double {
        guard count > 0 else { return 0 }
        var s = 0
        for i in 0..<count { s += Int(links0[i * stride0]) }
        return Double(s) / Double(count)
    }
}

/// Per-thread search state: a visited-tag array (no Set), heaps and buffers, reused across queries.
public final class HNSWScratch {
    var visited: UnsafeMutablePointer<UInt16>
    var visitedCount: Int
    var sink: UInt32 = 0
    var tag: UInt16 = 0
    var candidates: UnsafeMutablePointer<Scored>
    var candidateCapacity: Int
    var results: UnsafeMutablePointer<Scored>
    var sorted: UnsafeMutablePointer<Scored>
    var resultCapacity: Int
    var neighbours: UnsafeMutablePointer<UInt32>
    var neighbourCapacity: Int
    var selectBuffer: UnsafeMutablePointer<Scored>
    var poolBuffer: UnsafeMutablePointer<Scored>
    var shrinkBuffer: UnsafeMutablePointer<Scored>

    /// Creates scratch space for an index of `count` nodes.
    public init(count: Int, maxEf: Int = 64, m0: Int = 32) {
        visitedCount = max(count, 1)
        visited = .allocate(capacity: visitedCount)
        visited.initialize(repeating: 0, count: visitedCount)
        candidateCapacity = max(1024, maxEf * 4)
        candidates = .allocate(capacity: candidateCapacity)
        resultCapacity = max(maxEf + 1, 16)
        results = .allocate(capacity: resultCapacity)
        sorted = .allocate(capacity: resultCapacity)
        neighbourCapacity = max(m0 + 1, 64)
        neighbours = .allocate(capacity: neighbourCapacity)
        selectBuffer = .allocate(capacity: neighbourCapacity + 2)
        poolBuffer = .allocate(capacity: neighbourCapacity + 2)
        shrinkBuffer = .allocate(capacity: neighbourCapacity + 2)
    }

    deinit {
        selectBuffer.deallocate()
        poolBuffer.deallocate()
        shrinkBuffer.deallocate()
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
        sorted.deallocate()
        neighbours.deallocate()
    }

    func ensure(count: Int, ef: Int, m0: Int) {
        if count > visitedCount {
            visited.deallocate()
            visitedCount = count
            visited = .allocate(capacity: count)
            visited.initialize(repeating: 0, count: count)
            tag = 0
        }
        if ef + 1 > resultCapacity {
            results.deallocate()
            sorted.deallocate()
            resultCapacity = ef + 1
            results = .allocate(capacity: resultCapacity)
            sorted = .allocate(capacity: resultCapacity)
        }
        if m0 + 1 > neighbourCapacity {
            neighbours.deallocate()
            neighbourCapacity = m0 + 1
            neighbours = .allocate(capacity: neighbourCapacity)
        }
    }

    @inline(__always) func nextTag() -> UInt16 {
        if tag == UInt16.max {
            visited.update(repeating: 0, count: visitedCount)
            tag = 0
        }
        tag &+= 1
        return tag
    }

    func growCandidates(_ used: Int) -> UnsafeMutablePointer<Scored> {
        let cap = candidateCapacity * 2
        let p = UnsafeMutablePointer<Scored>.allocate(capacity: cap)
        p.update(from: candidates, count: used)
        candidates.deallocate()
        candidates = p
        candidateCapacity = cap
        return p
    }

    /// Pops the result min-heap (size `n`) into `sorted`, best first, keeping the best `keep`.
    func drainSorted(_ nIn: Int, keep: Int) -> Int {
        var n = nIn
        while n > keep { minHeapPop(results, &n) }
        let total = n
        while n > 0 {
            sorted[n - 1] = results[0]
            minHeapPop(results, &n)
        }
        return total
    }
}

/// A small pool of `HNSWScratch` so concurrent requests never share mutable search state.
public final class HNSWScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [HNSWScratch] = []
    private let count: Int

    /// Creates a pool for an index of `count` nodes.
    public init(count: Int) { self.count = count }

    /// Runs `body` with exclusive scratch space, returned to the pool afterwards.
    public func withScratch<R>(_ body: (HNSWScratch) throws -> R) rethrows -> R {
        lock.lock()
        let s = free.popLast() ?? HNSWScratch(count: count)
        lock.unlock()
        defer {
            lock.lock()
            if free.count < 64 { free.append(s) }
            lock.unlock()
        }
        return try body(s)
    }
}

/// Insertion machinery: striped locks guard link lists while several threads insert.
private final class HNSWBuilder {
    let index: HNSWIndex
    let stripes = 4096
    let locks: UnsafeMutablePointer<pthread_mutex_t>
    var global = pthread_mutex_t()
    var counterLock = pthread_mutex_t()
    var counter = 1

    init(index: HNSWIndex) {
        self.index = index
        locks = .allocate(capacity: stripes)
        for i in 0..<stripes { pthread_mutex_init(locks + i, nil) }
        pthread_mutex_init(&global, nil)
        pthread_mutex_init(&counterLock, nil)
    }

    func destroy() {
        for i in 0..<stripes { pthread_mutex_destroy(locks + i) }
        locks.deallocate()
    }

    func nextChunk(_ size: Int) -> Int {
        pthread_mutex_lock(&counterLock)
        let s = counter
        counter += size
        pthread_mutex_unlock(&counterLock)
        return s
    }

    @inline(__always) func lockNode(_ i: Int) { pthread_mutex_lock(locks + (i & (stripes - 1))) }
    @inline(__always) func unlockNode(_ i: Int) { pthread_mutex_unlock(locks + (i & (stripes - 1))) }

    /// Copies node `i`'s list at `level` into `out` under its lock; returns the count.
    @inline(__always) func copyLinks(_ i: Int, level: Int, into out: UnsafeMutablePointer<UInt32>) -> Int {
        lockNode(i)
        let list = index.linkList(i, level: level)
        let c = Int(list[0])
        out.update(from: list + 1, count: c)
        unlockNode(i)
        return c
    }

    func insert(_ q: Int, scratch: HNSWScratch) {
        let idx = index
        let dim = idx.dimension
        let qv = UnsafePointer(idx.vector(q))
        let level = Int(idx.levels[q])
        pthread_mutex_lock(&global)
        let curMax = idx.maxLevel
        var ep = Int(idx.entryPoint)
        let holdGlobal = level > curMax
        if !holdGlobal { pthread_mutex_unlock(&global) }

        var epSim = dotAny(qv, idx.vector(ep), dim)
        let buf = scratch.neighbours
        if level < curMax {
            for lc in stride(from: curMax, to: level, by: -1) {
                var changed = true
                while changed {
                    changed = false
                    let c = copyLinks(ep, level: lc, into: buf)
                    for j in 0..<c {
                        let nb = Int(buf[j])
                        let s = dotAny(qv, idx.vector(nb), dim)
                        if s > epSim {
                            epSim = s
                            ep = nb
                            changed = true
                        }
                    }
                }
            }
        }
        let selected = scratch.selectBuffer
        let pool = scratch.poolBuffer
        let shrunk = scratch.shrinkBuffer
        for lc in stride(from: min(level, curMax), through: 0, by: -1) {
            let nr = searchLayerLocked(qv, entry: ep, entrySim: epSim, ef: idx.efConstruction, level: lc, scratch: scratch)
            let total = scratch.drainSorted(nr, keep: nr)
            let cands = scratch.sorted
            ep = Int(cands[0].id)
            epSim = cands[0].score
            let ns = selectHeuristic(cands, total, m: idx.m, out: selected)
            // Own links.
            lockNode(q)
            let own = idx.linkList(q, level: lc)
            own[0] = UInt32(ns)
            for j in 0..<ns { own[1 + j] = selected[j].id }
            unlockNode(q)
            // Reverse links, shrinking with the same heuristic when full.
            let cap = lc == 0 ? idx.m0 : idx.m
            for j in 0..<ns {
                let nb = Int(selected[j].id)
                lockNode(nb)
                let list = idx.linkList(nb, level: lc)
                let c = Int(list[0])
                var present = false
                for t in 0..<c where list[1 + t] == UInt32(q) { present = true }
                if !present {
                    if c < cap {
                        list[1 + c] = UInt32(q)
                        list[0] = UInt32(c + 1)
                    } else {
                        let nv = UnsafePointer(idx.vector(nb))
                        pool[0] = Scored(score: selected[j].score, id: UInt32(q))
                        for t in 0..<c {
                            let id = list[1 + t]
                            pool[1 + t] = Scored(score: dotAny(nv, idx.vector(Int(id)), dim), id: id)
                        }
                        sortDescending(pool, c + 1)
                        let kept = selectHeuristic(pool, c + 1, m: cap, out: shrunk)
                        list[0] = UInt32(kept)
                        for t in 0..<kept { list[1 + t] = shrunk[t].id }
                    }
                }
                unlockNode(nb)
            }
        }
        if holdGlobal {
            idx.setEntry(UInt32(q), level: level)
            pthread_mutex_unlock(&global)
        }
    }

    /// hnswlib-style heuristic: keep a candidate only if it is closer to the query than to every
    /// neighbour already kept (spreads links in different directions).
    func selectHeuristic(_ cands: UnsafePointer<Scored>, _ count: Int, m: Int, out: UnsafeMutablePointer<Scored>) -> Int {
        if count <= m {
            for i in 0..<count { out[i] = cands[i] }
            return count
        }
        let idx = index
        let dim = idx.dimension
        var sel = 0
        for i in 0..<count {
            if sel >= m { break }
            let e = cands[i]
            let ev = UnsafePointer(idx.vector(Int(e.id)))
            var good = true
            for j in 0..<sel where dotAny(ev, idx.vector(Int(out[j].id)), dim) > e.score {
                good = false
                break
            }
            if good {
                out[sel] = e
                sel += 1
            }
        }
        return sel
    }

    func sortDescending(_ a: UnsafeMutablePointer<Scored>, _ n: Int) {
        if n < 2 { return }
        for i in 1..<n {
            let x = a[i]
            var j = i - 1
            while j >= 0 && a[j].score < x.score {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = x
        }
    }

    /// Beam search on any layer while other threads insert: each list is copied under its lock.
    func searchLayerLocked(_ query: UnsafePointer<Float>, entry: Int, entrySim: Float, ef: Int, level: Int, scratch: HNSWScratch) -> Int {
        let idx = index
        scratch.ensure(count: idx.count, ef: ef, m0: idx.m0)
        let tag = scratch.nextTag()
        let visited = scratch.visited
        let res = scratch.results
        let nbuf = scratch.neighbours
        var cand = scratch.candidates
        var candCap = scratch.candidateCapacity
        var nc = 0
        var nr = 0
        var sink: UInt32 = 0
        let touchOffset = min(128, max(0, (idx.dimension - 1) * 4))
        defer { scratch.sink = sink }
        visited[entry] = tag
        maxHeapPush(cand, &nc, Scored(score: entrySim, id: UInt32(entry)))
        minHeapPush(res, &nr, Scored(score: entrySim, id: UInt32(entry)))
        while nc > 0 {
            let top = cand[0]
            if top.score < res[0].score && nr >= ef { break }
            maxHeapPop(cand, &nc)
            let c = copyLinks(Int(top.id), level: level, into: nbuf)
            var k = 0
            for j in 0..<c {
                let nb = nbuf[j]
                if visited[Int(nb)] != tag {
                    visited[Int(nb)] = tag
                    nbuf[k] = nb
                    k += 1
                    let p = UnsafeRawPointer(idx.vector(Int(nb)))
                    sink &+= p.load(as: UInt32.self) &+ p.load(fromByteOffset: touchOffset, as: UInt32.self)
                }
            }
            for j in 0..<k {
                let nb = nbuf[j]
                let s = dotAny(query, idx.vector(Int(nb)), idx.dimension)
                if nr < ef || s > res[0].score {
                    if nc == candCap {
                        cand = scratch.growCandidates(nc)
                        candCap = scratch.candidateCapacity
                    }
                    maxHeapPush(cand, &nc, Scored(score: s, id: nb))
                    if nr < ef { minHeapPush(res, &nr, Scored(score: s, id: nb)) } else { minHeapReplaceTop(res, nr, Scored(score: s, id: nb)) }
                }
            }
        }
        return nr
    }
}
