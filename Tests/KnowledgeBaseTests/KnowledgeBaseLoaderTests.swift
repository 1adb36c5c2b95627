import Foundation
import Testing
@testable import KnowledgeBase

@Suite struct KnowledgeBaseLoaderTests {
    func loadErrors(_ files: [String: String]) throws -> [ContentError] {
        let dir = try makeContentDirectory(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try KnowledgeBase.load(from: dir)
            return []
        } catch let e as ContentErrors {
            return e.errors
        }
    }

    @Test func loadsAValidChapterWithTOCDiagramsAndCards() throws {
        let body = """
            Intro text.

            ## First part

            ### Detail

            See [the framework](/framework#first-part).

            ```dot Flow
            digraph g { a -> b }
            ```

            ## Flashcards

            - **Q:** What is *a*? **A:** The start. {#what-a}
            - **Q:** What is b? **A:** The end. {#what-b}
            """
        let dir = try makeContentDirectory([
            "framework.md": frontMatter("framework", slug: "framework") + "\n## First part\n\nHello.\n",
            "foundations/one.md": frontMatter("foundation", slug: "one") + body,
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let kb = try KnowledgeBase.load(from: dir)
        let doc = try #require(kb.document(at: "/foundations/one"))
        #expect(doc.toc.map(\.title) == ["First part", "Flashcards"])
        #expect(doc.toc[0].children.map(\.id) == ["detail"])
        #expect(doc.diagramCount == 1)
        #expect(doc.html.contains("<figure class=\"diagram\"><svg"))
        #expect(doc.html.contains("<figcaption>Flow</figcaption>"))
        #expect(doc.cards.map(\.id) == ["one/what-a", "one/what-b"])
        #expect(doc.cards[0].questionHTML == "What is <em>a</em>?")
        #expect(!doc.html.contains("{#what-a}"))
        #expect(doc.sections.map(\.id) == ["", "first-part", "flashcards"])
    }

    @Test func badFrontMatterNamesFileAndLine() throws {
        let errors = try loadErrors(["framework.md": "---\ntitle: [unclosed\nslug: framework\n---\nBody\n"])
        #expect(errors.count == 1)
        #expect(errors[0].file == "framework.md")
        #expect(errors[0].line >= 2)
    }

    @Test func missingFieldIsNamed() throws {
        let errors = try loadErrors(["framework.md": "---\ntitle: X\nslug: framework\nkind: framework\norder: 0\ntags: []\n---\nBody\n"])
        #expect(errors.first?.message.contains("summary") == true)
    }

    @Test func brokenInternalLinkNamesFileAndLine() throws {
        let md = frontMatter("framework", slug: "framework") + "\nLine one.\n\nSee [x](/cases/nope).\n"
        let errors = try loadErrors(["framework.md": md])
        #expect(errors.count == 1)
        #expect(errors[0].line == 12)  // 8 lines of front matter, then the link on body line 4
        #expect(errors[0].message.contains("/cases/nope"))
    }

    @Test func brokenAnchorIsCaught() throws {
        let md = frontMatter("framework", slug: "framework") + "\n## Real\n\n[x](/framework#unreal)\n"
        let errors = try loadErrors(["framework.md": md])
        #expect(errors.first?.message.contains("unreal") == true)
    }

    @Test func diagramThatDoesNotRenderNamesTheFenceLine() throws {
        let md = frontMatter("framework", slug: "framework") + "\nText.\n\n```dot Bad\ndigraph { a -> }\n```\n"
        let errors = try loadErrors(["framework.md": md])
        #expect(errors.count == 1)
        #expect(errors[0].line == 12)
        #expect(errors[0].message.contains("diagram"))
    }

    @Test func malformedFlashcardNamesItsLine() throws {
        let md = frontMatter("framework", slug: "framework") + "\n## Flashcards\n\n- **Q:** no key **A:** x\n"
        let errors = try loadErrors(["framework.md": md])
        #expect(errors.first?.line == 12)
    }

    @Test func caseStudySectionsMustBeInOrder() throws {
        let md = frontMatter("case-study", slug: "c", extra: "difficulty: beginner\n")
            + "\n## Framing as an ML task\n\nx\n"
        let errors = try loadErrors(["cases/c.md": md])
        #expect(errors.contains { $0.message.contains("Clarifying requirements") })
    }

    @Test func slugMustMatchFileName() throws {
        let errors = try loadErrors(["foundations/a.md": frontMatter("foundation", slug: "b") + "x\n"])
        #expect(errors.contains { $0.message.contains("file name") })
    }

    @Test func glossaryTermsLinkFirstMentionOnly() throws {
        let glossary = """
            ---
            title: Glossary
            slug: glossary
            summary: Terms.
            kind: glossary
            order: 0
            tags: [reference]
            terms:
              - term: HNSW
                id: hnsw
                aliases: [hierarchical navigable small world]
                definition: A graph index.
            ---
            Intro.
            """
        let dir = try makeContentDirectory([
            "glossary.md": glossary,
            "framework.md": frontMatter("framework", slug: "framework") + "\n## A\n\nWe use HNSW here and HNSW there.\n\n`HNSW` in code.\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let kb = try KnowledgeBase.load(from: dir)
        let html = try #require(kb.document(at: "/framework")).html
        #expect(html.components(separatedBy: "href=\"/glossary#hnsw\"").count == 2)
        #expect(kb.glossary.first?.usedIn.map(\.url) == ["/framework"])
    }
}
