import Foundation

/// One sentence or bullet of a learner's answer: the unit a rubric point is credited on, with where it sits in the
/// step's text so the review page can quote and highlight it.
public struct AnswerUnit: Sendable, Equatable {
    /// The text, without its bullet marker.
    public let text: String
    /// Offsets in UTF-16 code units of the step text (what a browser's `String` indexes), end exclusive.
    public let start: Int
    public let end: Int
    /// Whether it came from a list item.
    public let isBullet: Bool
}

/// Splits Markdown into sentences and bullets.
///
/// Headings are skipped; a list item is a unit of its own and is split further only at sentence ends, as is a
/// paragraph. A sentence ends at `.`, `!` or `?` followed by whitespace, except after an abbreviation (e.g., i.e.,
/// vs., etc.) or inside a number (`0.5`, `v1.2`).
public enum AnswerSplitter {
    static let abbreviations: Set<String> = ["e.g", "i.e", "vs", "etc", "cf", "approx", "incl", "resp", "dr", "mr", "ms"]

    public static func units(_ text: String) -> [AnswerUnit] {
        let utf16 = Array(text.utf16)
        var units: [AnswerUnit] = []
        var lineStart = 0
        while lineStart <= utf16.count {
            var lineEnd = lineStart
            while lineEnd < utf16.count && utf16[lineEnd] != 10 { lineEnd += 1 }
            splitLine(utf16, lineStart, lineEnd, into: &units)
            lineStart = lineEnd + 1
        }
        return units
    }

    private static func isSpace(_ c: UInt16) -> Bool { c == 32 || c == 9 || c == 13 || c == 0xA0 }

    private static func splitLine(_ s: [UInt16], _ from: Int, _ to: Int, into units: inout [AnswerUnit]) {
        var i = from
        while i < to && isSpace(s[i]) { i += 1 }
        guard i < to else { return }
        if s[i] == 35 { return }  // a `#` heading
        var bullet = false
        // "- ", "* ", "+ " and "12. " / "3) " list markers.
        if (s[i] == 45 || s[i] == 42 || s[i] == 43) && i + 1 < to && isSpace(s[i + 1]) {
            bullet = true
            i += 2
        } else {
            var j = i
            while j < to && s[j] >= 48 && s[j] <= 57 { j += 1 }
            if j > i && j + 1 < to && (s[j] == 46 || s[j] == 41) && isSpace(s[j + 1]) {
                bullet = true
                i = j + 2
            }
        }
        // A task-list box or a block quote marker is not part of the sentence.
        if i + 3 < to && s[i] == 91 && s[i + 2] == 93 && isSpace(s[i + 3]) { i += 4 }
        while i < to && (isSpace(s[i]) || s[i] == 62) { i += 1 }
        var start = i
        var k = i
        while k < to {
            let c = s[k]
            if (c == 46 || c == 33 || c == 63) && k + 1 < to && isSpace(s[k + 1]) && !isAbbreviation(s, start, k) {
                emit(s, start, k + 1, bullet, &units)
                start = k + 1
            }
            k += 1
        }
        emit(s, start, to, bullet, &units)
    }

    private static func isAbbreviation(_ s: [UInt16], _ start: Int, _ dot: Int) -> Bool {
        var j = dot
        while j > start && !isSpace(s[j - 1]) && s[j - 1] != 40 { j -= 1 }
        let word = String(decoding: s[j..<dot], as: UTF16.self).lowercased()
        return abbreviations.contains(word) || (word.count == 1 && word.first?.isLetter == true)
    }

    private static func emit(_ s: [UInt16], _ from: Int, _ to: Int, _ bullet: Bool, _ units: inout [AnswerUnit]) {
        var a = from
        var b = to
        while a < b && isSpace(s[a]) { a += 1 }
        while b > a && isSpace(s[b - 1]) { b -= 1 }
        guard b > a else { return }
        let text = String(decoding: s[a..<b], as: UTF16.self)
        // A unit needs at least one letter or digit: "---" or "…" alone is not a sentence.
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else { return }
        units.append(AnswerUnit(text: text, start: a, end: b, isBullet: bullet))
    }
}
