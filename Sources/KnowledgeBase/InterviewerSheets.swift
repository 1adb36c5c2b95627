import Foundation
import Grader
import Yams

/// The interviewer sheets in `Content/interviewers/` (format: `docs/INTERVIEWER.md`), checked rule by rule.
public enum InterviewerSheets {
    public struct Loaded: Sendable {
        public var sheets: [String: InterviewerSheet]
        public var common: InterviewerCommon
        public var calibration: InterviewerCalibration
    }

    /// Lowercase letters and digits in words joined by single hyphens.
    static func isKebab(_ id: String) -> Bool {
        !id.isEmpty && id.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        }
    }

    static func words(_ s: String) -> Int { s.split(whereSeparator: { $0.isWhitespace }).count }

    /// Every sheet in `directory`, checked against `rubrics` (the point ids `credits` and `probes` name). Throws
    /// `ContentErrors` naming each problem's file and line.
    public static func load(directory: URL, rubrics: [String: [GradablePoint]], everyday: Set<String>, requireCalibration: Bool = true) throws -> Loaded {
        var errors: [ContentError] = []
        let fm = FileManager.default
        func read(_ name: String) -> (String, [String]) {
            let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return (text, text.components(separatedBy: "\n"))
        }
        // common.yaml
        var common = InterviewerCommon(fallback: "", outOfScope: [])
        let (commonText, commonLines) = read("common.yaml")
        do { common = try YAMLDecoder().decode(InterviewerCommon.self, from: commonText) } catch {
            errors.append(ContentError(file: "interviewers/common.yaml", line: 0, message: "missing or does not parse: \(error)"))
        }
        func commonLine(_ id: String) -> Int { ContentError.line(ofId: id, in: commonLines) }
        if !(5...60).contains(words(common.fallback)) && errors.isEmpty {
            errors.append(ContentError(file: "interviewers/common.yaml", line: 1, message: "`fallback` needs 5–60 words"))
        }
        var commonQuestions: [String: String] = [:]
        for t in common.outOfScope {
            func fail(_ m: String) { errors.append(ContentError(file: "interviewers/common.yaml", line: commonLine(t.id), message: "topic \(t.id): \(m)")) }
            if !isKebab(t.id) { fail("the id must be kebab-case") }
            if !(3...8).contains(t.asked.count) { fail("needs 3–8 `asked` questions") }
            for q in t.asked { commonQuestions[normalised(q)] = t.id }
        }

        var sheets: [String: InterviewerSheet] = [:]
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") && $0 != "common.yaml" }.sorted()
        for name in names {
            let file = "interviewers/" + name
            let slug = String(name.dropLast(".yaml".count))
            let (text, lines) = read(name)
            func line(of id: String) -> Int { ContentError.line(ofId: id, in: lines) }
            let sheet: InterviewerSheet
            do { sheet = try YAMLDecoder().decode(InterviewerSheet.self, from: text) } catch {
                errors.append(ContentError(file: file, line: 0, message: "does not parse as an interviewer sheet: \(error)"))
                continue
            }
            func fail(_ id: String, _ m: String) { errors.append(ContentError(file: file, line: line(of: id), message: m)) }
            if sheet.case != slug { errors.append(ContentError(file: file, line: 1, message: "`case` must be \(slug)")) }
            guard let rubric = rubrics[slug] else {
                errors.append(ContentError(file: file, line: 1, message: "there is no rubric rubrics/\(slug).yaml (and so no case study)"))
                continue
            }
            let points = Dictionary(rubric.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            if !(12...20).contains(sheet.facts.count) { errors.append(ContentError(file: file, line: 1, message: "needs 12–20 facts (has \(sheet.facts.count))")) }
            let expected = sheet.facts.filter(\.expected).count
            if !(4...8).contains(expected) { errors.append(ContentError(file: file, line: 1, message: "needs 4–8 facts marked `expected: true` (has \(expected))")) }
            var ids = Set<String>()
            var questions = commonQuestions.mapValues { "common.yaml's \($0)" }
            for f in sheet.facts {
                func bad(_ m: String) { fail(f.id, "fact \(f.id): \(m)") }
                if !isKebab(f.id) { bad("the id must be kebab-case") }
                if !ids.insert(f.id).inserted { bad("the id is used twice") }
                if !(8...70).contains(words(f.answer)) { bad("`answer` needs 8–70 words") }
                if !(3...8).contains(f.asked.count) { bad("needs 3–8 `asked` questions") }
                for q in f.asked {
                    if !(2...25).contains(words(q)) { bad("the question “\(q)” needs 2–25 words") }
                    if let other = questions.updateValue(f.id, forKey: normalised(q)), other != f.id { bad("the question “\(q)” is also listed under \(other)") }
                }
                for c in f.credits where points[c] == nil { bad("credits `\(c)`, which is not a point of rubrics/\(slug).yaml") }
            }
            if !(8...12).contains(sheet.followups.count) {
                errors.append(ContentError(file: file, line: 1, message: "needs 8–12 follow-ups (has \(sheet.followups.count))"))
            }
            let missingSteps = GradableRubrics.steps.subtracting(sheet.followups.map(\.step)).sorted()
            if !missingSteps.isEmpty { errors.append(ContentError(file: file, line: 1, message: "no follow-up for step(s) \(missingSteps.joined(separator: ", "))")) }
            if sheet.followups.filter({ $0.kind == .curveball }).count < 3 {
                errors.append(ContentError(file: file, line: 1, message: "needs at least three curveballs"))
            }
            for f in sheet.followups {
                func bad(_ m: String) { fail(f.id, "follow-up \(f.id): \(m)") }
                if !isKebab(f.id) { bad("the id must be kebab-case") }
                if !ids.insert(f.id).inserted { bad("the id is used twice") }
                if !GradableRubrics.steps.contains(f.step) { bad("unknown step `\(f.step)`") }
                if !(1...4).contains(f.probes.count) { bad("needs 1–4 `probes`") }
                for p in f.probes where points[p] == nil { bad("probes `\(p)`, which is not a point of rubrics/\(slug).yaml") }
                if !(12...60).contains(words(f.question)) || !f.question.hasSuffix("?") { bad("`question` must be 12–60 words ending in “?”") }
                if !(1...3).contains(f.points.count) { bad("needs 1–3 points") }
                var pointIds = Set<String>()
                for p in f.points {
                    if !pointIds.insert(p.id).inserted { bad("point id \(p.id) is used twice") }
                    if !(5...25).contains(words(p.point)) { bad("point \(p.id): `point` needs 5–25 words") }
                }
                // The reply points follow the rubric's rules (evidence groups, everyday words, bare numbers).
                for p in f.gradablePoints {
                    for problem in GradableRubrics.problems(p, everyday: everyday, full: false) { bad("point \(p.id): \(problem)") }
                }
            }
            sheets[slug] = sheet
        }
        for slug in rubrics.keys.sorted() where sheets[slug] == nil && !names.isEmpty {
            errors.append(ContentError(file: "interviewers/\(slug).yaml", line: 0, message: "missing: every case study needs an interviewer sheet"))
        }
        var calibration = InterviewerCalibration(threshold: 1, calibratedOn: "", tuningQuestions: 0)
        do {
            calibration = try JSONDecoder().decode(InterviewerCalibration.self, from: Data(contentsOf: directory.appendingPathComponent("calibration.json")))
        } catch {
            if requireCalibration {
                errors.append(ContentError(file: "interviewers/calibration.json", line: 0,
                    message: "missing or malformed (`casebook interviewer calibrate --write` makes it): \(error.localizedDescription)"))
            }
        }
        if !errors.isEmpty { throw ContentErrors(errors: errors) }
        return Loaded(sheets: sheets, common: common, calibration: calibration)
    }

    /// Lower-cased, whitespace collapsed, end punctuation dropped: two listings of one question compare equal.
    static func normalised(_ q: String) -> String {
        q.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: "?.! "))
    }
}
