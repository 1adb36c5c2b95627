import Foundation

/// The repository checkout, found from this file's path so tests do not depend on the working directory.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory with the given files (path → text).
func makeContentDirectory(_ files: [String: String]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("casebook-kb-\(UUID().uuidString)")
    for (path, text) in files {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return dir
}

func frontMatter(_ kind: String, slug: String, extra: String = "") -> String {
    "---\ntitle: T \(slug)\nslug: \(slug)\nsummary: S.\nkind: \(kind)\norder: 1\ntags: [a-tag]\n\(extra)---\n"
}
