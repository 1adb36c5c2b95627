import Foundation
import Grader
import Yams

/// The gradable rubrics in `Content/rubrics/<slug>.yaml` (format: `docs/RUBRICS.md`), checked rule by rule.
public enum GradableRubrics {
    private struct File: Decodable {
        var `case`: String
        var points: [GradablePoint]
    }

    static let steps: Set<String> = Set(FrameworkStep.allCases.map(\.rawValue))
    static let levels: Set<String> = ["mid", "senior", "staff"]

    /// `calibration.json` in `directory`: the thresholds `casebook grade calibrate --write` chose.
    public static func calibration(in directory: URL) throws -> GradingCalibration {
        do {
            return try JSONDecoder().decode(GradingCalibration.self, from: Data(contentsOf: directory.appendingPathComponent("calibration.json")))
        } catch {
            throw ContentErrors(errors: [ContentError(file: "rubrics/calibration.json", line: 0,
                message: "missing or malformed (`casebook grade calibrate --write` makes it): \(error.localizedDescription)")])
        }
    }

    /// The everyday words of `directory/everyday-words.txt`, tokenised as evidence terms are.
    public static func everydayWords(in directory: URL) throws -> Set<String> {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("everyday-words.txt"), encoding: .utf8) else {
            throw ContentErrors(errors: [ContentError(file: "rubrics/everyday-words.txt", line: 0, message: "missing")])
        }
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { EvidenceTerms.tokens(String($0)).joined(separator: " ") }.filter { !$0.isEmpty })
    }

    /// What breaks the rules of `docs/RUBRICS.md` in one point (its step, level and probe only when `full`: a
    /// follow-up's reply points have none of their own).
    static func problems(_ p: GradablePoint, everyday: Set<String>, full: Bool = true) -> [String] {
        var out: [String] = []
        if full {
            if !steps.contains(p.step) { out.append("unknown step `\(p.step)`") }
            if !levels.contains(p.level) { out.append("level must be mid, senior or staff") }
        }
        if !(1...3).contains(p.says.count) { out.append("needs one to three `says` statements") }
        if !(1...3).contains(p.evidence.count) { out.append("needs one to three evidence groups") }
        for group in p.evidence {
            if !(1...12).contains(group.count) { out.append("an evidence group needs 1–12 alternatives") }
            if group.allSatisfy({ everyday.contains(EvidenceTerms.tokens($0).joined(separator: " ")) }) {
                out.append("the group \(group) holds only everyday words (rubrics/everyday-words.txt)")
            }
            for term in group + p.contradicts where EvidenceTerms.words(term).count == 1
                && EvidenceTerms.words(term)[0].word.allSatisfy(\.isNumber)
            {
                out.append("`\(term)` is a bare number: give it a unit or context")
            }
        }
        guard full else { return out }
        if let probe = p.probe {
            let words = probe.split(whereSeparator: { $0.isWhitespace }).count
            if !(8...40).contains(words) || !probe.hasSuffix("?") { out.append("`probe` must be a question of 8–40 words ending in “?”") }
        } else {
            out.append("needs a `probe`: the question an interviewer asks to probe it (the front of its weak-point card)")
        }
        return out
    }

    /// Every rubric in `directory`, by case slug. Throws `ContentErrors` naming each malformed point's file and line.
    /// `sections` gives each case's heading ids, for checking `section`; pass nil to skip that check.
    public static func load(directory: URL, sections: [String: Set<String>]? = nil) throws -> [String: [GradablePoint]] {
        let fm = FileManager.default
        let everyday = try everydayWords(in: directory)
        var rubrics: [String: [GradablePoint]] = [:]
        var errors: [ContentError] = []
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        for name in names {
            let relative = "rubrics/" + name
            let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            let lines = text.components(separatedBy: "\n")
            func line(of id: String) -> Int { ContentError.line(ofId: id, in: lines) }
            let file: File
            do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
                errors.append(ContentError(file: relative, line: 0, message: "does not parse as a rubric: \(error)"))
                continue
            }
            let slug = String(name.dropLast(".yaml".count))
            if file.case != slug { errors.append(ContentError(file: relative, line: 1, message: "`case` must be \(slug)")) }
            var seen = Set<String>()
            for p in file.points {
                func fail(_ message: String) { errors.append(ContentError(file: relative, line: line(of: p.id), message: "point \(p.id): \(message)")) }
                if !seen.insert(p.id).inserted { fail("the id is used twice") }
                for problem in problems(p, everyday: everyday) { fail(problem) }
                if let ids = sections?[slug], let s = p.section, !ids.contains(s) {
                    fail("section `\(s)` is not a heading of cases/\(slug).md")
                }
            }
            for step in steps where !(4...6).contains(file.points.filter({ $0.step == step }).count) {
                errors.append(ContentError(file: relative, line: 0, message: "step \(step) needs 4–6 points"))
            }
            rubrics[slug] = file.points
        }
        if !errors.isEmpty { throw ContentErrors(errors: errors) }
        return rubrics
    }
}
