import Foundation
import Grader

/// All content, rendered once at startup and held in memory: a page request is a lookup, never a render.
public struct KnowledgeBase: Sendable {
    /// Every document, sorted by kind then order.
    public let documents: [Document]
    /// Glossary terms, alphabetical, with the chapters that use them.
    public let glossary: [GlossaryTerm]
    private let byURL: [String: Int]
    /// The gradable rubrics (`rubrics/<slug>.yaml`) by case slug, and the grader's calibration
    /// (`rubrics/calibration.json`); both empty/nil for a content directory without `rubrics/`.
    public let rubrics: [String: [GradablePoint]]
    public let gradingCalibration: GradingCalibration?
    /// Changes whenever a rubric, an interviewer sheet or a calibration changes: part of every cached grade's key.
    public let rubricVersion: String
    /// The interviewer sheets (`interviewers/<slug>.yaml`, `docs/INTERVIEWER.md`) by case slug, with what every
    /// case shares and the calibrated threshold; empty/nil for a content directory without `interviewers/`.
    public let interviewers: [String: InterviewerSheet]
    public let interviewerCommon: InterviewerCommon?
    public let interviewerCalibration: InterviewerCalibration?

    /// The document at a page URL such as `/cases/fraud-detection`.
    public func document(at url: String) -> Document? { byURL[url].map { documents[$0] } }

    /// Documents of one kind, in order.
    public func documents(of kind: DocumentKind) -> [Document] { documents.filter { $0.kind == kind } }

    /// Every flashcard declared in content, with the document it comes from.
    public var cards: [(document: Document, card: ContentCard)] {
        documents.flatMap { doc in doc.cards.map { (doc, $0) } }
    }

    /// Every tag used by case studies, sorted.
    public var caseStudyTags: [String] { Array(Set(documents(of: .caseStudy).flatMap(\.tags))).sorted() }

    /// URLs that are not documents but may be linked from content.
    public static let appRoutes: Set<String> = [
        "/", "/cases", "/search", "/try", "/me", "/cards/review", "/cards/stats", "/signup", "/login",
    ]

    /// Loads every `*.md` under `directory`. Throws `ContentErrors` listing every problem found, each with file and line.
    public static func load(from directory: URL, diagramCache: URL? = nil) throws -> KnowledgeBase {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw ContentErrors(errors: [ContentError(file: directory.path, line: 0, message: "content directory not found")])
        }
        var files: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "md" {
            let rel = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            files.append(rel)
        }
        files.sort()
        if files.isEmpty {
            throw ContentErrors(errors: [ContentError(file: directory.path, line: 0, message: "no Markdown files found")])
        }
        let renderer: DiagramRenderer
        do {
            renderer = try DiagramRenderer(cacheDirectory: diagramCache)
        } catch let e as DiagramError {
            throw ContentErrors(errors: [ContentError(file: directory.path, line: 0, message: e.message)])
        }

        // Parse and render files in parallel: Graphviz and cmark dominate startup and both scale with cores.
        let results = ResultBox(count: files.count)
        let fileList = files
        DispatchQueue.concurrentPerform(iterations: fileList.count) { i in
            let file = fileList[i]
            do {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                results.set(i, DocumentLoader.load(text: text, file: file, diagrams: renderer))
            } catch {
                results.set(i, .failure(DocumentLoader.Failure(errors: [ContentError(file: file, line: 0, message: "cannot read: \(error)")])))
            }
        }

