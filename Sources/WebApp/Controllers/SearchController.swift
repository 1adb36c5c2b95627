import Foundation
import Hummingbird

/// `/search?q=`: full-text search over the content, plus the signed-in user's own data through `UserSearchProvider`s.
/// Any text is a valid query (see `SearchQuery`); more than `SearchQuery.maxCharacters` is cut, and the page says so.
struct SearchController: Sendable {
    let index: SearchIndex
    let views: Views
    let userSearch: [any UserSearchProvider]

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/search") { req, ctx in try await search(req, ctx) }
    }

    func search(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        // HTML forms send spaces as "+", which the query-parameter decoder leaves alone.
        let raw = (req.uri.queryParameters.get("q") ?? "").replacingOccurrences(of: "+", with: " ")
        let query = SearchQuery(raw)
        let (hits, broadened) = try await index.search(query)
        var groups: [ResultGroup] = []
        if let session = ctx.session, !query.isEmpty {
            for provider in userSearch {
                let mine = try await provider.search(query, userId: session.userId, limit: 10)
                if !mine.isEmpty { groups.append(ResultGroup(title: provider.groupTitle, results: mine.map(ResultModel.init))) }
            }
        }
        let page = SearchPage(
            layout: views.layout(query: query.text, path: "/search?q=" + SafeRedirect.queryEncode(query.text), session: ctx.session),
            query: query.text, hasQuery: !query.text.trimmingCharacters(in: .whitespaces).isEmpty, searchable: !query.isEmpty,
            truncated: query.truncated, maxCharacters: SearchQuery.maxCharacters, broadened: broadened,
            results: hits.map(ResultModel.init), count: hits.count, countUnit: hits.count == 1 ? "result" : "results",
            userGroups: groups)
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: views.render(page, template: "search"))))
    }
}

struct ResultModel {
    let url: String, kind: String, context: String
    let title: [HighlightSegment]
    let snippet: [HighlightSegment]
    init(_ hit: SearchHit) {
        url = hit.url
        kind = hit.kind
        context = hit.context
        title = hit.title
        snippet = hit.snippet
    }
}

struct ResultGroup {
    let title: String
    let results: [ResultModel]
}

struct SearchPage {
    let layout: LayoutModel
    let query: String
    /// Something was typed.
    let hasQuery: Bool
    /// It contained at least one word.
    let searchable: Bool
    let truncated: Bool, maxCharacters: Int
    let broadened: Bool
    let results: [ResultModel]
    let count: Int, countUnit: String
    let userGroups: [ResultGroup]
}
