import KnowledgeBase

// One view-model struct per page; templates read these through Mustache's reflection.

/// Read sections of a chapter, for a `<progress>` bar and its text.
/// Stored, not computed, properties throughout: Mustache reads models by reflection, which sees only stored ones.
struct ProgressModel {
    let read: Int, total: Int
    let percent: Int
    let complete: Bool
    init(read: Int, total: Int) {
        self.read = read
        self.total = total
        percent = total == 0 ? 0 : Int((Double(read) * 100 / Double(total)).rounded())
        complete = total > 0 && read >= total
    }
}

struct TileModel {
    let url: String, title: String, summary: String, difficulty: String, minutes: Int, tags: [String]
    /// The signed-in reader's progress (nil for anonymous pages).
    let progress: ProgressModel?
    init(_ d: Document, progress: ProgressModel? = nil) {
        url = d.url
        title = d.title
        summary = d.summary
        difficulty = d.difficulty ?? ""
        minutes = d.minutes
        tags = d.tags
        self.progress = progress
    }
}

/// "Continue where you left off".
struct ContinueModel {
    let url: String, chapter: String, section: String
}

struct StepModel {
    let n: Int, id: String, title: String, minutes: Int
}

struct HomePage {
    let layout: LayoutModel
    let steps: [StepModel]
    let foundations: [TileModel]
    let cases: [TileModel]
    let signedIn: Bool
    let resume: ContinueModel?
    let framework: ProgressModel?
}

struct TOCItem {
    let id: String, title: String, hasChildren: Bool, children: [TOCItem]
    /// Marked as read by the signed-in reader (a check mark in the table of contents).
    let read: Bool
    init(_ e: TOCEntry, read: Set<String> = []) {
        id = e.id
        title = e.title
        hasChildren = !e.children.isEmpty
        children = e.children.map { TOCItem($0, read: read) }
        self.read = read.contains(e.id)
    }
}

struct SectionModel {
    let html: String
    let id: String, title: String
    /// Show the mark-as-read form after this section.
    let markable: Bool
    let read: Bool
    /// Mock interviews: open / close the "try it yourself first" fold around the solution sections.
    var gateStart = false
    var gateEnd = false
}

struct DocumentPage {
    let layout: LayoutModel
    let url: String
    let title: String, summary: String, minutes: Int, difficulty: String?, tags: [String]
    let hasCards: Bool, cardCount: Int
    let toc: [TOCItem]
    let sections: [SectionModel]
    let sectionLink: DocumentLink?
    let previous: DocumentLink?, next: DocumentLink?
    /// Signed-in only: the token for the mark-as-read forms, and the chapter's progress.
    let csrfToken: String?
    let progress: ProgressModel?
    /// Anonymous chapters: where to sign in to track progress.
    let signInToTrack: String?
    /// Case studies: the "start a mock interview" box.
    var mockInterview: MockInterviewModel? = nil
}

struct TagModel {
    let name: String, active: Bool
}

struct CasesPage {
    let layout: LayoutModel
    let tag: String?
    let tags: [TagModel]
    let cases: [TileModel]
}

struct UsageModel {
    let url: String, title: String, last: Bool
}

struct TermModel {
    let id: String, term: String, definitionHTML: String, hasUsage: Bool, usedIn: [UsageModel]
}

struct LetterGroup {
    let letter: String
    let terms: [TermModel]
}

struct GlossaryPage {
    let layout: LayoutModel
    let termCount: Int
    let letters: [String]
    let groups: [LetterGroup]
    let introHTML: String
}

struct ErrorPage {
    let layout: LayoutModel
    let status: Int, heading: String, message: String, requestId: String
}

// MARK: accounts

struct SignUpPage {
    let layout: LayoutModel
    let csrfToken: String, next: String, loginURL: String
    let username: String
    let usernameError: String?, passwordError: String?
}

struct SignInPage {
    let layout: LayoutModel
    let csrfToken: String, next: String, signUpURL: String
    let username: String
    let error: String?
    /// Came here from a practice feature: say why signing in is needed.
    let askedToSignIn: Bool
    /// After "sign out everywhere": say that it happened.
    var signedOutEverywhere: Bool = false
}

struct SignOutPage {
    let layout: LayoutModel
    let csrfToken: String?
    let deleted: Bool
}

struct AccountPage {
    let layout: LayoutModel
    let username: String, memberSince: String, csrfToken: String
    let notice: String?
    let currentPasswordError: String?, newPasswordError: String?, deleteError: String?
}
