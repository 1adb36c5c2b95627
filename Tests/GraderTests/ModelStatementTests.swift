import Foundation
import KnowledgeBase
import Testing

@testable import Grader

/// A point's model statements are how a strong answer says it, so each point must have at least one that its own
/// evidence groups recognise: otherwise a learner who says it just so earns "partly" at most.
@Suite("Model statements carry their own evidence")
struct ModelStatementTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyRubricPointHasAStatementItsEvidenceFinds() throws {
        let rubrics = try GradableRubrics.load(directory: Self.root.appendingPathComponent("Content/rubrics"))
        var missing: [String] = []
        for (slug, points) in rubrics.sorted(by: { $0.key < $1.key }) {
            for p in points where !p.says.contains(where: { RubricMatcher.carriesEvidence(p, in: $0) }) {
                missing.append("\(slug)/\(p.id)")
            }
        }
        #expect(missing.isEmpty, "\(missing.count) points: \(missing)")
    }

    @Test func everyFollowUpReplyPointHasAStatementItsEvidenceFinds() throws {
        let content = Self.root.appendingPathComponent("Content")
        let rubricDir = content.appendingPathComponent("rubrics")
        let sheets = try InterviewerSheets.load(directory: content.appendingPathComponent("interviewers"),
                                                rubrics: GradableRubrics.load(directory: rubricDir), everyday: GradableRubrics.everydayWords(in: rubricDir))
        var missing: [String] = []
        for (slug, sheet) in sheets.sheets.sorted(by: { $0.key < $1.key }) {
            for f in sheet.followups {
                for p in f.gradablePoints where !p.says.contains(where: { RubricMatcher.carriesEvidence(p, in: $0) }) {
                    missing.append("\(slug)/\(f.id)/\(p.id)")
                }
            }
        }
        #expect(missing.isEmpty, "\(missing.count) points: \(missing)")
    }
}
