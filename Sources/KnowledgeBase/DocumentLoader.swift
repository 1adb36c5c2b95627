import Foundation

/// Turns one content file into a `Document`: front matter, structure rules, Markdown, flashcards and diagrams.
enum DocumentLoader {
    struct Loaded: Sendable {
        var document: Document
        var terms: [GlossaryTerm]
    }
    struct Failure: Error, Sendable {
        var errors: [ContentError]
    }

    static let caseStudySections = FrameworkStep.allCases.map(\.sectionTitle)
        + ["Trade-offs and pitfalls", "Follow-up questions", "Flashcards"]

    static func load(text: String, file: String, diagrams: DiagramRenderer) -> Result<Loaded, Failure> {
        let markdown = MarkdownRenderer()
        let fm: FrontMatter, rawBody: String, offset: Int
        do {
            (fm, rawBody, offset) = try FrontMatterParser.parse(text, file: file)
        } catch {
            return .failure(Failure(errors: [error]))
        }
        var errors: [ContentError] = []
        func fail(_ line: Int, _ message: String) { errors.append(ContentError(file: file, line: line, message: message)) }

        // Where the file sits must agree with what it says it is.
        let name = (file as NSString).lastPathComponent.replacingOccurrences(of: ".md", with: "")
        let folder = (file as NSString).deletingLastPathComponent
        let expectedFolder: String
        switch fm.kind {
        case .foundation: expectedFolder = "foundations"
        case .caseStudy: expectedFolder = "cases"
        default: expectedFolder = ""
        }
        if folder != expectedFolder {
            fail(1, "a \(fm.kind.rawValue) belongs in Content/\(expectedFolder.isEmpty ? "" : expectedFolder + "/")")
        }
        if fm.slug != name { fail(1, "slug `\(fm.slug)` must equal the file name `\(name)`") }
        if fm.slug.isEmpty || slugify(fm.slug) != fm.slug { fail(1, "slug `\(fm.slug)` must be lower-case words joined by `-`") }
        for tag in fm.tags where slugify(tag) != tag || tag.isEmpty {
            fail(1, "tag `\(tag)` must be lower-case words joined by `-`")
        }
        if fm.title.trimmingCharacters(in: .whitespaces).isEmpty { fail(1, "title is empty") }
        if fm.summary.trimmingCharacters(in: .whitespaces).isEmpty { fail(1, "summary is empty") }
        if let d = fm.difficulty, !["beginner", "intermediate", "advanced"].contains(d) {
            fail(1, "difficulty must be beginner, intermediate or advanced, not `\(d)`")
        }
        if fm.kind == .caseStudy {
            if fm.difficulty == nil { fail(1, "a case study needs `difficulty`") }
        }
        if fm.kind == .glossary && (fm.terms ?? []).isEmpty { fail(1, "the glossary needs a `terms` list") }

        let (parsedCards, body, cardErrors) = FlashcardParser.parse(body: rawBody, file: file, lineOffset: offset)
        errors += cardErrors
        let rendered = markdown.render(body, extractDiagrams: true, placeholderPrefix: fm.slug.replacingOccurrences(of: "-", with: ""))
        for h in rendered.headings where h.level == 1 {
            fail(offset + h.line, "use `##` for sections: the page title comes from front matter")
        }
        var seenIds: Set<String> = []
        for h in rendered.headings where !seenIds.insert(slugify(h.text)).inserted {
            fail(offset + h.line, "heading `\(h.text)` repeats another heading's id `\(slugify(h.text))`")
        }
        let h2 = rendered.headings.filter { $0.level == 2 }
        if fm.kind == .caseStudy {
            let titles = h2.map(\.text)
            if titles != caseStudySections {
                let firstBad = Array(zip(titles, caseStudySections)).firstIndex { $0.0 != $0.1 } ?? min(titles.count, caseStudySections.count)
                let line = firstBad < h2.count ? offset + h2[firstBad].line : offset + 1
                let want = firstBad < caseStudySections.count ? "`## \(caseStudySections[firstBad])`" : "no further `##` section"
                fail(line, "case-study sections must be, in order: \(caseStudySections.joined(separator: ", ")); expected \(want) here")
            }
        }

        // Diagrams: render this file's graphs in one Graphviz call; a failure names the fence's line.
        var html = rendered.html
        if !rendered.diagrams.isEmpty {
            do {
                let svgs = try diagrams.render(rendered.diagrams.map(\.source))
                for (d, svg) in zip(rendered.diagrams, svgs) {
                    let caption = d.caption.isEmpty ? "" : "<figcaption>\(markdown.renderInline(d.caption))</figcaption>"
                    let label = escapeHTML(d.caption.isEmpty ? "Diagram" : d.caption)
                    let svgLabelled = svg.replacingAll("role=\"img\"", with: "role=\"img\" aria-label=\"\(label)\"")
                    html = html.replacingAll(d.placeholder, with: "<figure class=\"diagram\">\(svgLabelled)\(caption)</figure>")
                }
            } catch let e as DiagramError {
                let line = e.index.map { offset + rendered.diagrams[$0].line } ?? offset + (rendered.diagrams.first?.line ?? 1)
                fail(line, "diagram does not render: \(e.message)")
            } catch {
                fail(offset + 1, "diagram does not render: \(error)")
            }
        }

        let cards = parsedCards.map { c in
            ContentCard(id: "\(fm.slug)/\(c.key)", question: c.question, questionHTML: markdown.renderInline(c.question),
                        answer: c.answer, answerHTML: markdown.renderInline(c.answer), line: offset + c.bodyLine)
        }
        let sections = split(html: html, headings: rendered.headings, texts: rendered.sectionText, cards: cards)
        let toc = h2.map { top in
            let children = rendered.headings.drop { $0.line <= top.line }.prefix { $0.level > 2 }.filter { $0.level == 3 }
            return TOCEntry(id: top.id, title: top.text, children: children.map { TOCEntry(id: $0.id, title: $0.text, children: []) })
        }

        var terms: [GlossaryTerm] = []
        for var t in fm.terms ?? [] {
            if t.id.isEmpty || slugify(t.id) != t.id { fail(1, "glossary id `\(t.id)` must be lower-case words joined by `-`") }
            t.definitionHTML = markdown.renderInline(t.definition)
            terms.append(t)
        }
        if !errors.isEmpty { return .failure(Failure(errors: errors)) }

        let doc = Document(
            kind: fm.kind, slug: fm.slug, title: fm.title, summary: fm.summary, order: fm.order, tags: fm.tags,
            difficulty: fm.difficulty, minutes: fm.minutes ?? max(1, Int((Double(rendered.wordCount) / 230).rounded())),
            wordCount: rendered.wordCount, url: Document.url(kind: fm.kind, slug: fm.slug), file: file,
            sections: sections, toc: toc, cards: cards, diagramCount: rendered.diagrams.count,
            tableCount: html.components(separatedBy: "<table").count - 1,
            anchors: Set(rendered.headings.map(\.id)),
            links: rendered.links.map { LinkReference(url: $0.url, line: offset + $0.line) })
        return .success(Loaded(document: doc, terms: terms))
    }

