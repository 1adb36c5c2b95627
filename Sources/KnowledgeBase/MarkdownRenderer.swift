import CMarkGFM
#if canImport(Glibc)
import Glibc
#endif

/// A heading found while rendering: its level, plain text, the id given to it and its 1-based line in the Markdown.
public struct Heading: Sendable, Equatable {
    /// 1–6.
    public var level: Int
    /// The heading's text without markup.
    public var text: String
    /// The `id` attribute written on the element.
    public var id: String
    /// The line of the heading in the rendered Markdown (1-based).
    public var line: Int
}

/// A link's destination and the line of the block it sits in.
public struct LinkReference: Sendable, Equatable {
    /// The destination exactly as written.
    public var url: String
    /// The 1-based line of the enclosing block.
    public var line: Int
}

/// A fenced ```dot block pulled out of the document, to be replaced by its SVG.
public struct DiagramSource: Sendable, Equatable {
    /// The Graphviz source.
    public var source: String
    /// The caption given after `dot ` in the info string (may be empty).
    public var caption: String
    /// The 1-based line of the fence.
    public var line: Int
    /// The text that stands in the HTML where the diagram goes.
    public var placeholder: String
}

/// The output of one Markdown rendering pass.
public struct RenderedMarkdown: Sendable {
    /// The HTML, with heading ids set and diagram placeholders in place of ```dot blocks.
    public var html: String
    /// Every heading in document order.
    public var headings: [Heading]
    /// Every link and image destination.
    public var links: [LinkReference]
    /// Every ```dot block, when diagrams are extracted.
    public var diagrams: [DiagramSource]
    /// Plain text per `##` section (index 0 is the text before the first `##`), code excluded.
    public var sectionText: [String]
    /// Words in the prose (code blocks excluded).
    public var wordCount: Int
}

