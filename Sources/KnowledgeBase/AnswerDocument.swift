import Foundation
import Grader
import Yams

/// A whole answer as one Markdown file: each step's text under its title as a `##` heading (the shape of
/// `/attempts/{id}/export.md`), as `casebook grade` and the calibration set take it.
public enum AnswerDocument {
    /// The text under each step heading; a heading given twice has its sections joined. Titles match
    /// case-insensitively; text before the first step heading, and under other headings, is ignored.
    public static func sections(_ markdown: String) -> [FrameworkStep: String] {
        var out: [FrameworkStep: [Substring]] = [:]
        var current: FrameworkStep?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                let title = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                current = FrameworkStep.allCases.first { $0.sectionTitle.caseInsensitiveCompare(title) == .orderedSame }
                if let c = current, out[c] == nil { out[c] = [] }
            } else if let c = current {
                out[c]!.append(line)
            }
        }
        return out.mapValues { $0.joined(separator: "\n") }
    }

    /// Every step in framework order with its text ("" when absent), as the grader takes it.
    public static func steps(_ markdown: String) -> [(step: String, text: String)] {
        let s = sections(markdown)
        return FrameworkStep.allCases.map { ($0.rawValue, s[$0] ?? "") }
    }
}

/// The calibration set (`Tests/GraderTests/Calibration/<slug>/<level>.md` and `labels.yaml`), read once for the
/// calibration command and the calibration tests alike.
public struct CalibrationSet: Sendable {
    public static let levels = ["strong", "good", "average", "weak", "generic", "stuffed"]
    /// Kept out of the tuning (issue 17): two levels for four cases.
    public static let heldOut: [String: Set<String>] = [
        "video-recommendation": ["good", "weak"], "fraud-detection": ["good", "weak"],
        "visual-search": ["good", "weak"], "rag-assistant": ["good", "weak"],
    ]

    public struct Sample: Sendable {
        public let slug: String
        public let level: String
        public let steps: [(step: String, text: String)]
        public let label: ExpertLabel?
        public var heldOut: Bool { CalibrationSet.heldOut[slug]?.contains(level) ?? false }

        /// The answer's sentences and bullets, located in their steps.
        public var units: [LocatedUnit] {
            steps.flatMap { s in AnswerSplitter.units(s.text).map { LocatedUnit(step: s.step, unit: $0) } }
        }
    }

    public let samples: [Sample]

    private struct LabelFile: Decodable { var answers: [String: ExpertLabel] }

    /// Reads every case of `rubrics` that has answers in `directory`; a labels file that does not parse, or that
    /// names a point the rubric does not have, is an error.
    public static func load(directory: URL, rubrics: [String: [GradablePoint]]) throws -> CalibrationSet {
        var samples: [Sample] = []
        for slug in rubrics.keys.sorted() {
            let dir = directory.appendingPathComponent(slug)
            var labels: [String: ExpertLabel] = [:]
            if let text = try? String(contentsOf: dir.appendingPathComponent("labels.yaml"), encoding: .utf8) {
                do { labels = try YAMLDecoder().decode(LabelFile.self, from: text).answers } catch {
                    throw ContentErrors(errors: [ContentError(file: "\(slug)/labels.yaml", line: 0, message: "does not parse: \(error)")])
                }
                let ids = Set(rubrics[slug]!.map(\.id))
                for (level, label) in labels {
                    for id in label.credited where !ids.contains(id) {
                        throw ContentErrors(errors: [ContentError(file: "\(slug)/labels.yaml", line: 0, message: "\(level): no point `\(id)` in the rubric")])
                    }
                }
            }
            for level in levels {
                guard let text = try? String(contentsOf: dir.appendingPathComponent("\(level).md"), encoding: .utf8) else { continue }
                samples.append(Sample(slug: slug, level: level, steps: AnswerDocument.steps(text), label: labels[level]))
            }
        }
        return CalibrationSet(samples: samples)
    }
}
