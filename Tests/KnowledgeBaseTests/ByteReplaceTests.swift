import Foundation
import Testing
@testable import KnowledgeBase

/// `replacingAll` must give what Foundation's `replacingOccurrences` gives for the needles the pipeline uses.
@Suite struct ByteReplaceTests {
    static let cases: [(String, String, String)] = [
        ("", "a", "b"),
        ("abc", "x", "y"),
        ("aaaa", "aa", "b"),                      // non-overlapping, left to right
        ("aaa", "aa", "aab"),                     // the replacement is not searched again
        ("xyzxyz", "xyz", ""),
        ("<p>CBDIAGRAM0</p> and <p>CBDIAGRAM0</p>", "<p>CBDIAGRAM0</p>", "CBDIAGRAM0"),
        ("line\r\nnext\r\n\r\nend\r", "\r\n", "\n"),
        ("&lt;b&gt; &amp;lt; caf\u{e9} \u{1F600} &amp;", "&amp;", "&"),
        ("naïve <svg role=\"img\"> ünïcode", "role=\"img\"", "role=\"img\" aria-label=\"A → B\""),
        ("ends with needle ab", "ab", "[ab]"),
        ("ab at the start", "ab", "[ab]"),
        ("a", "abc", "x"),                        // needle longer than the text
        ("🙂🙂🙂", "🙂", "ok"),
    ]

    @Test(arguments: cases) func matchesFoundation(text: String, target: String, replacement: String) {
        #expect(text.replacingAll(target, with: replacement) == text.replacingOccurrences(of: target, with: replacement))
    }

    @Test func emptyTargetChangesNothing() {
        #expect("abc".replacingAll("", with: "x") == "abc")
    }
}
