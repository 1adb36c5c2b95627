import KnowledgeBase

// One view-model struct per page; templates read these through Mustache's reflection.

struct TileModel {
    let url: String, title: String, summary: String, difficulty: String, minutes: Int, tags: [String]
    init(_ d: Document) {
        url = d.url
        title = d.title
        summary = d.summary
        difficulty = d.difficulty ?? ""
        minutes = d.minutes
        tags = d.tags
    }
}

struct StepModel {
    let n: Int, id: String, title: String, minutes: Int
}

struct HomePage {
    let layout: LayoutModel
    let steps: [StepModel]
    let foundations: [TileModel]
    let cases: [TileModel]
}

struct TOCItem {
    let id: String, title: String, hasChildren: Bool, children: [TOCItem]
    init(_ e: TOCEntry) {
        id = e.id
        title = e.title
        hasChildren = !e.children.isEmpty
        children = e.children.map(TOCItem.init)
    }
}

struct SectionModel {
    let html: String
}

struct DocumentPage {
    let layout: LayoutModel
    let title: String, summary: String, minutes: Int, difficulty: String?, tags: [String]
    let hasCards: Bool, cardCount: Int
    let toc: [TOCItem]
    let sections: [SectionModel]
    let sectionLink: DocumentLink?
    let previous: DocumentLink?, next: DocumentLink?
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