        var documents: [Document] = []
        var errors: [ContentError] = []
        var glossaryTerms: [GlossaryTerm] = []
        for r in results.values {
            switch r {
            case .success(let loaded):
                documents.append(loaded.document)
                glossaryTerms += loaded.terms
            case .failure(let errs):
                errors += errs.errors
            case nil:
                break
            }
        }
        var byURL: [String: Int] = [:]
        documents.sort { ($0.kind.sortKey, $0.order, $0.slug) < ($1.kind.sortKey, $1.order, $1.slug) }
        for (i, d) in documents.enumerated() {
            if let other = byURL[d.url] {
                errors.append(ContentError(file: d.file, line: 1, message: "\(d.url) is also defined by \(documents[other].file)"))
            }
            byURL[d.url] = i
        }
        errors += checkLinks(documents: documents, byURL: byURL, glossaryIds: Set(glossaryTerms.map(\.id)))
        var seenTermIds: Set<String> = []
        for t in glossaryTerms where !seenTermIds.insert(t.id).inserted {
            errors.append(ContentError(file: "glossary.md", line: 1, message: "glossary id `\(t.id)` is used twice"))
        }
        if !errors.isEmpty {
            throw ContentErrors(errors: errors.sorted { ($0.file, $0.line) < ($1.file, $1.line) })
        }
        let grading = try loadGrading(directory.appendingPathComponent("rubrics"), caseStudies: documents.filter { $0.kind == .caseStudy })
        let glossary = Glossary.attachUsage(glossaryTerms, documents: documents)
        documents = documents.map { Glossary.linkFirstMentions(in: $0, terms: glossary) }
        return KnowledgeBase(documents: documents, glossary: glossary, byURL: byURL, rubrics: grading.rubrics,
                             gradingCalibration: grading.calibration, rubricVersion: grading.version,
                             interviewers: grading.interviewers?.sheets ?? [:], interviewerCommon: grading.interviewers?.common,
                             interviewerCalibration: grading.interviewers?.calibration)
    }

    /// The rubrics and the calibration, checked: every case study needs a rubric, every rubric a case study, and a
    /// `section` must be a heading of its case study.
    private static func loadGrading(_ dir: URL, caseStudies: [Document]) throws
        -> (rubrics: [String: [GradablePoint]], calibration: GradingCalibration?, version: String, interviewers: InterviewerSheets.Loaded?)
    {
        guard FileManager.default.fileExists(atPath: dir.path) else { return ([:], nil, "none", nil) }
        let sections = Dictionary(caseStudies.map { ($0.slug, $0.anchors) }, uniquingKeysWith: { a, _ in a })
        let rubrics = try GradableRubrics.load(directory: dir, sections: sections)
        var errors: [ContentError] = []
        for doc in caseStudies where rubrics[doc.slug] == nil {
            errors.append(ContentError(file: "rubrics/\(doc.slug).yaml", line: 0, message: "missing: every case study needs a gradable rubric"))
        }
        for slug in rubrics.keys.sorted() where sections[slug] == nil {
            errors.append(ContentError(file: "rubrics/\(slug).yaml", line: 1, message: "there is no case study cases/\(slug).md"))
        }
        var calibration: GradingCalibration?
        do { calibration = try GradableRubrics.calibration(in: dir) } catch let e as ContentErrors { errors += e.errors }
        // The interviewer sheets sit beside the rubrics (their follow-ups and credits grade too).
        let interviewerDir = dir.deletingLastPathComponent().appendingPathComponent("interviewers")
        var interviewers: InterviewerSheets.Loaded?
        if FileManager.default.fileExists(atPath: interviewerDir.path) {
            do {
                interviewers = try InterviewerSheets.load(directory: interviewerDir, rubrics: rubrics, everyday: GradableRubrics.everydayWords(in: dir))
            } catch let e as ContentErrors { errors += e.errors }
        }
        if !errors.isEmpty { throw ContentErrors(errors: errors) }
        var hash = ContentHash()
        for d in [dir, interviewerDir] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []).sorted()
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".json") || name.hasSuffix(".txt") {
                hash.add(d.lastPathComponent + "/" + name)
                hash.add(bytes: (try? Data(contentsOf: d.appendingPathComponent(name))) ?? Data())
            }
        }
        return (rubrics, calibration, hash.hex, interviewers)
    }

    private static func checkLinks(documents: [Document], byURL: [String: Int], glossaryIds: Set<String>) -> [ContentError] {
        var errors: [ContentError] = []
        for doc in documents {
            for link in doc.links where link.url.hasPrefix("/") && !link.url.hasPrefix("//") {
                var path = Substring(link.url)
                var anchor: Substring?
                if let hash = path.firstIndex(of: "#") {
                    anchor = path[path.index(after: hash)...]
                    path = path[..<hash]
                }
                if let q = path.firstIndex(of: "?") { path = path[..<q] }
                if let target = byURL[String(path)] {
                    guard let anchor, !anchor.isEmpty else { continue }
                    let targetDoc = documents[target]
                    let ok = targetDoc.anchors.contains(String(anchor))
                        || (targetDoc.kind == .glossary && glossaryIds.contains(String(anchor)))
                    if !ok {
                        errors.append(ContentError(file: doc.file, line: link.line,
                            message: "link \(link.url): \(targetDoc.file) has no heading with id `\(anchor)`"))
                    }
                } else if !appRoutes.contains(String(path)) {
                    errors.append(ContentError(file: doc.file, line: link.line, message: "broken internal link \(link.url)"))
                }
            }
            for link in doc.links where link.url.hasPrefix("#") {
                if !doc.anchors.contains(String(link.url.dropFirst())) {
                    errors.append(ContentError(file: doc.file, line: link.line, message: "no heading with id `\(link.url.dropFirst())` in this file"))
                }
            }
        }
        return errors
    }
}

extension DocumentKind {
    var sortKey: Int {
        switch self {
        case .framework: 0
        case .foundation: 1
        case .caseStudy: 2
        case .glossary: 3
        case .compare: 4
        }
    }
}

/// Collects per-index results from `concurrentPerform`; each index is written by exactly one iteration.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<DocumentLoader.Loaded, DocumentLoader.Failure>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<DocumentLoader.Loaded, DocumentLoader.Failure>) {
        lock.lock()
        values[i] = r
        lock.unlock()
    }
}
