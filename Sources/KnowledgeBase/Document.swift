/// What a content file is, which decides its URL and the rules it must follow.
public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case framework
    case foundation
    case caseStudy = "case-study"
    case glossary
    case compare
}

/// The seven steps of the ML system design framework, in interview order.
public enum FrameworkStep: String, Sendable, Codable, CaseIterable {
    case requirements, framing, data, model, evaluation, serving, monitoring

    /// The exact `##` section title a case study uses for this step.
    public var sectionTitle: String {
        switch self {
        case .requirements: "Clarifying requirements"
        case .framing: "Framing as an ML task"
        case .data: "Data preparation"
        case .model: "Model development"
        case .evaluation: "Evaluation"
        case .serving: "Deployment and serving"
        case .monitoring: "Monitoring and infrastructure"
        }
    }

    /// The heading id of that section.
    public var sectionId: String { slugify(sectionTitle) }

    /// Suggested minutes for this step in a 45-minute interview, as in the framework guide (43, plus 2 to wrap up).
    public var suggestedMinutes: Int {
        switch self {
        case .requirements: 5
        case .framing: 4
        case .data: 7
        case .model: 10
        case .evaluation: 6
        case .serving: 7
        case .monitoring: 4
        }
    }
}

/// A flashcard declared in content.
public struct ContentCard: Sendable, Equatable {
    /// Stable id: `<slug>/<key>`.
    public var id: String
    /// The question, as Markdown and as HTML.
    public var question: String
    public var questionHTML: String
    /// The answer, as Markdown and as HTML.
    public var answer: String
    public var answerHTML: String
    /// The line in the source file.
    public var line: Int
}

/// A glossary entry.
public struct GlossaryTerm: Sendable, Codable, Equatable {
    /// The term as displayed.
    public var term: String
    /// Stable anchor on `/glossary`.
    public var id: String
    /// Other spellings that count as the term.
    public var aliases: [String]
    /// Markdown definition.
    public var definition: String
    /// Rendered definition (filled in by the loader).
    public var definitionHTML: String = ""
    /// URLs and titles of chapters that use the term (filled in by the loader).
    public var usedIn: [DocumentLink] = []

    enum CodingKeys: String, CodingKey { case term, id, aliases, definition }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        term = try c.decode(String.self, forKey: .term)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? slugify(term)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        definition = try c.decode(String.self, forKey: .definition)
    }
}

/// A link to a document, for lists and navigation.
public struct DocumentLink: Sendable, Codable, Equatable {
    /// The page URL.
    public var url: String
    /// The page title.
    public var title: String
    /// Creates a link.
    public init(url: String, title: String) {
        self.url = url
        self.title = title
    }
}

/// An entry of a document's table of contents (`##` sections with their `###` children).
public struct TOCEntry: Sendable, Equatable {
    /// Heading id.
    public var id: String
    /// Heading text.
    public var title: String
    /// Nested `###` entries.
    public var children: [TOCEntry]
}

/// A `##` section of a document, rendered.
public struct DocumentSection: Sendable, Equatable {
    /// Heading id (empty for the introduction before the first `##`).
    public var id: String
    /// Heading text ("" for the introduction).
    public var title: String
    /// The section's HTML, heading included.
    public var html: String
    /// The section's plain text, for search.
    public var text: String
    /// The framework step this section covers, if it is one of the seven.
    public var step: FrameworkStep?
}

/// One rendered content file.
public struct Document: Sendable {
    /// The kind, which decides the URL.
    public var kind: DocumentKind
    /// URL slug (the file name without `.md`).
    public var slug: String
    /// Title from front matter.
    public var title: String
    /// One-sentence summary.
    public var summary: String
    /// Position in its index.
    public var order: Int
    /// Tags.
    public var tags: [String]
    /// beginner / intermediate / advanced (case studies).
    public var difficulty: String?
    /// Reading time in minutes.
    public var minutes: Int
    /// Words of prose.
    public var wordCount: Int
    /// The page URL.
    public var url: String
    /// The file, relative to the content directory.
    public var file: String
    /// Sections in order; `sections[0]` is the introduction (possibly empty).
    public var sections: [DocumentSection]
    /// The table of contents.
    public var toc: [TOCEntry]
    /// Flashcards declared in the file.
    public var cards: [ContentCard]
    /// Number of diagrams.
    public var diagramCount: Int
    /// Number of tables.
    public var tableCount: Int
    /// Every heading id, for link checking.
    public var anchors: Set<String>
    /// Every link destination with its line in the file.
    public var links: [LinkReference]

    /// The whole body as HTML.
    public var html: String { sections.map(\.html).joined() }

    /// The URL a document of `kind` with `slug` lives at.
    public static func url(kind: DocumentKind, slug: String) -> String {
        switch kind {
        case .framework: "/framework"
        case .foundation: "/foundations/\(slug)"
        case .caseStudy: "/cases/\(slug)"
        case .glossary: "/glossary"
        case .compare: "/compare"
        }
    }
}
