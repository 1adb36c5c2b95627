import Foundation

/// Scores from verdicts: covered earns a point, partly `partlyCredit` (or `listCredit` when only a bare list earned
/// it; both calibrated), missed nothing.
public enum Scoring {
    public static func credit(_ g: PointGrade, _ t: GradingThresholds) -> Double {
        switch g.verdict {
        case .covered: 1
        case .partly: g.bareList ? t.listCredit : t.partlyCredit
        case .missed: 0
        }
    }

    /// 0–100: the credit earned over every point of the rubric.
    public static func overall(_ grades: [PointGrade], _ t: GradingThresholds) -> Int {
        guard !grades.isEmpty else { return 0 }
        let total = grades.reduce(0.0) { $0 + Self.credit($1, t) }
        return Int((total * 100 / Double(grades.count)).rounded())
    }

    /// Spearman's rank correlation, ties given their average rank.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var r = [Double](repeating: 0, count: v.count)
            var i = 0
            while i < order.count {
                var j = i
                while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
                for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
                i = j + 1
            }
            return r
        }
        let rx = ranks(x)
        let ry = ranks(y)
        let mx = rx.reduce(0, +) / Double(rx.count)
        let my = ry.reduce(0, +) / Double(ry.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in rx.indices {
            sxy += (rx[i] - mx) * (ry[i] - my)
            sxx += (rx[i] - mx) * (rx[i] - mx)
            syy += (ry[i] - my) * (ry[i] - my)
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / (sxx * syy).squareRoot()
    }
}
