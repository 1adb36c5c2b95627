import Foundation

/// Renders a learner's step with the sentences the grader quoted wrapped in `<mark id=…>`, so a rubric point can
/// link to the words that earned it.
///
/// Markers from Unicode's private-use area go into the Markdown at each sentence's UTF-16 range, the text is rendered
/// as usual, and the markers become tags afterwards. A highlight that would cross a tag boundary (a sentence ending
/// inside emphasis) or whose markers did not survive rendering (inside a link target) is dropped rather than
/// producing broken HTML; the answer itself is always shown.
enum EvidenceHighlighter {
    static let open: UInt16 = 0xE000
    static let close: UInt16 = 0xE001
    /// The mark's index rides after the open marker as one private-use character.
    static let indexBase: UInt16 = 0xE100
    static let maxMarks = 0x0E00

    static func isMarker(_ c: UInt16) -> Bool { c >= 0xE000 && c < 0xE000 + 0x1F00 }

    /// `ranges`: (start, end, element id), UTF-16 offsets into `markdown`, non-overlapping.
    static func html(_ markdown: String, ranges: [(start: Int, end: Int, id: String)]) -> String {
        var utf16 = Array(markdown.utf16)
        let sorted = ranges.filter { $0.start < $0.end && $0.end <= utf16.count }.sorted { $0.start < $1.start }
        guard !sorted.isEmpty, sorted.count < maxMarks, !utf16.contains(where: isMarker) else { return UserMarkdown.html(markdown) }
        // Insert from the back so earlier offsets stay valid.
        for (k, r) in sorted.enumerated().reversed() {
            utf16.insert(close, at: r.end)
            utf16.insert(contentsOf: [open, indexBase + UInt16(k)], at: r.start)
        }
        let rendered = Array(UserMarkdown.html(String(decoding: utf16, as: UTF16.self)).utf16)
        var out: [UInt16] = []
        out.reserveCapacity(rendered.count + sorted.count * 40)
        var i = 0
        while i < rendered.count {
            let c = rendered[i]
            if c == open, i + 1 < rendered.count, rendered[i + 1] >= indexBase, Int(rendered[i + 1] - indexBase) < sorted.count,
                let j = rendered[(i + 2)...].firstIndex(of: close), isBalanced(rendered[(i + 2)..<j])
            {
                let id = sorted[Int(rendered[i + 1] - indexBase)].id
                out += Array("<mark class=\"evidence\" id=\"\(id)\">".utf16)
                out += rendered[(i + 2)..<j].filter { !isMarker($0) }
                out += Array("</mark>".utf16)
                i = j + 1
                continue
            }
            if !isMarker(c) { out.append(c) }
            i += 1
        }
        return String(decoding: out, as: UTF16.self)
    }

    /// Whether the HTML between two markers opens and closes its tags in order, and holds no other marker.
    static func isBalanced(_ html: ArraySlice<UInt16>) -> Bool {
        if html.contains(open) { return false }
        var stack: [String] = []
        var i = html.startIndex
        while i < html.endIndex {
            guard html[i] == 60 /* < */ else {
                i += 1
                continue
            }
            guard let end = html[i...].firstIndex(of: 62 /* > */) else { return false }
            let tag = String(decoding: html[(i + 1)..<end], as: UTF16.self)
            i = end + 1
            if tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
            let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
            if ["br", "img", "hr", "input"].contains(name) { continue }
            if tag.hasPrefix("/") {
                guard stack.popLast() == String(tag.dropFirst()) else { return false }
            } else {
                stack.append(name)
            }
        }
        return stack.isEmpty
    }
}
