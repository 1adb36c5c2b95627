/// Reads the `## Flashcards` section of a file's body.
///
/// Each card is one list item on one line: `- **Q:** question **A:** answer {#key}`. Parsing the source lines (not
/// the rendered tree) keeps the key out of the page and lets errors name the exact line.
enum FlashcardParser {
    struct Parsed {
        var key: String
        var question: String
        var answer: String
        var bodyLine: Int  // 1-based within the body
    }

    /// The cards, and the body with every `{#key}` suffix removed so it renders cleanly.
    static func parse(body: String, file: String, lineOffset: Int) -> (cards: [Parsed], body: String, errors: [ContentError]) {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cards: [Parsed] = []
        var errors: [ContentError] = []
        var inSection = false
        var inFence = false
        var seen: Set<String> = []
        for i in lines.indices {
            let line = lines[i]
            if line.hasPrefix("```") || line.hasPrefix("~~~") { inFence.toggle() }
            if inFence { continue }
            if line.hasPrefix("## ") {
                inSection = line.dropFirst(3).trimmingCharacters(in: " \t") == "Flashcards"
                continue
            }
            guard inSection, line.hasPrefix("- ") || line.hasPrefix("* ") else { continue }
            let fileLine = lineOffset + i + 1
            guard let card = parseLine(line) else {
                errors.append(ContentError(file: file, line: fileLine, message:
                    "a flashcard must be one line: `- **Q:** question **A:** answer {#key}` (key: a-z, 0-9, -)"))
                continue
            }
            if seen.contains(card.key) {
                errors.append(ContentError(file: file, line: fileLine, message: "flashcard key `\(card.key)` is used twice in this file"))
            }
            seen.insert(card.key)
            cards.append(Parsed(key: card.key, question: card.q, answer: card.a, bodyLine: i + 1))
            // Keep the rendered list readable: drop the key, keep Q and A.
            lines[i] = String(line[..<line.range(of: "{#", options: .backwards)!.lowerBound]).trimmingCharacters(in: " ")
        }
        return (cards, lines.joined(separator: "\n"), errors)
    }

    static func parseLine(_ line: String) -> (key: String, q: String, a: String)? {
        var s = Substring(line.trimmingCharacters(in: " \t"))
        guard s.hasPrefix("- **Q:**") || s.hasPrefix("* **Q:**") else { return nil }
        s = s.dropFirst(8)
        guard s.hasSuffix("}"), let keyStart = s.range(of: "{#", options: .backwards) else { return nil }
        let key = String(s[keyStart.upperBound..<s.index(before: s.endIndex)])
        guard !key.isEmpty, key.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else {
            return nil
        }
        let qa = s[..<keyStart.lowerBound]
        guard let aMark = qa.range(of: "**A:**") else { return nil }
        let q = qa[..<aMark.lowerBound].trimmingCharacters(in: " \t")
        let a = qa[aMark.upperBound...].trimmingCharacters(in: " \t")
        guard !q.isEmpty, !a.isEmpty else { return nil }
        return (key, q, a)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
