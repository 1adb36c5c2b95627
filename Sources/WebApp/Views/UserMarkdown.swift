import Foundation
import KnowledgeBase
import NIOPosix

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

/// Learner Markdown rendered off the request's task, at most `limit` at a time, with a bounded queue: Debian's
/// cmark-gfm 0.29.0.gfm.6 predates upstream's fixes for quadratic inputs, so one pathological preview can cost
/// seconds of CPU. The cap keeps such renders from taking every core; past the queue the caller gets a clear
/// "busy" instead of waiting (issue 18).
actor LearnerMarkdownGate {
    static let shared = LearnerMarkdownGate(limit: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: 8)

    let limit: Int
    let queue: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, queue: Int) {
        self.limit = limit
        self.queue = queue
    }

    struct Busy: Error {}

    /// The HTML of `markdown`, rendered on NIO's thread pool once a slot is free; `Busy` when the queue is full.
    func render(_ markdown: String) async throws -> String {
        if running >= limit {
            guard waiting.count < queue else { throw Busy() }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await NIOThreadPool.singleton.runIfActive { UserMarkdown.html(markdown) }
    }
}
