import Foundation
import Testing
@testable import WebApp

/// Pages rendered once for every signed-in reader, with the account menu filled in per request, must equal a full
/// render for that reader.
@Suite struct AccountPagesTests {
    @Test(arguments: [("ada", "tok_en-123"), ("x<y>&\"'", "a&b<c>")])
    func filledInPagesEqualAFullRender(username: String, token: String) async throws {
        let services = try await SharedServices.shared.get()
        let kb = services.knowledgeBase
        let catalog = ProgressCatalog(kb: kb)
        let pages = services.accountPages
        #expect(Set(pages.urls).isSuperset(of: ["/glossary", "/compare"]))
        // Chapters with sections to mark and case studies have per-reader parts beyond the header.
        #expect(!pages.urls.contains("/framework"))
        #expect(!pages.urls.contains { $0.hasPrefix("/cases/") || $0.hasPrefix("/foundations/") })
        let session = CurrentSession(sessionId: 7, userId: 7, username: username, csrfToken: token, timeZone: "Europe/Paris", dayStartHour: 4)
        for url in pages.urls {
            let filled = try #require(pages.page(url, for: session))
            let full = url == "/glossary"
                ? ContentController.glossary(kb: kb, views: services.views, session: session)
                : ContentController.document(try #require(kb.document(at: url)), kb: kb, views: services.views, catalog: catalog, session: session)
            #expect(filled == full, "\(url)")
            #expect(!filled.contains("\u{1}"), "\(url)")
        }
    }

    @Test func signedInGlossaryShowsTheReadersAccountMenu() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("glossary-reader")
            let token = try await b.csrfToken(from: "/me")
            let r = try await b.get("/glossary")
            #expect(r.status == .ok)
            #expect(r.text.contains(">glossary-reader</a>"))
            #expect(r.text.contains("action=\"/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"\(token)\">"))
            #expect(r.headers[.cacheControl] == "private, no-store")
        }
    }
}
