import Foundation
import Testing
@testable import KnowledgeBase

/// Enforces the content guide on the real `Content/` folder so chapters cannot drift from it.
@Suite struct ContentRulesTests {
    static let kb: KnowledgeBase? = try? KnowledgeBase.load(from: repositoryRoot.appendingPathComponent("Content"))

    @Test func contentLoadsWithoutErrors() throws {
        do {
            _ = try KnowledgeBase.load(from: repositoryRoot.appendingPathComponent("Content"))
        } catch {
            Issue.record("Content/ does not load: \(error)")
        }
    }

    @Test func thereAreTwelveCaseStudiesAndSixFoundations() throws {
        let kb = try #require(Self.kb)
        #expect(kb.documents(of: .caseStudy).count == 12)
        #expect(kb.documents(of: .foundation).count == 6)
        #expect(kb.document(at: "/framework") != nil)
    }

    @Test func caseStudiesMeetTheGuide() throws {
        let kb = try #require(Self.kb)
        for doc in kb.documents(of: .caseStudy) {
            #expect(doc.wordCount >= 2500, "\(doc.file): \(doc.wordCount) words")
            #expect(doc.diagramCount >= 2, "\(doc.file): \(doc.diagramCount) diagrams")
            #expect(doc.tableCount >= 1, "\(doc.file): no table")
            #expect(doc.cards.count >= 15, "\(doc.file): \(doc.cards.count) cards")
            // The rubric's own rules (4–6 points a step, …) are checked as it loads; here: every case has one.
            #expect(kb.rubrics[doc.slug] != nil, "\(doc.file): no gradable rubric")
            #expect(doc.sections.compactMap(\.step) == FrameworkStep.allCases, "\(doc.file): step sections")
        }
    }

    @Test func foundationsMeetTheGuide() throws {
        let kb = try #require(Self.kb)
        for doc in kb.documents(of: .foundation) {
            #expect(doc.wordCount >= 2000, "\(doc.file): \(doc.wordCount) words")
            #expect(doc.diagramCount >= 2, "\(doc.file): \(doc.diagramCount) diagrams")
            #expect(doc.tableCount >= 1, "\(doc.file): no table")
            #expect(doc.cards.count >= 15, "\(doc.file): \(doc.cards.count) cards")
        }
    }

    @Test func frameworkGuideCoversEveryStepWithCards() throws {
        let kb = try #require(Self.kb)
        let doc = try #require(kb.document(at: "/framework"))
        let ids = Set(doc.sections.map(\.id))
        for step in FrameworkStep.allCases { #expect(ids.contains(step.sectionId), "framework lacks \(step.sectionTitle)") }
        #expect(doc.cards.count >= 15)
        #expect(doc.diagramCount >= 2)
    }

    @Test func glossaryHasSixtyTermsEachUsedSomewhere() throws {
        let kb = try #require(Self.kb)
        #expect(kb.glossary.count >= 60)
        let unused = kb.glossary.filter { $0.usedIn.isEmpty }.map(\.term)
        #expect(unused.isEmpty, "glossary terms no chapter uses: \(unused)")
    }

    @Test func cardIdsAreGloballyUnique() throws {
        let kb = try #require(Self.kb)
        let ids = kb.cards.map(\.card.id)
        #expect(Set(ids).count == ids.count)
    }
}
