import Foundation
import GRDB
import KnowledgeBase

/// A user's query, reduced to words. FTS5 has its own syntax (quotes, `*`, `NEAR(`, `AND`, parentheses, column
/// filters); rather than escape it, the query is rebuilt from the words alone, each one double-quoted, so any text a
/// person types is a valid query and none of it is ever interpreted as an operator.
public struct SearchQuery: Sendable, Equatable {
    /// Longest query kept; longer input is cut (and the page says so).
    public static let maxCharacters = 200
    /// Most words used.
    public static let maxTerms = 12

    /// The text as typed (cut to `maxCharacters`), for the search box.
    public let text: String
    /// Lower-cased words.
    public let terms: [String]
    /// True when the input was longer than `maxCharacters`.
    public let truncated: Bool

    /// Parses `raw`.
    public init(_ raw: String) {
        let cleaned = String(raw.unicodeScalars.filter { !SearchIndex.isSentinel($0) })
        truncated = cleaned.count > Self.maxCharacters
        text = String(cleaned.prefix(Self.maxCharacters))
        // Words are runs of letters and digits, as FTS5's unicode61 tokenizer sees them; emoji and punctuation split.
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty, terms.count < Self.maxTerms { terms.append(String(String(current).lowercased().prefix(64))) }
            current = .init()
        }
        for s in text.unicodeScalars {
            if CharacterSet.alphanumerics.contains(s) { current.append(s) } else { flush() }
        }
        flush()
        self.terms = terms
    }

    /// True when there is nothing to search for.
    public var isEmpty: Bool { terms.isEmpty }

    /// Words too common to search for on their own: with them, "point-in-time correctness" matched (and highlighted)
    /// every "in" in the book once the query had to be broadened.
    static let stopWords: Set<String> = ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is",
                                         "it", "of", "on", "or", "the", "to", "what", "when", "which", "with"]

    /// The words searched for: the query's words without stop words, unless it has nothing else ("to be or not").
    public var searchTerms: [String] {
        let content = terms.filter { !Self.stopWords.contains($0) }
        return content.isEmpty ? terms : content
    }

    /// Every word must match (the last as a prefix, so a half-typed word still finds something).
    public var matchExpression: String { expression(joiner: " AND ") }

    /// Any word may match: the fallback when no entry has them all.
    public var anyTermExpression: String { expression(joiner: " OR ") }

    private func expression(joiner: String) -> String {
        let words = searchTerms
        return words.enumerated().map { i, term in
            // Terms hold only letters and digits, so the doubled-quote escape is belt and braces.
            let quoted = "\"" + term.replacingAll("\"", with: "\"\"") + "\""
            return i == words.count - 1 && term.count >= 3 ? quoted + "*" : quoted
        }.joined(separator: joiner)
    }
}

/// A piece of a title or snippet: plain text, or a stretch that matched the query. Templates escape `text` and wrap
/// matches in `<mark>`, so no stored or typed text ever reaches the page as HTML.
public struct HighlightSegment: Sendable, Equatable {
    /// The text (unescaped; the template escapes it).
    public var text: String
    /// Whether it matched.
    public var match: Bool
    /// Creates a segment.
    public init(text: String, match: Bool) {
        self.text = text
        self.match = match
    }
}

/// One search result.
public struct SearchHit: Sendable, Equatable {
    /// Where it lives (a page, a heading anchor, a glossary entry).
    public var url: String
    /// "Case study", "Glossary", "Flashcard"….
    public var kind: String
    /// The chapter it belongs to, if any.
    public var context: String
    /// Title with matches marked.
    public var title: [HighlightSegment]
    /// A passage around the matches.
    public var snippet: [HighlightSegment]
    /// Creates a hit.
    public init(url: String, kind: String, context: String, title: [HighlightSegment], snippet: [HighlightSegment]) {
        self.url = url
        self.kind = kind
        self.context = context
        self.title = title
        self.snippet = snippet
    }
}

/// Full-text search over every chapter section, glossary entry and flashcard: an in-memory SQLite FTS5 table built
/// once at startup from the loaded content, ranked by BM25 (title weighted above body).
public struct SearchIndex: Sendable {
    let db: DatabaseQueue
    /// Number of indexed entries.
    public let count: Int

    static let matchStart = "\u{E000}"
    static let matchEnd = "\u{E001}"
    static func isSentinel(_ s: Unicode.Scalar) -> Bool { s.value == 0xE000 || s.value == 0xE001 }

