import Foundation
import Testing

@testable import KnowledgeBase

@Suite("Gradable rubrics (Content/rubrics)")
struct GradableRubricsTests {
    @Test func everyCaseStudyHasARubricThatFollowsTheRules() throws {
        let kb = try KnowledgeBase.load(from: repositoryRoot.appendingPathComponent("Content"))
        let cases = kb.documents.filter { $0.kind == .caseStudy }
        // Heading ids of every level, for the `section` check.
        func ids(_ entries: [TOCEntry]) -> [String] { entries.flatMap { [$0.id] + ids($0.children) } }
        let sections = Dictionary(uniqueKeysWithValues: cases.map { ($0.slug, Set(ids($0.toc))) })
        let rubrics = try GradableRubrics.load(
            directory: repositoryRoot.appendingPathComponent("Content/rubrics"), sections: sections)
        #expect(Set(rubrics.keys) == Set(cases.map(\.slug)))
        for (slug, points) in rubrics {
            #expect((28...42).contains(points.count), "\(slug): \(points.count) points")
            #expect(points.contains { $0.level == "staff" }, "\(slug) has no staff-level point")
        }
    }

    @Test func aMalformedPointNamesItsFileAndLine() throws {
        let dir = try makeContentDirectory([
            "rubrics/everyday-words.txt": "# common\nlatency\nmodel\n",
            "rubrics/x.yaml": """
                case: x
                points:
                  - id: only-everyday
                    step: requirements
                    level: mid
                    point: P
                    says: [S]
                    evidence:
                      - [latency, model]
                  - id: bare-number
                    step: lunch
                    level: junior
                    point: P
                    says: [S]
                    evidence:
                      - [two-tower, "1"]
                """,
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try GradableRubrics.load(directory: dir.appendingPathComponent("rubrics"))
            Issue.record("a malformed rubric loaded")
        } catch let e as ContentErrors {
            let text = e.description
            #expect(text.contains("rubrics/x.yaml:3: point only-everyday: the group [\"latency\", \"model\"] holds only everyday words"))
            #expect(text.contains("rubrics/x.yaml:10: point bare-number: unknown step `lunch`"))
            #expect(text.contains("rubrics/x.yaml:10: point bare-number: level must be mid, senior or staff"))
            #expect(text.contains("`1` is a bare number"))
            #expect(text.contains("step framing needs 4–6 points"))
        }
    }
}
