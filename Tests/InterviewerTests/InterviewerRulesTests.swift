import Foundation
import Testing

@testable import Grader
@testable import KnowledgeBase

/// The pure rules: which target answers, which follow-up is posed, and what asking earns in a grade.
@Suite("Interviewer rules")
struct InterviewerRulesTests {
    func followUp(_ id: String, step: String, probes: [String]) -> FollowUp {
        FollowUp(id: id, kind: .followUp, step: step, probes: probes, question: "q?",
                 points: [.init(id: "p", point: "x", says: ["s"], evidence: [["x"]])])
    }

    @Test func aFollowUpIsChosenOnlyAmongPointsTheAnswerMisses() {
        let bank = [followUp("a", step: "data", probes: ["covered-one"]),
                    followUp("b", step: "data", probes: ["missed-one"]),
                    followUp("c", step: "model", probes: ["missed-two"])]
        let verdicts: [String: Verdict] = ["covered-one": .covered, "missed-one": .missed, "missed-two": .missed]
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "data", verdicts: verdicts, posed: [])?.id == "b")
        // Everything it probes is covered: nothing to push on.
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "data", verdicts: ["covered-one": .covered, "missed-one": .covered], posed: []) == nil)
        // Never posed twice, never from another step.
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "data", verdicts: verdicts, posed: ["b"]) == nil)
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "serving", verdicts: verdicts, posed: []) == nil)
        // A point the grade does not know is not assumed missed.
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "model", verdicts: [:], posed: []) == nil)
    }

    @Test func missedPointsWeighMoreThanPartlyCoveredOnes() {
        let bank = [followUp("partly", step: "data", probes: ["p1", "p2"]),
                    followUp("missed", step: "data", probes: ["m1", "c1"]),
                    followUp("both", step: "data", probes: ["m1", "p1"])]
        let verdicts: [String: Verdict] = ["p1": .partly, "p2": .partly, "m1": .missed, "c1": .covered]
        #expect(InterviewerMatcher.chooseFollowUp(bank, step: "data", verdicts: verdicts, posed: [])?.id == "both")
        // Ties go to the sheet's order.
        #expect(InterviewerMatcher.chooseFollowUp(Array(bank.prefix(2)), step: "data", verdicts: verdicts, posed: [])?.id == "partly")
    }

    @Test func theBestTargetAveragesItsNearestQuestionAndItsAnswer() {
        // Two targets in a 2-d space: target 0 has the nearest question but a farther answer; target 1 has both
        // fairly near. The mean decides.
        let q: [Float] = [1, 0]
        func unit(_ deg: Float) -> [Float] { [cos(deg * .pi / 180), sin(deg * .pi / 180)] }
        let keys: [(Int, [Float])] = [(0, unit(10)), (1, unit(30)), (1, unit(80))]
        let answers = [unit(60), unit(35)]
        let (best, score) = InterviewerMatcher.best(q, keys: keys, answers: answers)
        #expect(best == 1)
        #expect(abs(score - (cos(30 * Float.pi / 180) + cos(35 * Float.pi / 180)) / 2) < 1e-5)
        // Skipping the key that made target 1 near leaves its next one.
        let (again, _) = InterviewerMatcher.best(q, keys: keys, answers: answers, skipping: 1)
        #expect(again == 0)
        #expect(InterviewerMatcher.best(q, keys: [], answers: []).0 == nil)
    }

    @Test func emptyAndOverlongQuestionsAreRefusedWithAReason() {
        #expect(InterviewerMatcher.questionProblem("   \n") != nil)
        #expect(InterviewerMatcher.questionProblem(String(repeating: "a", count: 501))?.contains("500") == true)
        #expect(InterviewerMatcher.questionProblem(String(repeating: "a", count: 500)) == nil)
    }
}

/// What the interview transcript adds to a grade, on a real rubric with the real model.
@Suite("Grading with the transcript")
struct TranscriptGradingTests {
    @Test func askingForACreditedFactCoversItsPointWithTheQuestionAsEvidence() throws {
        let sheet = shippedSheets.sheets["fraud-detection"]!
        guard let fact = sheet.facts.first(where: { !$0.credits.isEmpty }) else { Issue.record("no fact credits a point"); return }
        let rubricDir = repositoryRoot.appendingPathComponent("Content/rubrics")
        let points = try GradableRubrics.load(directory: rubricDir)["fraud-detection"]!
        let rubric = PreparedRubric(slug: "fraud-detection", points: points, statementEmbeddings: points.map { sharedEncoder.embed($0.says) })
        let grader = AnswerGrader(encoder: sharedEncoder, calibration: try GradableRubrics.calibration(in: rubricDir))
        let steps = FrameworkStep.allCases.map { ($0.rawValue, "") }
        let without = grader.grade(rubric, steps: steps)
        let question = fact.asked[0]
        let with = grader.grade(rubric, steps: steps, transcript: InterviewTranscript(
            questions: [.init(step: "requirements", text: question, credits: fact.credits)]))
        for credited in fact.credits {
            #expect(without.points.first { $0.point == credited }?.verdict == .missed)
            let p = with.points.first { $0.point == credited }
            #expect(p?.verdict == .covered)
            #expect(p?.evidence?.text == question)
            #expect(p?.evidence?.source == "question:0")
        }
        #expect(with.score > without.score)
    }

    @Test func aReplyIsGradedAgainstItsFollowUpsPointsAndCountsInItsStep() throws {
        let prepared = preparedSheets["fraud-detection"]!
        let f = prepared.sheet.followups[0]
        let rubricDir = repositoryRoot.appendingPathComponent("Content/rubrics")
        let points = try GradableRubrics.load(directory: rubricDir)["fraud-detection"]!
        let rubric = PreparedRubric(slug: "fraud-detection", points: points, statementEmbeddings: points.map { sharedEncoder.embed($0.says) })
        let grader = AnswerGrader(encoder: sharedEncoder, calibration: try GradableRubrics.calibration(in: rubricDir))
        let steps = FrameworkStep.allCases.map { ($0.rawValue, "") }
        // A strong reply: the follow-up's own model statements.
        let strong = f.points.map { $0.says[0] }.joined(separator: " ")
        let report = grader.grade(rubric, steps: steps, transcript: InterviewTranscript(
            replies: [.init(followUp: f.id, step: f.step, text: strong, rubric: prepared.followUpRubrics[f.id]!)]))
        let reply = try #require(report.followUps?.first)
        #expect(reply.id == f.id)
        #expect(reply.points.allSatisfy { $0.verdict == .covered }, "\(reply.points.map(\.verdict))")
        #expect(reply.score == 100)
        #expect(reply.points.allSatisfy { $0.evidence?.source == "followup:\(f.id)" })
        let weak = grader.grade(rubric, steps: steps, transcript: InterviewTranscript(
            replies: [.init(followUp: f.id, step: f.step, text: "I would think about it and monitor things.", rubric: prepared.followUpRubrics[f.id]!)]))
        #expect((weak.followUps?.first?.score ?? 100) < 50)
    }
}
