import Foundation
import KnowledgeBase
import Storage

/// Plugs attempts into the dashboard (recent attempts with their grader score once graded), the day streak and search.
struct AttemptActivity: AttemptActivityProvider, UserSearchProvider {
    let kb: KnowledgeBase
    let database: AppDatabase
    let attempts: any AttemptRepository
    /// For the scores of attempts already graded (the dashboard never grades).
    let grader: GraderService?

    init(kb: KnowledgeBase, database: AppDatabase, grader: GraderService? = nil) {
        self.kb = kb
        self.database = database
        self.grader = grader
        attempts = SQLiteAttemptStore(database)
    }

    func recentAttempts(userId: Int64, limit: Int) async throws -> [AttemptSummary] {
        var out: [AttemptSummary] = []
        var scores: [Int64: Int] = [:]
        if let grader { scores = try await AttemptGrading(grader: grader, attempts: attempts).currentScores(userId: userId, caseSlug: nil) }
        for a in try await attempts.attempts(userId: userId, caseSlug: nil, limit: limit) {
            guard let doc = kb.document(at: "/cases/\(a.caseSlug)") else { continue }
            var status = AttemptController.status(a)
            if let score = scores[a.id] { status += " · graded \(score)/100" }
            if let g = AttemptController.gradeSummary(a.grades) { status += " · self-graded \(g)" }
            out.append(AttemptSummary(url: "/attempts/\(a.id)", caseTitle: doc.title, startedAt: a.startedAt, status: status))
        }
        return out
    }

    func skillProfile(userId: Int64) async throws -> AttemptProgress.Profile? {
        guard let grader else { return nil }
        let graded = try await AttemptGrading(grader: grader, attempts: attempts).graded(userId: userId, caseSlug: nil)
        let cases = kb.documents(of: .caseStudy)
        return AttemptProgress.profile(
            graded, rubrics: kb.rubrics, titles: Dictionary(cases.map { ($0.slug, $0.title) }, uniquingKeysWith: { a, _ in a }),
            caseURLs: Dictionary(cases.map { ($0.slug, $0.url) }, uniquingKeysWith: { a, _ in a }))
    }

    func attemptDates(userId: Int64, since: Date) async throws -> [Date] {
        try await attempts.activityDates(userId: userId, since: since)
    }

    var groupTitle: String { "Your mock interviews" }

    func search(_ query: SearchQuery, userId: Int64, limit: Int) async throws -> [SearchHit] {
        let found = try await attempts.search(userId: userId, terms: query.terms, limit: limit)
        return found.compactMap { a, steps in
            guard let doc = kb.document(at: "/cases/\(a.caseSlug)") else { return nil }
            let text = steps.map(\.body).joined(separator: " ")
            return SearchHit(url: "/attempts/\(a.id)", kind: "Your attempt", context: doc.title,
                             title: [HighlightSegment(text: "Mock interview: \(doc.title)", match: false)],
                             snippet: Self.snippet(text, terms: query.terms))
        }
    }

    /// About 160 characters around the first match, with every occurrence of a term marked.
    static func snippet(_ text: String, terms: [String]) -> [HighlightSegment] {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        let lower = flat.lowercased()
        guard lower.count == flat.count else { return [HighlightSegment(text: String(flat.prefix(160)), match: false)] }
        let first = terms.compactMap { lower.range(of: $0)?.lowerBound }.min() ?? lower.startIndex
        let startOffset = max(0, lower.distance(from: lower.startIndex, to: first) - 60)
        let chars = Array(flat), lchars = Array(lower)
        let end = min(chars.count, startOffset + 160)
        var segments: [HighlightSegment] = []
        var i = startOffset, plain = ""
        while i < end {
            if let t = terms.first(where: { !$0.isEmpty && i + $0.count <= lchars.count && String(lchars[i..<(i + $0.count)]) == $0 }) {
                if !plain.isEmpty { segments.append(HighlightSegment(text: plain, match: false)); plain = "" }
                segments.append(HighlightSegment(text: String(chars[i..<(i + t.count)]), match: true))
                i += t.count
            } else {
                plain.append(chars[i])
                i += 1
            }
        }
        if !plain.isEmpty { segments.append(HighlightSegment(text: plain, match: false)) }
        if startOffset > 0 { segments.insert(HighlightSegment(text: "… ", match: false), at: 0) }
        if end < chars.count { segments.append(HighlightSegment(text: " …", match: false)) }
        return segments
    }
}

extension LearnerHooks {
    /// The same hooks with the attempt hooks reading `database` (tests give each app a fresh database).
    func rebound(to database: AppDatabase) -> LearnerHooks {
        var hooks = self
        if let a = attempts as? AttemptActivity { hooks.attempts = AttemptActivity(kb: a.kb, database: database, grader: a.grader) }
        hooks.userSearch = userSearch.map { p in
            (p as? AttemptActivity).map { AttemptActivity(kb: $0.kb, database: database, grader: $0.grader) } ?? p
        }
        return hooks
    }
}