    /// Cuts the HTML at each `<h2 id=…>` into sections; the flashcards section becomes self-quiz cards.
    static func split(html: String, headings: [Heading], texts: [String], cards: [ContentCard]) -> [DocumentSection] {
        let h2 = headings.filter { $0.level == 2 }
        var sections: [DocumentSection] = []
        var rest = Substring(html)
        var pieces: [Substring] = []
        for h in h2 {
            guard let r = rest.range(of: "<h2 id=\"\(h.id)\">") else { continue }
            pieces.append(rest[..<r.lowerBound])
            rest = rest[r.lowerBound...]
        }
        pieces.append(rest)
        let steps = Dictionary(uniqueKeysWithValues: FrameworkStep.allCases.map { ($0.sectionTitle, $0) })
        for (i, piece) in pieces.enumerated() {
            let heading = i == 0 ? nil : h2[i - 1]
            var sectionHTML = String(piece)
            if heading?.text == "Flashcards", !cards.isEmpty {
                sectionHTML = "<h2 id=\"\(heading!.id)\">Flashcards</h2>\n<ol class=\"card-list\">\n"
                    + cards.map { c in
                        "<li><details><summary>\(c.questionHTML)</summary><div class=\"answer\">\(c.answerHTML)</div></details></li>"
                    }.joined(separator: "\n") + "\n</ol>\n"
            }
            sections.append(DocumentSection(
                id: heading?.id ?? "", title: heading?.text ?? "", html: sectionHTML,
                text: i < texts.count ? texts[i].split(whereSeparator: \.isWhitespace).joined(separator: " ") : "",
                step: heading.flatMap { steps[$0.text] }))
        }
        return sections
    }
}
