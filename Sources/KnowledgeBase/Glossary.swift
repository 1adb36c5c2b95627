#if canImport(Glibc)
import Glibc
#endif
/// Connects glossary terms and chapters: which chapters use a term, and a link from each chapter's first mention.
///
/// Matching works on ASCII-lower-cased UTF-8 bytes: Foundation's case-insensitive search was the single largest
/// cost of startup (seconds, for ~150 terms over ~20 chapters), and terms are matched on whole words anyway.
enum Glossary {
    struct Needle {
        var id: String
        var title: String
        var patterns: [[UInt8]]  // longest first, lower-cased
    }

    static func needles(for t: GlossaryTerm) -> Needle {
        let patterns = ([t.term] + t.aliases).map { lowerASCII(Array($0.utf8)) }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        return Needle(id: t.id, title: t.term, patterns: patterns)
    }

    static func attachUsage(_ terms: [GlossaryTerm], documents: [Document]) -> [GlossaryTerm] {
        let texts = documents.filter { $0.kind != .glossary }.map { doc in
            (doc, lowerASCII(Array(doc.sections.map(\.text).joined(separator: " ").utf8)))
        }
        return terms.map { t in
            var t = t
            let n = needles(for: t)
            t.usedIn = texts.filter { _, text in n.patterns.contains { findWord($0, in: text, from: 0) != nil } }
                .map { DocumentLink(url: $0.0.url, title: $0.0.title) }
            return t
        }.sorted { $0.term.lowercased() < $1.term.lowercased() }
    }

    /// Links the first mention of each term in a chapter to its glossary entry. Works on the rendered HTML, touching
    /// only text between tags and never inside links, code, headings, figures, tables or flashcards.
    static func linkFirstMentions(in doc: Document, terms: [GlossaryTerm]) -> Document {
        guard doc.kind != .glossary else { return doc }
        var doc = doc
        var remaining = terms.filter { t in t.usedIn.contains { $0.url == doc.url } }.map(needles(for:))
        for s in doc.sections.indices where !remaining.isEmpty && doc.sections[s].title != "Flashcards" {
            doc.sections[s].html = linkTerms(doc.sections[s].html, remaining: &remaining)
        }
        return doc
    }

    private static let skipTags: Set<[UInt8]> = Set(["a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "svg", "figure",
                                                     "table", "summary", "details"].map { Array($0.utf8) })

    private static func linkTerms(_ html: String, remaining: inout [Needle]) -> String {
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1024)
        var skipDepth = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                var close = i
                while close < bytes.count && bytes[close] != UInt8(ascii: ">") { close += 1 }
                let isEnd = i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/")
                var nameStart = i + 1 + (isEnd ? 1 : 0)
                var nameEnd = nameStart
                while nameEnd < close, isAlnum(bytes[nameEnd]) { nameEnd += 1 }
                let name = lowerASCII(Array(bytes[nameStart..<nameEnd]))
                let selfClosing = close > 0 && bytes[close - 1] == UInt8(ascii: "/")
                if skipTags.contains(name) && !selfClosing { skipDepth += isEnd ? -1 : 1 }
                nameStart = min(close + 1, bytes.count)
                out.append(contentsOf: bytes[i..<nameStart])
                i = nameStart
                continue
            }
            var next = i
            while next < bytes.count && bytes[next] != UInt8(ascii: "<") { next += 1 }
            let segment = Array(bytes[i..<next])
            if skipDepth == 0 && !remaining.isEmpty {
                out.append(contentsOf: linkInText(segment, remaining: &remaining))
            } else {
                out.append(contentsOf: segment)
            }
            i = next
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Links at most one term per text run, so no link ever lands inside another.
    private static func linkInText(_ text: [UInt8], remaining: inout [Needle]) -> [UInt8] {
        let lower = lowerASCII(text)
        var best: (k: Int, range: Range<Int>)?
        for (k, n) in remaining.enumerated() {
            for p in n.patterns {
                if let r = findWord(p, in: lower, from: 0), best == nil || r.lowerBound < best!.range.lowerBound {
                    best = (k, r)
                }
            }
        }
        guard let best else { return text }
        let n = remaining.remove(at: best.k)
        let open = "<a class=\"term\" href=\"/glossary#\(n.id)\" title=\"Glossary: \(escapeHTML(n.title))\">"
        return Array(text[..<best.range.lowerBound]) + Array(open.utf8) + Array(text[best.range]) + Array("</a>".utf8)
            + Array(text[best.range.upperBound...])
    }

    /// The first whole-word occurrence of `needle` (lower-cased) in `hay` (lower-cased); a plural `s` may follow.
    /// `memchr` finds candidate first bytes (it is vectorised in glibc), which keeps startup linking fast.
    static func findWord(_ needle: [UInt8], in hay: [UInt8], from start: Int) -> Range<Int>? {
        let n = needle.count
        guard n > 0, hay.count - start >= n else { return nil }
        return hay.withUnsafeBufferPointer { h -> Range<Int>? in
            needle.withUnsafeBufferPointer { nd -> Range<Int>? in
                guard let base = h.baseAddress, let nb = nd.baseAddress else { return nil }
                var i = start
                let last = h.count - n
                while i <= last {
                    guard let p = memchr(base + i, Int32(nb[0]), last - i + 1) else { return nil }
                    i = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + i, nb, n) == 0 {
                        var end = i + n
                        if end < h.count && h[end] == UInt8(ascii: "s") { end += 1 }
                        let beforeOK = i == 0 || !isWordByte(h[i - 1])
                        let afterOK = end == h.count || !isWordByte(h[end])
                        if beforeOK && afterOK { return i..<end }
                    }
                    i += 1
                }
                return nil
            }
        }
    }

    static func containsWord(_ haystack: String, _ needle: String) -> Bool {
        findWord(lowerASCII(Array(needle.utf8)), in: lowerASCII(Array(haystack.utf8)), from: 0) != nil
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
    // Bytes of multi-byte UTF-8 letters count as word bytes so "é" next to a term blocks a match.
    private static func isWordByte(_ b: UInt8) -> Bool { isAlnum(b) || b >= 0x80 }

    static func lowerASCII(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }
}
