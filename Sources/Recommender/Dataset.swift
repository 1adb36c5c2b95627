import Foundation

/// Every user's clicks in time order (CSR), the input of user towers and of most features.
struct ClickHistory: Sendable {
    var offsets: [Int]
    var items: [Int32]
    var times: [Int64]
    var watchFraction: [Float]

    init(offsets: [Int], items: [Int32], times: [Int64], watchFraction: [Float]) {
        self.offsets = offsets
        self.items = items
        self.times = times
        self.watchFraction = watchFraction
    }

    /// Clicks of `world` strictly before `before` (all clicks when nil).
    init(world: World, before: Int64? = nil) {
        var offsets = [0]
        offsets.reserveCapacity(world.userCount + 1)
        var items = [Int32]()
        var times = [Int64]()
        var wf = [Float]()
        let ev = world.events
        let limit = before ?? .max
        for u in 0..<world.userCount {
            for e in world.userOffsets[u]..<world.userOffsets[u + 1] where ev.clicked[e] != 0 && ev.time[e] < limit {
                items.append(ev.item[e])
                times.append(ev.time[e])
                let d = world.itemDuration[Int(ev.item[e])]
                wf.append(d > 0 ? min(1, ev.watchSeconds[e] / d) : 1)
            }
            offsets.append(items.count)
        }
        self.init(offsets: offsets, items: items, times: times, watchFraction: wf)
    }

    var userCount: Int { offsets.count - 1 }

    func range(_ u: Int) -> Range<Int> { offsets[u]..<offsets[u + 1] }

    /// End (exclusive) of user `u`'s clicks strictly before time `t`.
    func end(_ u: Int, before t: Int64) -> Int {
        var lo = offsets[u]
        var hi = offsets[u + 1]
        while lo < hi {
            let mid = (lo + hi) >> 1
            if times[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Time boundaries: two-tower training before `rankStart`, ranker training in
/// `[rankStart, testStart)`, held-out evaluation from `testStart` on.
public struct TimeSplit: Sendable, Codable, Equatable {
    /// Start of the ranker's training window (end of the two-tower window), seconds since 1970.
    public var rankStart: Int64
    /// Start of the held-out test window, seconds since 1970.
    public var testStart: Int64

    /// Splits at the 80% and 90% quantiles of event time.
    static func quantiles(_ world: World) -> TimeSplit {
        let times = world.events.time
        if times.isEmpty { return TimeSplit(rankStart: world.referenceTime, testStart: world.referenceTime) }
        // A sample keeps this cheap for large logs.
        let stepSize = max(1, times.count / 200_000)
        var sample = [Int64]()
        var i = 0
        while i < times.count {
            sample.append(times[i])
            i += stepSize
        }
        sample.sort()
        return TimeSplit(rankStart: sample[sample.count * 8 / 10], testStart: sample[sample.count * 9 / 10])
    }
}

/// Per-item statistics as of a point in time (the popularity baselines and ranker features).
struct ItemStats: Sendable {
    var clicks: [Float]
    var recentClicks: [Float]
    var impressions: [Float]
    /// Expected clicks under the position bias: sum over impressions of the examination probability.
    var examined: [Float]
    var watchSum: [Float]
    var creatorClicks: [Float]
    var topicClicks: [Float]
    var totalClicks: Float
    var asOf: Int64
    /// Recent clicks at the 99th percentile of items: above it an item is "trending".
    var trendingThreshold: Float

    init(
        clicks: [Float], recentClicks: [Float], impressions: [Float], examined: [Float], watchSum: [Float],
        creatorClicks: [Float], topicClicks: [Float], totalClicks: Float, asOf: Int64, trendingThreshold: Float
    ) {
        self.clicks = clicks
        self.recentClicks = recentClicks
        self.impressions = impressions
        self.examined = examined
        self.watchSum = watchSum
        self.creatorClicks = creatorClicks
        self.topicClicks = topicClicks
        self.totalClicks = totalClicks
        self.asOf = asOf
        self.trendingThreshold = trendingThreshold
    }

    /// Counts events strictly before `asOf`; "recent" is the last `recentDays` days before it.
    init(world: World, asOf: Int64, recentDays: Double = 7) {
        let n = world.itemCount
        var clicks = [Float](repeating: 0, count: n)
        var recent = [Float](repeating: 0, count: n)
        var imps = [Float](repeating: 0, count: n)
        var exam = [Float](repeating: 0, count: n)
        var watch = [Float](repeating: 0, count: n)
        let recentStart = asOf - Int64(recentDays * 86_400)
        let ev = world.events
        for e in 0..<ev.count where ev.time[e] < asOf {
            let i = Int(ev.item[e])
            imps[i] += 1
            let p = ev.position[e]
            exam[i] += p == 255 ? 1 : ItemStats.examination(Int(p))
            if ev.clicked[e] != 0 {
                clicks[i] += 1
                if ev.time[e] >= recentStart { recent[i] += 1 }
                let d = world.itemDuration[i]
                watch[i] += d > 0 ? min(1, ev.watchSeconds[e] / d) : 1
            }
        }
        var cc = [Float](repeating: 0, count: world.creatorNames.count)
        var tc = [Float](repeating: 0, count: world.topicCount)
        for i in 0..<n {
            cc[Int(world.itemCreator[i])] += clicks[i]
            tc[Int(world.itemTopic[i])] += clicks[i]
        }
        self.clicks = clicks
        recentClicks = recent
        impressions = imps
        examined = exam
        watchSum = watch
        creatorClicks = cc
        topicClicks = tc
        totalClicks = clicks.reduce(0, +)
        self.asOf = asOf
        let sortedRecent = recent.sorted()
        trendingThreshold = max(3, sortedRecent.isEmpty ? 3 : sortedRecent[min(sortedRecent.count - 1, sortedRecent.count * 99 / 100)])
    }

    /// Position-bias prior used to debias click rates (an examination model, 1/(1+p)^0.75).
    static func examination(_ p: Int) -> Float { Float(1.0 / pow(1.0 + Double(p), 0.75)) }

    /// Click rate corrected for the positions items were shown at, smoothed toward the global rate.
    func debiasedCTR(_ i: Int, prior: Float) -> Float {
        (clicks[i] + 20 * prior) / (examined[i] + 20)
    }
}
