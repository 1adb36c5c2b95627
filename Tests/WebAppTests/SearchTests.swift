import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebApp

@Suite struct SearchTests {
    @Test func findsSectionsGlossaryAndFlashcardsWithHighlights() async throws {
        try await withApp { client in
            try await client.execute(uri: "/search?q=embedding", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("<mark>"))
                #expect(r.text.contains("/foundations/embeddings-and-vector-search"))
                #expect(r.text.contains("value=\"embedding\""))  // the header box keeps the query
            }
            // A form-encoded space ("+") is a space.
            try await client.execute(uri: "/search?q=two+tower", method: .get) { r in
                #expect(r.text.contains("value=\"two tower\""))
                #expect(r.text.contains("<mark>tower</mark>"))
            }
        }
        let services = try await SharedServices.shared.get()
        let index = services.searchIndex
        let kinds = Set(try await index.search(SearchQuery("feature store"), limit: 200).hits.map(\.kind))
        #expect(kinds.contains("Foundations"))
        #expect(kinds.contains("Glossary"))
        #expect(kinds.contains("Flashcard"))
        // Every section, glossary term and card is indexed.
        let kb = services.knowledgeBase
        #expect(index.count >= kb.glossary.count + kb.cards.count + kb.documents(of: .caseStudy).count * 9)
    }

    @Test func bm25PutsTheChapterAboutATermFirst() async throws {
        let index = try await SharedServices.shared.get().searchIndex
        let hits = try await index.search(SearchQuery("feature store")).hits
        let top = try #require(hits.first)
        #expect(top.url.hasPrefix("/foundations/feature-stores") || top.url.hasPrefix("/glossary#feature-store"), "\(top.url)")
    }

    @Test(arguments: [
        "\"", "\"\"\"", "*", "embedding*", "NEAR(", "NEAR(a b", "AND", "OR OR", "NOT", "a AND", "(((", ")", "ranking)", "title:ranking",
        "-ranking", "^ranking", "{ranking}", "ranking + -", "🙂", "🙂 ranking 🚀", "日本語", "\u{E000}ranking\u{E001}", "%", "'; DROP TABLE user; --",
        "\\", "ranking\0", "e\u{301}", "\u{202E}gnikner",
    ])
    func anyTextIsAValidQuery(_ q: String) async throws {
        let query = SearchQuery(q)
        let index = try await SharedServices.shared.get().searchIndex
        _ = try await index.search(query)  // never throws
        try await withApp { client in
            let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            try await client.execute(uri: "/search?q=\(encoded)", method: .get) { r in
                #expect(r.status == .ok, "\(q)")
                #expect(!r.text.contains("fts5"), "\(q)")
                #expect(!r.text.contains("syntax error"), "\(q)")
            }
        }
    }

    @Test func queriesAreOnlyWordsEachQuoted() {
        let q = SearchQuery("NEAR(\"ranking\" AND title:video*")
        #expect(q.terms == ["near", "ranking", "and", "title", "video"])
        #expect(q.matchExpression == "\"near\" AND \"ranking\" AND \"title\" AND \"video\"*")
        #expect(SearchQuery("🙂 * \" (").isEmpty)
        // Stop words are left out when the query has other words, and kept when it has nothing else.
        #expect(SearchQuery("point-in-time correctness").anyTermExpression == "\"point\" OR \"time\" OR \"correctness\"*")
        #expect(SearchQuery("to be or not").matchExpression == "\"not\"*")
        #expect(SearchQuery("to be or").matchExpression == "\"to\" AND \"be\" AND \"or\"")
        #expect(SearchQuery(String(repeating: "word ", count: 100)).terms.count == SearchQuery.maxTerms)
    }

    @Test func hugeQueriesAreCutWithAMessage() async throws {
        let huge = String(repeating: "ranking ", count: 1300)  // ~10 KB
        #expect(huge.utf8.count > 10_000)
        try await withApp { client in
            try await client.execute(uri: "/search?q=\(huge.replacingOccurrences(of: " ", with: "+"))", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("only the first 200 were used"))
                #expect(r.text.contains("<mark>"))
            }
        }
    }

    @Test func typedAndStoredTextIsEscaped() async throws {
        try await withApp { client in
            try await client.execute(uri: "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+ranking", method: .get) { r in
                #expect(r.status == .ok)
                #expect(!r.text.contains("<script>alert"))
                #expect(r.text.contains("&lt;script&gt;"))
            }
        }
        // Snippets are segments rendered through escaping templates: markup in content cannot become HTML.
        let services = try await SharedServices.shared.get()
        let views = services.views
        let hit = SearchHit(url: "/x", kind: "Glossary", context: "<i>ctx</i>",
                            title: [HighlightSegment(text: "<b>bold</b>", match: true)],
                            snippet: [HighlightSegment(text: "a <img src=x onerror=alert(1)> ", match: false),
                                      HighlightSegment(text: "match & more", match: true)])
        let page = SearchPage(layout: views.layout(), query: "q", hasQuery: true, searchable: true, truncated: false, maxCharacters: 200,
                              broadened: false, results: [ResultModel(hit)], count: 1, countUnit: "result", userGroups: [])
        let html = views.render(page, template: "search")
        #expect(html.contains("<mark>&lt;b&gt;bold&lt;/b&gt;</mark>"))
        #expect(html.contains("a &lt;img src=x onerror=alert(1)&gt; <mark>match &amp; more</mark>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<i>ctx"))
        #expect(SearchIndex.segments("a\u{E000}b\u{E001}c") == [
            HighlightSegment(text: "a", match: false), HighlightSegment(text: "b", match: true), HighlightSegment(text: "c", match: false),
        ])
    }

    @Test func emptyAndSymbolOnlyQueriesExplainThemselves() async throws {
        try await withApp { client in
            try await client.execute(uri: "/search", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("Search chapters, glossary and flashcards"))
            }
            try await client.execute(uri: "/search?q=%F0%9F%99%82", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.text.contains("Type at least one word"))
            }
            try await client.execute(uri: "/search?q=zzzqqqxxy", method: .get) { r in
                #expect(r.text.contains("Nothing matches"))
            }
        }
    }

    @Test func userSearchHookSeesOnlyTheSignedInUser() async throws {
        let mine = StubUserSearch()
        try await withAccountsApp(hooks: LearnerHooks(userSearch: [mine])) { client, db in
            let anon = try await Browser(client).get("/search?q=ranking")
            #expect(!anon.text.contains("Your attempts"))
            #expect(await mine.askedFor.isEmpty)
            let b = Browser(client)
            try await b.signUp("searcher")
            let r = try await b.get("/search?q=ranking")
            #expect(r.text.contains("Your attempts"))
            #expect(r.text.contains("href=\"/attempts/7\""))
            let id = try await db.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM user") }
            #expect(await mine.askedFor == [id!])
        }
    }
}

actor StubUserSearch: UserSearchProvider {
    nonisolated var groupTitle: String { "Your attempts" }
    var askedFor: [Int64] = []
    func search(_ query: SearchQuery, userId: Int64, limit: Int) async throws -> [SearchHit] {
        askedFor.append(userId)
        return [SearchHit(url: "/attempts/7", kind: "Attempt", context: "Video recommendation",
                          title: [HighlightSegment(text: "My attempt", match: false)], snippet: [HighlightSegment(text: query.text, match: true)])]
    }
}
