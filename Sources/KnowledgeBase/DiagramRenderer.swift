import Foundation

/// Renders Graphviz sources to inline SVG with the site's one shared style, caching results on disk.
///
/// All diagrams of a document go to one `dot` process (it accepts several graphs in one input and writes one SVG
/// per graph), so startup pays one process launch per document rather than per diagram.
public struct DiagramRenderer: Sendable {
    /// Default attributes applied to every diagram; a graph may still override shapes and layout, but colours and
    /// fonts come from here and from CSS so that every diagram matches the site, in light and dark mode.
    public static let styleArguments = [
        "-Gbgcolor=transparent", "-Gfontname=Helvetica", "-Gfontsize=12", "-Gpad=0.15",
        "-Gnodesep=0.35", "-Granksep=0.4",
        "-Nfontname=Helvetica", "-Nfontsize=12", "-Nshape=box", "-Nstyle=rounded", "-Nmargin=0.15,0.06",
        "-Nheight=0.4",
        "-Efontname=Helvetica", "-Efontsize=10", "-Earrowsize=0.7",
    ]
    /// Bump when the style changes, so cached SVGs are rendered again.
    static let styleVersion = "4"

    /// Where `dot` is.
    public let dotPath: String
    /// Folder for cached SVGs (nil: no cache).
    public let cacheDirectory: URL?

    /// Finds `dot` on the PATH; fails with an install hint when Graphviz is missing.
    public init(cacheDirectory: URL?) throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let dot = path.split(separator: ":").map({ "\($0)/dot" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw DiagramError(message: "Graphviz `dot` was not found on the PATH; install it (Debian: apt-get install graphviz)")
        }
        self.dotPath = dot
        self.cacheDirectory = cacheDirectory
        if let cacheDirectory {
            try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        }
    }

    /// Renders each source to an `<svg>` element, in order. A failure names the index of the first bad source.
    public func render(_ sources: [String]) throws -> [String] {
        var results = [String?](repeating: nil, count: sources.count)
        var missing: [Int] = []
        for (i, src) in sources.enumerated() {
            if let cached = readCache(src) { results[i] = cached } else { missing.append(i) }
        }
        if !missing.isEmpty {
            let batch = try? runDot(missing.map { sources[$0] })
            if let batch, batch.count == missing.count {
                for (j, i) in missing.enumerated() {
                    results[i] = batch[j]
                    writeCache(sources[i], svg: batch[j])
                }
            } else {
                // Render one by one to find which graph is broken.
                for i in missing {
                    do {
                        let one = try runDot([sources[i]])
                        guard one.count == 1 else { throw DiagramError(message: "Graphviz produced no output") }
                        results[i] = one[0]
                        writeCache(sources[i], svg: one[0])
                    } catch let e as DiagramError {
                        throw DiagramError(message: e.message, index: i)
                    }
                }
            }
        }
        return results.map { $0 ?? "" }
    }

    private func runDot(_ sources: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dotPath)
        process.arguments = Self.styleArguments + ["-Tsvg"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Write on another thread: a large output could otherwise fill the pipe while we are still writing.
        let data = Data(sources.joined(separator: "\n").utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DiagramError(message: message.isEmpty ? "dot exited with \(process.terminationStatus)" : message)
        }
        return Self.splitSVGs(String(decoding: out, as: UTF8.self))
    }

    /// Cuts dot's output into one cleaned `<svg>` element per graph: no XML prolog, doctype or comments, and no
    /// fixed width/height so CSS can scale it.
    static func splitSVGs(_ text: String) -> [String] {
        var svgs: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            var svg = String(rest[start.lowerBound..<end.upperBound])
            svg = removeComments(svg)
            // Graphviz numbers ids per graph (node1, edge1, "page0,1_graph0"), so several diagrams on one page would
            // repeat them and some are not even valid XML names; nothing refers to them, so drop them.
            svg = svg.replacingOccurrences(of: #" id="[^"]*""#, with: "", options: .regularExpression)
            if let openEnd = svg.firstIndex(of: ">") {
                var open = String(svg[..<openEnd])
                open = open.replacingOccurrences(of: #" width="[^"]*""#, with: "", options: .regularExpression)
                open = open.replacingOccurrences(of: #" height="[^"]*""#, with: "", options: .regularExpression)
                svg = open + " role=\"img\"" + svg[openEnd...]
            }
            svgs.append(svg)
            rest = rest[end.upperBound...]
        }
        return svgs
    }

    private static func removeComments(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "<!--") {
            out += rest[..<open.lowerBound]
            guard let close = rest.range(of: "-->", range: open.upperBound..<rest.endIndex) else { return out }
            rest = rest[close.upperBound...]
        }
        out += rest
        // Drop the blank lines comments leave behind.
        return out.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "\n")
    }

    private func cacheURL(_ source: String) -> URL? {
        guard let cacheDirectory else { return nil }
        let key = fnv1a64(Self.styleVersion + "\u{0}" + Self.styleArguments.joined(separator: " ") + "\u{0}" + source)
        return cacheDirectory.appendingPathComponent(String(key, radix: 16) + ".svg")
    }

    private func readCache(_ source: String) -> String? {
        guard let url = cacheURL(source), let data = try? Data(contentsOf: url) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func writeCache(_ source: String, svg: String) {
        guard let url = cacheURL(source) else { return }
        try? Data(svg.utf8).write(to: url, options: .atomic)
    }
}

/// A diagram that Graphviz could not render.
public struct DiagramError: Error, Sendable {
    /// Graphviz's own message.
    public var message: String
    /// Which source of the batch failed, when known.
    public var index: Int?
    init(message: String, index: Int? = nil) {
        self.message = message
        self.index = index
    }
}

/// 64-bit FNV-1a: a stable, dependency-free hash for cache keys (Swift's `hashValue` is seeded per process).
public func fnv1a64(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h &*= 0x100_0000_01b3
    }
    return h
}
