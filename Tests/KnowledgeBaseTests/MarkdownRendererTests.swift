import Testing
@testable import KnowledgeBase

@Suite struct MarkdownRendererTests {
    let r = MarkdownRenderer()

    @Test func rendersGFMTables() {
        let html = r.render("| a | b |\n|---|---|\n| 1 | 2 |\n").html
        #expect(html.contains("<table>"))
        #expect(html.contains("<td>1</td>"))
    }

    @Test func rendersFootnotesStrikethroughAndTaskLists() {
        let html = r.render("Claim.[^1]\n\n~~old~~\n\n- [x] done\n- [ ] todo\n\n[^1]: Source, 2020.\n").html
        #expect(html.contains("<del>old</del>"))
        #expect(html.contains("footnote"))
        #expect(html.contains("Source, 2020."))
        #expect(html.contains("type=\"checkbox\""))
    }

    @Test func givesHeadingsStableUniqueIds() {
        let out = r.render("## Deployment and serving\n\n### Why `HNSW`?\n\n## Deployment and serving\n")
        #expect(out.headings.map(\.id) == ["deployment-and-serving", "why-hnsw", "deployment-and-serving-2"])
        #expect(out.html.contains("<h2 id=\"deployment-and-serving\">"))
        #expect(out.html.contains("<h3 id=\"why-hnsw\">"))
        #expect(out.headings.map(\.line) == [1, 3, 5])
    }

    @Test func rawHTMLStaysInert() {
        let html = r.render("<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> here.\n").html
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("raw HTML omitted"))
    }

    @Test func unsafeURLsAreDropped() {
        let html = r.render("[x](javascript:alert(1)) [y](data:text/html;base64,AAAA) [z](/cases)\n").html
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("data:text/html"))
        #expect(html.contains("href=\"/cases\""))
    }

    @Test func extractsDiagramsWithCaptionsAndLines() {
        let out = r.render("Intro\n\n```dot Serving path\ndigraph g { a -> b }\n```\n", extractDiagrams: true)
        #expect(out.diagrams.count == 1)
        #expect(out.diagrams[0].caption == "Serving path")
        #expect(out.diagrams[0].line == 3)
        #expect(out.html.contains(out.diagrams[0].placeholder))
        #expect(!out.html.contains("digraph"))
    }

    @Test func countsProseWordsButNotCode() {
        let out = r.render("One two three.\n\n```\nnot counted at all\n```\n")
        #expect(out.wordCount == 3)
    }

    @Test func slugifyFoldsPunctuation() {
        #expect(slugify("Trade-offs and pitfalls") == "trade-offs-and-pitfalls")
        #expect(slugify("  Why A/B tests? ") == "why-a-b-tests")
    }
}