    /// Builds the index from `kb`.
    public init(kb: KnowledgeBase) throws {
        db = try DatabaseQueue()
        var entries: [(title: String, body: String, extra: String, url: String, kind: String, context: String)] = []
        for doc in kb.documents where doc.kind != .glossary {
            let kind = Self.label(doc.kind)
            for section in doc.sections where section.title != "Flashcards" {
                let body = section.id.isEmpty ? doc.summary + " " + section.text : section.text
                guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
                entries.append((section.title.isEmpty ? doc.title : section.title, body, doc.tags.joined(separator: " "),
                                doc.url + (section.id.isEmpty ? "" : "#" + section.id), kind, doc.title))
            }
        }
        for term in kb.glossary {
            entries.append((term.term, Self.plainText(html: term.definitionHTML), term.aliases.joined(separator: ", "),
                            "/glossary#" + term.id, "Glossary", "Glossary"))
        }
        for (doc, card) in kb.cards {
            entries.append((Self.plainText(html: card.questionHTML), Self.plainText(html: card.answerHTML), "",
                            doc.url + "#flashcards", "Flashcard", doc.title))
        }
        count = entries.count
        try db.write { db in
            try db.execute(sql: """
                CREATE VIRTUAL TABLE entry USING fts5(
                    title, body, extra, url UNINDEXED, kind UNINDEXED, context UNINDEXED,
                    tokenize = 'porter unicode61 remove_diacritics 2')
                """)
            for e in entries {
                try db.execute(sql: "INSERT INTO entry (title, body, extra, url, kind, context) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [Self.strip(e.title), Self.strip(e.body), Self.strip(e.extra), e.url, e.kind, e.context])
            }
            try db.execute(sql: "INSERT INTO entry(entry) VALUES ('optimize')")
        }
    }

    /// The results for `query`: every word must match; if nothing has them all, any word may (and `broadened` says so).
    public func search(_ query: SearchQuery, limit: Int = 30) async throws -> (hits: [SearchHit], broadened: Bool) {
        guard !query.isEmpty else { return ([], false) }
        return try await db.read { db in
            let all = try Self.run(db, match: query.matchExpression, limit: limit)
            if !all.isEmpty || query.searchTerms.count < 2 { return (all, false) }
            return (try Self.run(db, match: query.anyTermExpression, limit: limit), true)
        }
    }

    /// The same search, synchronously (for benchmarks and tests that time the query itself).
    public func searchSync(_ query: SearchQuery, limit: Int = 30) throws -> [SearchHit] {
        guard !query.isEmpty else { return [] }
        return try db.read { db in try Self.run(db, match: query.matchExpression, limit: limit) }
    }

    static func run(_ db: Database, match: String, limit: Int) throws -> [SearchHit] {
        try Row.fetchAll(db, sql: """
            SELECT url, kind, context,
                   highlight(entry, 0, char(57344), char(57345)) AS title,
                   snippet(entry, 1, char(57344), char(57345), '…', 28) AS snippet
            FROM entry WHERE entry MATCH ? ORDER BY bm25(entry, 8.0, 1.0, 4.0) LIMIT ?
            """, arguments: [match, limit]).map { row in
            SearchHit(url: row["url"], kind: row["kind"], context: row["context"],
                      title: segments(row["title"]), snippet: segments(row["snippet"]))
        }
    }

    /// Splits FTS5's marked-up text at the private-use sentinels (removed from all indexed text beforehand, so only
    /// FTS5 can have put them there).
    static func segments(_ marked: String) -> [HighlightSegment] {
        // Scalars, not Characters: a sentinel followed by a combining mark would otherwise fuse into one Character.
        var out: [HighlightSegment] = []
        var current = String.UnicodeScalarView()
        var inMatch = false
        for s in marked.unicodeScalars {
            if isSentinel(s) {
                if !current.isEmpty { out.append(HighlightSegment(text: String(current), match: inMatch)) }
                current = .init()
                inMatch = s.value == 0xE000
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { out.append(HighlightSegment(text: String(current), match: inMatch)) }
        return out
    }

    static func strip(_ s: String) -> String { String(s.unicodeScalars.filter { !isSentinel($0) }) }

    static func label(_ kind: DocumentKind) -> String {
        switch kind {
        case .framework: "Framework"
        case .foundation: "Foundations"
        case .caseStudy: "Case study"
        case .glossary: "Glossary"
        case .compare: "Comparison"
        }
    }

    /// Text of a rendered fragment: tags dropped, the five entities cmark emits decoded, whitespace collapsed.
    static func plainText(html: String) -> String {
        var out = ""
        var inTag = false
        for ch in html {
            if ch == "<" { inTag = true; out.append(" "); continue }
            if ch == ">" { inTag = false; continue }
            if !inTag { out.append(ch) }
        }
        out = out.replacingAll("&lt;", with: "<").replacingAll("&gt;", with: ">")
            .replacingAll("&quot;", with: "\"").replacingAll("&#39;", with: "'")
            .replacingAll("&amp;", with: "&")
        return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
