import Foundation

/// How a rubric's evidence terms are found in a sentence: whole words, case-insensitive, stemmed (so "testing",
/// "tested" and "tests" are "test"; "ranking" and "ranked" are "rank"), a hyphen the same as a space or as nothing
/// ("re-ranking" = "re ranking" = "reranking"), letters and digits split apart ("200ms" is "200 ms").
///
/// Written by hand because the rules are ours and small; both the term and the sentence go through the same
/// functions, so they are symmetric and never match inside a word.
public enum EvidenceTerms {
    /// Lower-cased, stemmed word tokens.
    public static func tokens(_ text: String) -> [String] { tokensAndClauses(text).tokens }

    /// Tokens with the clause each sits in: a comma, semicolon, colon, dash or "but" starts a new clause, so a
    /// negation reaches only the words of its own clause.
    static func tokensAndClauses(_ text: String) -> (tokens: [String], clauses: [Int]) {
        var tokens: [String] = []
        var clauses: [Int] = []
        var clause = 0
        for (word, wordClause) in words(text) {
            let t = stem(word)
            if t == "but" { clause += 1 }
            tokens.append(t)
            clauses.append(wordClause + clause)
        }
        return (tokens, clauses)
    }

    /// Lower-cased words, split at every character that is not a letter or digit and where letters meet digits
    /// ("200ms" → "200", "ms"); apostrophes are dropped ("don't" → "dont"). Each word comes with its clause number,
    /// counted by punctuation (`,;:—–()`). The one word splitter for every matcher over learner text.
    public static func words(_ text: String) -> [(word: String, clause: Int)] {
        var out: [(String, Int)] = []
        var current = ""
        var currentIsDigit = false
        var clause = 0
        func flush() {
            if !current.isEmpty { out.append((current, clause)) }
            current = ""
        }
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                let digit = ch.isNumber
                if !current.isEmpty && digit != currentIsDigit { flush() }
                currentIsDigit = digit
                current.append(ch)
            } else if ch == "'" || ch == "’" {
                continue
            } else {
                flush()
                if ",;:—–()".contains(ch) { clause += 1 }
            }
        }
        flush()
        return out
    }

    /// A light suffix-stripping stemmer: plural and verb endings, then a final "e" and a doubled final consonant, so
    /// sample/samples/sampled/sampling and embed/embedding/embedded all meet.
    public static func stem(_ word: String) -> String {
        var w = Array(word)
        guard w.count > 3, w.allSatisfy({ $0.isLetter }) else { return word }
        func ends(_ s: String) -> Bool { w.count > s.count + 2 && String(w.suffix(s.count)) == s }
        // Plurals first, then verb endings: "embeddings" → "embedding" → "embedd".
        if ends("ies") {
            w.removeLast(3)
            w.append("y")
        } else if ends("sses") {
            w.removeLast(2)
        } else if ends("es") && (w[w.count - 3] == "x" || w[w.count - 3] == "s" || String(w.suffix(4)).hasPrefix("ch")
            || String(w.suffix(4)).hasPrefix("sh"))
        {
            w.removeLast(2)
        } else if w.last == "s" && w[w.count - 2] != "s" && w[w.count - 2] != "u" && w[w.count - 2] != "i" {
            w.removeLast()
        }
        if ends("ing") {
            w.removeLast(3)
        } else if w.count > 5 && ends("ed") && !ends("eed") {
            w.removeLast(2)
        }
        if w.count > 3 && w.last == "e" { w.removeLast() }
        if w.count > 3, let last = w.last, last == w[w.count - 2], !"aeiouls".contains(last) { w.removeLast() }
        return String(w)
    }

    /// Tokens that turn what follows them around.
    static let negations: Set<String> = [
        "not", "no", "never", "without", "avoid", "nor", "neither", "dont", "doesnt", "isnt", "arent", "wont",
        "shouldnt", "wouldnt", "cannot", "cant", "instead", "rather", "against", "skip", "drop",
    ].reduce(into: Set<String>()) { $0.insert(stem($1)) }

    /// Connectives that give a reason or a mechanism: a unit with none of them and no verb-like token is a bare list.
    static let reasons: Set<String> = [
        "because", "so", "since", "which", "that", "to", "by", "for", "when", "if", "otherwise", "then", "than",
        "while", "unless", "via", "means", "why", "hence", "therefore", "where", "would", "will", "should", "must",
        "can", "could", "is", "are", "be", "use", "keep", "add", "make", "need", "want", "give", "let",
    ].reduce(into: Set<String>()) { $0.insert(stem($1)) }

    /// An evidence term prepared once: its stemmed words, and the stem of them joined ("two-tower" → "twotower").
    public struct Term: Sendable {
        let words: [String]
        let joined: String?

        public init(_ text: String) {
            words = EvidenceTerms.tokens(text)
            joined = words.count > 1 ? EvidenceTerms.stem(words.joined()) : nil
        }
    }

    /// A sentence prepared once for matching many terms.
    public struct Sentence: Sendable {
        public let tokens: [String]
        let clauses: [Int]
        let positions: [String: [Int]]
        /// Each pair of neighbouring tokens run together, where the pair starts ("re ranking" → "reranking").
        let pairs: [String: [Int]]
        /// Token counts of the pieces between commas, semicolons, slashes, pluses and pipes.
        let fragmentSizes: [Int]

        public init(_ text: String) {
            (tokens, clauses) = EvidenceTerms.tokensAndClauses(text)
            fragmentSizes = text.split(whereSeparator: { ",;/+|".contains($0) }).map { EvidenceTerms.tokens(String($0)).count }
                .filter { $0 > 0 }
            var positions: [String: [Int]] = [:]
            for (i, t) in tokens.enumerated() { positions[t, default: []].append(i) }
            self.positions = positions
            var pairs: [String: [Int]] = [:]
            for i in tokens.indices.dropLast() { pairs[tokens[i] + tokens[i + 1], default: []].append(i) }
            self.pairs = pairs
        }

        /// Where `term` starts, as whole words (or with its hyphens dropped: "two-tower" as "twotower").
        public func occurrences(of term: Term) -> [Int] {
            let words = term.words
            guard let first = words.first else { return [] }
            var found: [Int] = []
            for start in positions[first] ?? [] where start + words.count <= tokens.count {
                if tokens[start..<(start + words.count)].elementsEqual(words) { found.append(start) }
            }
            if let joined = term.joined, let at = positions[joined] { found += at }
            // The other way round: "reranking" in the rubric, "re-ranking" in the answer.
            if words.count == 1, let at = pairs[first] { found += at }
            return found
        }

        public func occurrences(of term: String) -> [Int] { occurrences(of: Term(term)) }

        /// Whether a negation stands within the four tokens before `position`, in the same clause.
        public func isNegated(at position: Int) -> Bool {
            let from = max(0, position - 4)
            return (from..<position).contains { clauses[$0] == clauses[position] && EvidenceTerms.negations.contains(tokens[$0]) }
        }

        /// Whether `term` occurs at least once without a negation before it (or at all, when `negationAllowed`).
        public func contains(_ term: Term, negationAllowed: Bool = false) -> Bool {
            occurrences(of: term).contains { negationAllowed || !isNegated(at: $0) }
        }

        public func contains(_ term: String, negationAllowed: Bool = false) -> Bool {
            contains(Term(term), negationAllowed: negationAllowed)
        }

        /// Items with no reason and nothing verb-like: "two-tower, HNSW, logQ, NDCG" or a three-word fragment.
        public var isBareList: Bool {
            if tokens.contains(where: { EvidenceTerms.reasons.contains($0) }) { return false }
            if tokens.count <= 4 { return true }
            let fragments = fragmentSizes.count
            return fragments >= 3 && Double(fragmentSizes.reduce(0, +)) / Double(fragments) <= 3
        }
    }

    /// Whether `term` is a negation cue itself (a point whose evidence names one asks for the negation).
    public static func isNegation(_ term: String) -> Bool {
        tokens(term).contains { negations.contains($0) }
    }
}
