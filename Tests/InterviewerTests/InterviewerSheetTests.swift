import Foundation
import Testing

@testable import Grader
@testable import KnowledgeBase

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The twelve sheets as they ship, loaded and checked by the loader.
let shippedSheets: InterviewerSheets.Loaded = {
    let content = repositoryRoot.appendingPathComponent("Content")
    do {
        let rubricDir = content.appendingPathComponent("rubrics")
        return try InterviewerSheets.load(directory: content.appendingPathComponent("interviewers"),
                                          rubrics: GradableRubrics.load(directory: rubricDir), everyday: GradableRubrics.everydayWords(in: rubricDir))
    } catch { fatalError("the shipped interviewer sheets do not load: \(error)") }
}()

@Suite("Interviewer sheets")
struct InterviewerSheetTests {
    @Test func everyCaseStudyHasASheetWithinTheRules() throws {
        let rubrics = try GradableRubrics.load(directory: repositoryRoot.appendingPathComponent("Content/rubrics"))
        #expect(Set(shippedSheets.sheets.keys) == Set(rubrics.keys))
        #expect(shippedSheets.sheets.count == 12)
        for (slug, sheet) in shippedSheets.sheets {
            #expect((12...20).contains(sheet.facts.count), "\(slug)")
            #expect(sheet.facts.allSatisfy { $0.asked.count >= 3 }, "\(slug)")
            #expect((8...12).contains(sheet.followups.count), "\(slug)")
            #expect(Set(sheet.followups.map(\.step)) == GradableRubrics.steps, "\(slug): a follow-up for every step")
            #expect(sheet.followups.filter { $0.kind == .curveball }.count >= 3, "\(slug)")
            let ids = Set(rubrics[slug]!.map(\.id))
            #expect(sheet.followups.allSatisfy { $0.probes.allSatisfy(ids.contains) }, "\(slug)")
            #expect(sheet.facts.allSatisfy { $0.credits.allSatisfy(ids.contains) }, "\(slug)")
        }
        #expect(!shippedSheets.common.fallback.isEmpty)
        #expect(!shippedSheets.common.outOfScope.isEmpty)
        #expect(shippedSheets.calibration.threshold > 0 && shippedSheets.calibration.threshold < 1)
    }

    /// A copy of the content with one sheet broken in `edit`: the loader's errors.
    func errors(breaking slug: String, _ edit: (String) -> String) throws -> [ContentError] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sheets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Content/interviewers"), to: dir)
        let file = dir.appendingPathComponent("\(slug).yaml")
        try edit(String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        let rubricDir = repositoryRoot.appendingPathComponent("Content/rubrics")
        do {
            _ = try InterviewerSheets.load(directory: dir, rubrics: GradableRubrics.load(directory: rubricDir),
                                           everyday: GradableRubrics.everydayWords(in: rubricDir))
            return []
        } catch let e as ContentErrors { return e.errors }
    }

    @Test func aProbeOfAnUnknownPointIsRefusedWithFileAndLine() throws {
        let sheet = shippedSheets.sheets["fraud-detection"]!
        let probe = sheet.followups[0].probes[0]
        let errors = try errors(breaking: "fraud-detection") { $0.replacingOccurrences(of: "probes: [\(probe)", with: "probes: [no-such-point") }
        #expect(errors.contains { $0.file == "interviewers/fraud-detection.yaml" && $0.line > 1 && $0.message.contains("no-such-point") })
    }

    @Test func aQuestionListedUnderTwoFactsIsRefused() throws {
        let sheet = shippedSheets.sheets["news-feed"]!
        let first = sheet.facts[0].asked[0]
        let errors = try errors(breaking: "news-feed") { text in
            // The second fact's first question becomes the first fact's.
            text.replacingOccurrences(of: sheet.facts[1].asked[0], with: first)
        }
        #expect(errors.contains { $0.message.contains("also listed under") })
    }

    @Test func aBareNumberInAReplyPointIsRefused() throws {
        let sheet = shippedSheets.sheets["visual-search"]!
        let group = sheet.followups[0].points[0].evidence[0]
        let errors = try errors(breaking: "visual-search") { text in
            text.replacingOccurrences(of: "- [\(group[0]),", with: "- [42, \(group[0]),")
        }
        #expect(errors.contains { $0.message.contains("bare number") })
    }
}
