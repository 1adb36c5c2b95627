import Foundation
import Grader
import KnowledgeBase

/// Matches a case study's rubric terms in a learner's answer.
///
/// Written by hand because the rule is ours: whole words, case-insensitive, a hyphen the same as a space (and as
/// nothing: "re-ranking" matches "reranking"), a plural the same as its singular, and a digit/letter boundary the
/// same as a space ("200ms" mentions "ms"). Words come from the grader's splitter (`EvidenceTerms.words`); this
/// keyword matcher goes when the review page grades with `Grader` (issue 17).
enum TermMatcher {
    /// Lower-cased word tokens, split at every non-alphanumeric character and at letter/digit boundaries,
    /// each reduced to a crude singular.
    static func tokens(_ text: String) -> [String] { EvidenceTerms.words(text).map { singular($0.word) } }

    /// "queries" → "query", "boxes" → "box", "towers" → "tower"; short words and "-ss" words are left alone.
    static func singular(_ w: String) -> String {
        guard w.count > 2, w.last == "s", !w.hasSuffix("ss"), !(w.last?.isNumber ?? false) else { return w }
        if w.hasSuffix("ies") { return String(w.dropLast(3)) + "y" }
        for suffix in ["sses", "xes", "ches", "shes", "zes"] where w.hasSuffix(suffix) { return String(w.dropLast(2)) }
        return String(w.dropLast())
    }

    /// An answer prepared once for matching many terms.
    struct Answer {
        let tokens: [String]
        /// Each token's positions, so a term is looked up only where its first word occurs.
        let positions: [String: [Int]]

        init(_ text: String) {
            tokens = TermMatcher.tokens(text)
            var positions: [String: [Int]] = [:]
            for (i, t) in tokens.enumerated() { positions[t, default: []].append(i) }
            self.positions = positions
        }

        /// Whether `term` occurs as whole words.
        func contains(_ term: String) -> Bool {
            let words = TermMatcher.tokens(term)
            guard let first = words.first else { return false }
            for start in positions[first] ?? [] where start + words.count <= tokens.count {
                if Array(tokens[start..<(start + words.count)]) == words { return true }
            }
            // The hyphen dropped altogether: "two-tower" as "twotower", "re-ranking" as "reranking".
            if words.count > 1, positions[TermMatcher.singular(words.joined())] != nil { return true }
            return false
        }
    }
}

/// Which rubric points an attempt covers.
struct CoverageReport {
    struct Point {
        let step: FrameworkStep
        let text: String
        let covered: Bool
        /// The first term that matched.
        let matchedTerm: String?
    }

    let points: [Point]
    var covered: Int { points.filter(\.covered).count }
    var total: Int { points.count }

    func points(for step: FrameworkStep) -> [Point] { points.filter { $0.step == step } }

    /// A point counts wherever in the answer it appears (interviewers listen for it in any step).
    init(rubric: [RubricPoint], answers: [String]) {
        let answer = TermMatcher.Answer(answers.joined(separator: "\n\n"))
        points = rubric.map { p in
            let hit = p.terms.first { answer.contains($0) }
            return Point(step: p.step, text: p.point, covered: hit != nil, matchedTerm: hit)
        }
    }

    /// "7/12 (58%)".
    static func percent(_ covered: Int, _ total: Int) -> Int {
        total == 0 ? 0 : Int((Double(covered) * 100 / Double(total)).rounded())
    }
}
