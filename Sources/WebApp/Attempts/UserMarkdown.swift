import Foundation
import KnowledgeBase

/// Renders a learner's Markdown through the same cmark-gfm pipeline as the content (raw HTML off: tags become
/// `<!-- raw HTML omitted -->`; `javascript:`, `vbscript:`, `file:` and non-image `data:` URLs are emptied), plus two
/// rules for text that is not ours: no `data:` URL survives even in an image (cmark keeps `data:image/png`), and
/// headings lose their ids so an answer cannot reuse an id of the page around it.
enum UserMarkdown {
    private static let dataURL = try! NSRegularExpression(pattern: #"(href|src)="\s*data:[^"]*""#, options: [.caseInsensitive])
    private static let headingId = try! NSRegularExpression(pattern: #"<h([1-6]) id="[^"]*">"#)

    static func html(_ markdown: String) -> String {
        var html = MarkdownRenderer().render(markdown).html
        html = dataURL.stringByReplacingMatches(in: html, range: NSRange(html.startIndex..., in: html), withTemplate: "$1=\"\"")
        html = headingId.stringByReplacingMatches(in: html, range: NSRange(html.startIndex..., in: html), withTemplate: "<h$1>")
        return html
    }
}
