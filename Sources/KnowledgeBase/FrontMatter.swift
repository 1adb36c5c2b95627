import Yams

/// The YAML block at the top of every content file.
public struct FrontMatter: Sendable, Decodable {
    /// Page title.
    public var title: String
    /// URL slug; must equal the file name.
    public var slug: String
    /// One sentence for index cards and search results.
    public var summary: String
    /// What the file is.
    public var kind: DocumentKind
    /// Position in its index.
    public var order: Int
    /// Lower-case, hyphenated tags.
    public var tags: [String]
    /// beginner / intermediate / advanced.
    public var difficulty: String?
    /// Reading time; computed from the word count when absent.
    public var minutes: Int?
    /// Glossary entries (glossary file only).
    public var terms: [GlossaryTerm]?
}

/// Splits a file into its front matter and body, and decodes the front matter.
public enum FrontMatterParser {
    /// The parsed front matter, the body, and how many lines precede the body (to turn body lines into file lines).
    public static func parse(_ text: String, file: String) throws(ContentError) -> (FrontMatter, body: String, bodyLineOffset: Int) {
        let normalized = text.replacingAll("\r\n", with: "\n")
        guard normalized.hasPrefix("---\n") else {
            throw ContentError(file: file, line: 1, message: "the file must start with a `---` line opening the YAML front matter")
        }
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        guard let close = lines.dropFirst().firstIndex(where: { $0 == "---" }) else {
            throw ContentError(file: file, line: 1, message: "the front matter is never closed by a `---` line")
        }
        let yaml = lines[1..<close].joined(separator: "\n")
        let body = lines[(close + 1)...].joined(separator: "\n")
        let fm: FrontMatter
        do {
            fm = try YAMLDecoder().decode(FrontMatter.self, from: yaml)
        } catch let error as YamlError {
            throw ContentError(file: file, line: 1 + yamlLine(error), message: "front matter is not valid YAML: \(error)")
        } catch let error as DecodingError {
            throw ContentError(file: file, line: 2, message: "front matter: \(describe(error))")
        } catch {
            throw ContentError(file: file, line: 2, message: "front matter: \(error)")
        }
        return (fm, body, close + 1)
    }

    private static func yamlLine(_ error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 1
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath)
            return "missing field `\(key.stringValue)`" + (p.isEmpty ? "" : " in \(p)")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return "`\(path(ctx.codingPath))`: \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
