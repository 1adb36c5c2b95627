import Foundation

/// Connects glossary terms and chapters: which chapters use a term, and a link from each chapter's first mention.
enum Glossary {
    static func attachUsage(_ terms: [GlossaryTerm], documents: [Document]) -> [GlossaryTerm] {
        let texts = documents.filter { $0.kind != .glossary }.map { doc in
            (doc, " " + doc.sections.map(\.text).joined(separator: " ").lowercased() + " ")
        }
        return terms.map { t in
            var t = t
            let needles = ([t.term] + t.aliases).map { $0.lowercased() }
            t.usedIn = texts.filter { _, text in needles.contains { containsWord(text, $0) } }
                .map { DocumentLink(url: $0.0.url, title: $0.0.title) }
            return t
        }.sorted { $0.term.lowercased() < $1.term.lowercased() }
    }

    /// Links the first mention of each term in a chapter's paragraphs and list items to its glossary entry. Works on
    /// the rendered HTML, touching only text between tags and never inside links, code, headings, figures or tables.
    static func linkFirstMentions(in doc: Document, terms: [GlossaryTerm]) -> Document {
        guard doc.kind != .glossary else { return doc }
        var doc = doc
        let used = terms.filter { t in t.usedIn.contains { $0.url == doc.url } }
        guard !used.isEmpty else { return doc }
        var remaining = used.map { t in (id: t.id, title: t.term, needles: ([t.term] + t.aliases).sorted { $0.count > $1.count }) }
        for s in doc.sections.indices where !remaining.isEmpty && doc.sections[s].title != "Flashcards" {
            doc.sections[s].html = linkTerms(doc.sections[s].html, remaining: &remaining)
        }
        return doc
    }

    private static let skipTags: Set<String> = ["a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "svg", "figure", "table", "summary"]

    private static func linkTerms(_ html: String, remaining: inout [(id: String, title: String, needles: [String])]) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count + 512)
        var skipDepth = 0
        var i = html.startIndex
        while i < html.endIndex {
            if html[i] == "<" {
                guard let close = html[i...].firstIndex(of: ">") else { out += html[i...]; break }
                let tag = html[html.index(after: i)..<close]
                let isEnd = tag.hasPrefix("/")
                let name = String(tag.dropFirst(isEnd ? 1 : 0).prefix { $0.isLetter || $0.isNumber }).lowercased()
                if skipTags.contains(name) && !tag.hasSuffix("/") { skipDepth += isEnd ? -1 : 1 }
                out += html[i...close]
                i = html.index(after: close)
                continue
            }
            let next = html[i...].firstIndex(of: "<") ?? html.endIndex
            var text = String(html[i..<next])
            if skipDepth == 0 && !remaining.isEmpty { text = linkInText(text, remaining: &remaining) }
            out += text
            i = next
        }
        return out
    }

    private static func linkInText(_ text: String, remaining: inout [(id: String, title: String, needles: [String])]) -> String {
        var text = text
        var k = 0
        while k < remaining.count {
            let entry = remaining[k]
            var linked = false
            for needle in entry.needles {
                guard let r = wordRange(of: needle, in: text) else { continue }
                let original = text[r]
                text.replaceSubrange(r, with: "<a class=\"term\" href=\"/glossary#\(entry.id)\" title=\"Glossary: \(escapeHTML(entry.title))\">\(original)</a>")
                linked = true
                break
            }
            if linked { remaining.remove(at: k) } else { k += 1 }
            // A text run that now contains a link is not scanned again for further terms (no nested anchors).
            if linked { break }
        }
        return text
    }

    static func containsWord(_ haystack: String, _ needle: String) -> Bool { wordRange(of: needle, in: haystack) != nil }

    /// Case-insensitive match of `needle` not preceded or followed by a letter or digit (a trailing plural `s` is allowed).
    static func wordRange(of needle: String, in haystack: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var searchStart = haystack.startIndex
        while let r = haystack.range(of: needle, options: .caseInsensitive, range: searchStart..<haystack.endIndex) {
            let beforeOK = r.lowerBound == haystack.startIndex || !isWordChar(haystack[haystack.index(before: r.lowerBound)])
            var end = r.upperBound
            if end < haystack.endIndex, haystack[end] == "s" { end = haystack.index(after: end) }
            let afterOK = end == haystack.endIndex || !isWordChar(haystack[end])
            if beforeOK && afterOK { return r.lowerBound..<end }
            searchStart = r.upperBound
        }
        return nil
    }

    private static func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber }
}
