/// A problem in `Content/` that must stop startup: it names the file and the line so the author can fix it.
public struct ContentError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, relative to the content directory.
    public var file: String
    /// The 1-based line in the file (front matter included); 0 when the problem concerns the whole file.
    public var line: Int
    /// What is wrong, in words an author understands.
    public var message: String

    /// Creates an error for `file` at `line`.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }

    /// The 1-based line of the YAML list item `- id: <id>` in `lines`, or 0: where a rubric point, fact or
    /// follow-up starts, for error messages.
    static func line(ofId id: String, in lines: [String]) -> Int {
        (lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "- id: \(id)" } ?? -1) + 1
    }
}

/// Several content errors found in one load, reported together so an author fixes them in one pass.
public struct ContentErrors: Error, CustomStringConvertible, Sendable {
    /// Every problem found, in file order.
    public var errors: [ContentError]
    public var description: String {
        "Content has \(errors.count) problem(s):\n" + errors.map { "  " + $0.description }.joined(separator: "\n")
    }
}
