import Foundation
import Hummingbird
import KnowledgeBase
import Storage

/// Which sections of which chapters can be marked as read: every `##` section of the framework, foundations chapters
/// and case studies, except the flashcards list (cards have their own schedule).
struct ProgressCatalog: Sendable {
    struct Section: Sendable {
        let id: String
        let title: String
    }

    /// Chapter URL → its markable sections, in order.
    let sections: [String: [Section]]
    /// Chapter URLs in reading order.
    let chapters: [String]

    init(kb: KnowledgeBase) {
        var sections: [String: [Section]] = [:]
        var chapters: [String] = []
        for doc in kb.documents where [.framework, .foundation, .caseStudy].contains(doc.kind) {
            let markable = doc.sections.filter { !$0.id.isEmpty && $0.title != "Flashcards" }.map { Section(id: $0.id, title: $0.title) }
            guard !markable.isEmpty else { continue }
            sections[doc.url] = markable
            chapters.append(doc.url)
        }
        self.sections = sections
        self.chapters = chapters
    }

    /// Read and total markable sections of `url`, counting only ids that still exist in the content.
    func count(_ url: String, read: Set<String>) -> (read: Int, total: Int) {
        let all = sections[url] ?? []
        return (all.filter { read.contains($0.id) }.count, all.count)
    }

    /// Where to pick up: after the most recently marked section, the next unread one in that chapter; if the chapter
    /// is done, the first unread section of the following chapters. Nil when everything is read (or nothing yet).
    func continueReading(latest: ReadingProgressEntry?, read: [String: Set<String>]) -> (url: String, section: Section)? {
        guard let latest, let index = chapters.firstIndex(of: latest.documentUrl) else { return nil }
        let ordered = chapters[index...] + chapters[..<index]
        for url in ordered {
            let all = sections[url] ?? []
            let done = read[url] ?? []
            var candidates = all[...]
            if url == latest.documentUrl, let at = all.firstIndex(where: { $0.id == latest.sectionId }) {
                candidates = all[(at + 1)...] + all[..<at]
            }
            if let next = candidates.first(where: { !done.contains($0.id) }) { return (url, next) }
        }
        return nil
    }
}

/// `POST /me/progress`: mark a section (field `section`) or a whole chapter (no `section`) as read or unread
/// (`action=unread`), then go back to where the button was. Plain form posts; no JavaScript needed.
struct ProgressController: Sendable {
    let progress: any ReadingProgressRepository
    let catalog: ProgressCatalog
    let maxBodyBytes: Int

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/me/progress") { req, ctx in try await mark(req, ctx) }
    }

    func mark(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let url = form["document"] ?? ""
        // The document must be a chapter we serve: this also makes the redirect below safe.
        guard let sections = catalog.sections[url] else {
            throw AppError(.badRequest, "There is no chapter at “\(url.prefix(80))” to mark as read.")
        }
        guard let session = ctx.session else { throw SignInRequired(next: url) }
        let sectionId = form["section"] ?? ""
        let ids: [String]
        if sectionId.isEmpty {
            ids = sections.map(\.id)
        } else {
            guard sections.contains(where: { $0.id == sectionId }) else {
                throw AppError(.badRequest, "That chapter has no section “\(sectionId.prefix(80))”.")
            }
            ids = [sectionId]
        }
        if form["action"] == "unread" {
            try await progress.markUnread(userId: session.userId, documentUrl: url, sectionIds: ids)
        } else {
            try await progress.markRead(userId: session.userId, documentUrl: url, sectionIds: ids, at: Date())
        }
        return .redirect(to: url + "#" + (sectionId.isEmpty ? "chapter-progress" : sectionId))
    }
}