/// Markdown → HTML through cmark-gfm with the GFM extensions. Raw HTML is never passed through (it is replaced by
/// a comment) and unsafe URL schemes such as `javascript:` are dropped: cmark-gfm does both unless told otherwise.
public struct MarkdownRenderer: Sendable {
    // cmark-gfm option bits (from cmark-gfm.h; spelled out so the meaning is visible here).
    private static let optFootnotes: Int32 = 1 << 13
    private static let optSmart: Int32 = 1 << 10
    private static let optStrikethroughDoubleTilde: Int32 = 1 << 14
    private static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]

    /// Registers cmark-gfm's extensions exactly once per process. cmark's own `ensure_registered` checks a plain
    /// static flag: two threads rendering their first documents at once (startup parses files in parallel) could
    /// both register, and the second registration renumbers the table node types under the first one's parser. The
    /// crash test caught a start dying in `finalize: Assertion b->flags & CMARK_NODE__OPEN`. A Swift static is
    /// initialised once, thread-safely.
    private static let registerExtensions: Void = cmark_gfm_core_extensions_ensure_registered()

    /// Creates a renderer.
    public init() { Self.registerExtensions }

    /// Renders `markdown`. With `extractDiagrams`, each ```dot block becomes a placeholder paragraph listed in
    /// `diagrams`; otherwise it stays a code block. `placeholderPrefix` keeps placeholders unique across documents.
    public func render(_ markdown: String, extractDiagrams: Bool = false, placeholderPrefix: String = "d") -> RenderedMarkdown {
        Self.registerExtensions
        let options = Self.optFootnotes | Self.optSmart | Self.optStrikethroughDoubleTilde
        guard let parser = cmark_parser_new(options) else {
            return RenderedMarkdown(html: "", headings: [], links: [], diagrams: [], sectionText: [""], wordCount: 0)
        }
        defer { cmark_parser_free(parser) }
        for name in Self.extensionNames {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        markdown.withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        guard let root = cmark_parser_finish(parser) else {
            return RenderedMarkdown(html: "", headings: [], links: [], diagrams: [], sectionText: [""], wordCount: 0)
        }
        defer { cmark_node_free(root) }

        var headings: [Heading] = []
        var links: [LinkReference] = []
        var diagrams: [DiagramSource] = []
        var sectionText = [""]
        var wordCount = 0
        var usedIds: [String: Int] = [:]
        var codeBlocksToReplace: [(OpaquePointer, DiagramSource)] = []

        let iter = cmark_iter_new(root)
        defer { cmark_iter_free(iter) }
        while true {
            let ev = cmark_iter_next(iter)
            if ev == CMARK_EVENT_DONE { break }
            guard ev == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iter) else { continue }
            let type = cmark_node_get_type(node)
            switch type {
            case CMARK_NODE_HEADING:
                let level = Int(cmark_node_get_heading_level(node))
                let text = Self.plainText(of: node)
                var id = slugify(text)
                if id.isEmpty { id = "section" }
                if let n = usedIds[id] {
                    usedIds[id] = n + 1
                    id += "-\(n + 1)"
                } else {
                    usedIds[id] = 1
                }
                headings.append(Heading(level: level, text: text, id: id, line: Int(cmark_node_get_start_line(node))))
                if level == 2 { sectionText.append("") }
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
                let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                links.append(LinkReference(url: url, line: Self.blockLine(of: node)))
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let lit = cmark_node_get_literal(node) {
                    let s = String(cString: lit)
                    sectionText[sectionText.count - 1] += s
                    if type == CMARK_NODE_TEXT { wordCount += Self.countWords(s) }
                }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                sectionText[sectionText.count - 1] += " "
            case CMARK_NODE_PARAGRAPH, CMARK_NODE_ITEM:
                sectionText[sectionText.count - 1] += " "
            case CMARK_NODE_CODE_BLOCK:
                let info = cmark_node_get_fence_info(node).map { String(cString: $0) } ?? ""
                if extractDiagrams, info == "dot" || info.hasPrefix("dot ") {
                    let caption = String(info.dropFirst(3)).trimmingCharacters(in: " \t")
                    let source = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
                    let placeholder = "CASEBOOKDIAGRAM\(placeholderPrefix)X\(diagrams.count)X"
                    let d = DiagramSource(source: source, caption: caption, line: Int(cmark_node_get_start_line(node)),
                                          placeholder: placeholder)
                    diagrams.append(d)
                    codeBlocksToReplace.append((node, d))
                }
            default:
                // Table cells come from the table extension and have no fixed type constant.
                if let name = cmark_node_get_type_string(node), strcmp(name, "table_cell") == 0 {
                    sectionText[sectionText.count - 1] += " "
                }
            }
        }
        // Swap the diagram code blocks for placeholder paragraphs after the walk (mutating during it is unsafe).
        for (node, d) in codeBlocksToReplace {
            let para = cmark_node_new(CMARK_NODE_PARAGRAPH)
            let text = cmark_node_new(CMARK_NODE_TEXT)
            d.placeholder.withCString { _ = cmark_node_set_literal(text, $0) }
            cmark_node_append_child(para, text)
            cmark_node_replace(node, para)
            cmark_node_free(node)
        }

        let extensions = cmark_parser_get_syntax_extensions(parser)
        var html = ""
        if let out = cmark_render_html(root, options, extensions) {
            html = String(cString: out)
            free(out)
        }
        html = Self.addHeadingIds(html, headings: headings)
        // Task-list checkboxes are display-only; give them an accessible name (raw HTML is off, so these are ours).
        if html.contains("type=\"checkbox\"") {
            html = html.replacingAll("<input type=\"checkbox\"", with: "<input aria-label=\"Checklist item\" type=\"checkbox\"")
        }
        for d in diagrams {
            html = html.replacingAll("<p>\(d.placeholder)</p>", with: d.placeholder)
        }
        return RenderedMarkdown(html: html, headings: headings, links: links, diagrams: diagrams,
                                sectionText: sectionText, wordCount: wordCount)
    }

    /// Renders a short piece of inline Markdown (a flashcard side) without the enclosing paragraph.
    public func renderInline(_ markdown: String) -> String {
        var html = render(markdown).html.trimmingCharacters(in: " \n")
        if html.hasPrefix("<p>") && html.hasSuffix("</p>") && html.components(separatedBy: "<p>").count == 2 {
            html = String(html.dropFirst(3).dropLast(4))
        }
        return html
    }

    // The HTML renderer writes `<hN>` with no attributes; raw HTML is off, so every literal `<hN>` in the output
    // is one of ours, in document order.
    private static func addHeadingIds(_ html: String, headings: [Heading]) -> String {
        guard !headings.isEmpty else { return html }
        var out = ""
        out.reserveCapacity(html.utf8.count + headings.count * 24)
        var rest = Substring(html)
        for h in headings {
            let tag = "<h\(h.level)>"
            guard let r = rest.range(of: tag) else { break }
            out += rest[..<r.lowerBound]
            out += "<h\(h.level) id=\"\(h.id)\">"
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }

    private static func plainText(of node: OpaquePointer) -> String {
        var text = ""
        let iter = cmark_iter_new(node)
        defer { cmark_iter_free(iter) }
        while true {
            let ev = cmark_iter_next(iter)
            if ev == CMARK_EVENT_DONE { break }
            guard ev == CMARK_EVENT_ENTER, let n = cmark_iter_get_node(iter) else { continue }
            let t = cmark_node_get_type(n)
            if t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE, let lit = cmark_node_get_literal(n) {
                text += String(cString: lit)
            }
        }
        return text.trimmingCharacters(in: " \t")
    }

    // Inline nodes carry no reliable position; use the nearest enclosing block's line.
    private static func blockLine(of node: OpaquePointer) -> Int {
        var current: OpaquePointer? = node
        while let n = current {
            let line = Int(cmark_node_get_start_line(n))
            if line > 0 { return line }
            current = cmark_node_parent(n)
        }
        return 0
    }

    static func countWords(_ s: String) -> Int {
        var count = 0
        var inWord = false
        for u in s.utf8 {
            let isWordByte = (u >= 48 && u <= 57) || (u >= 65 && u <= 90) || (u >= 97 && u <= 122) || u >= 128
            if isWordByte && !inWord { count += 1 }
            inWord = isWordByte || (inWord && (u == 39 || u == 45))
        }
        return count
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
