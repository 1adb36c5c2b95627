import Foundation

/// BERT's uncased tokenizer as `tokenizers` runs it for all-MiniLM-L6-v2: `BertNormalizer` (clean text, spaces
/// around CJK ideographs, accents stripped, lower-cased), `BertPreTokenizer` (split at whitespace and at every
/// punctuation character), WordPiece (greedy longest match, `##` continuations, `[UNK]` for a word that cannot be
/// spelled or is over 100 characters), then `[CLS] … [SEP]`.
///
/// Written by hand: no Swift package implements WordPiece without bringing a Core ML or MLX runtime.
/// Checked token by token against the Python `tokenizers` package (`Tests/GraderTests/Fixtures/tokens.json`).
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    let unknown: Int32
    public let classify: Int32
    public let separator: Int32
    /// Most tokens one sequence holds, `[CLS]` and `[SEP]` included (sentence-transformers' `max_seq_length`).
    public let maxTokens: Int

    public init(vocabularyFile path: String, maxTokens: Int = 256) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ModelLoadError(file: path, problem: "the vocabulary is missing or not UTF-8")
        }
        var vocabulary: [String: Int32] = [:]
        var id: Int32 = 0
        text.enumerateLines { line, _ in
            vocabulary[line] = id
            id += 1
        }
        try self.init(vocabulary: vocabulary, file: path, maxTokens: maxTokens)
    }

    init(vocabulary: [String: Int32], file: String, maxTokens: Int) throws {
        guard let unk = vocabulary["[UNK]"], let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"] else {
            throw ModelLoadError(file: file, problem: "the vocabulary lacks [UNK], [CLS] or [SEP]")
        }
        self.vocabulary = vocabulary
        self.unknown = unk
        self.classify = cls
        self.separator = sep
        self.maxTokens = maxTokens
    }

    /// Token ids of one sequence, `[CLS]` first and `[SEP]` last, truncated to `maxTokens`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classify]
        outer: for word in preTokenize(normalize(text)) {
            for piece in wordPieces(word) {
                if ids.count == maxTokens - 1 { break outer }
                ids.append(piece)
            }
        }
        ids.append(separator)
        return ids
    }

    // MARK: - Normalizer

    func normalize(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) {
                cleaned.append(" ")
            } else if isChineseIdeograph(s) {
                cleaned.append(" ")
                cleaned.append(s)
                cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        // Accents are stripped after canonical decomposition; lower-casing follows, as in `tokenizers`.
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(decomposed.unicodeScalars.count)
        for s in decomposed.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
            if s.isASCII {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    private func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    private func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    private func isChineseIdeograph(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }

    // MARK: - Pre-tokenizer

    func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    func preTokenize(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in scalars {
            if s == " " {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(s) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    // MARK: - WordPiece

    func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > 100 { return [unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}
