import Foundation
import Testing

@testable import Grader
@testable import KnowledgeBase

let modelDirectory: String = ProcessInfo.processInfo.environment["CASEBOOK_MODEL_DIR"]
    ?? repositoryRoot.appendingPathComponent("data/model/all-MiniLM-L6-v2").path

let sharedEncoder: SentenceEncoder = {
    do { return try SentenceEncoder(directory: modelDirectory) } catch { fatalError("\(error) — run scripts/fetch-model.sh first") }
}()

/// Every shipped sheet with its questions embedded, once for the suite.
let preparedSheets: [String: PreparedInterviewer] = shippedSheets.sheets.mapValues { sheet in
    PreparedInterviewer(sheet: sheet, common: shippedSheets.common,
                        embeddings: sharedEncoder.embed(PreparedInterviewer.texts(sheet, shippedSheets.common)))
}

let questionSet: InterviewerQuestionSet = {
    do {
        return try InterviewerQuestionSet.load(directory: repositoryRoot.appendingPathComponent("Tests/InterviewerTests/Questions"),
                                               sheets: shippedSheets.sheets)
    } catch { fatalError("\(error)") }
}()

/// The interviewer as it ships (threshold from `Content/interviewers/calibration.json`) on questions of three kinds:
/// the sheets' own, paraphrases written separately by helpers who saw only the facts' answers (never used for
/// tuning), and off-topic questions kept out of the tuning. Figures: `docs/INTERVIEWER.md`.
@Suite("The interviewer's answers")
struct InterviewerAnswerTests {
    var threshold: Float { shippedSheets.calibration.threshold }

    @Test func everyListedQuestionIsAnsweredWithItsOwnFact() {
        var wrong: [String] = []
        for (slug, p) in preparedSheets {
            for key in p.keys {
                guard case .fact(let i) = p.targets[key.target] else { continue }
                let a = p.answer(key.embedding, threshold: threshold)
                if a.id != p.sheet.facts[i].id { wrong.append("\(slug): «\(key.question)» → \(a.id ?? "fallback")") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func heldOutParaphrasesAreAnsweredCorrectlyNineTimesInTen() {
        #expect(questionSet.paraphrases.count >= 12 * 30, "two paraphrases per fact for every case")
        let embeddings = sharedEncoder.embed(questionSet.paraphrases.map(\.question))
        var right = 0
        var wrong: [String] = []
        for (q, e) in zip(questionSet.paraphrases, embeddings) {
            let a = preparedSheets[q.slug]!.answer(e, threshold: threshold)
            if a.kind == .fact && a.id == q.fact { right += 1 } else { wrong.append("\(q.slug)/\(q.fact): «\(q.question)» → \(a.id ?? "fallback")") }
        }
        let rate = Double(right) / Double(questionSet.paraphrases.count)
        #expect(rate >= 0.90, "held-out paraphrases right: \(rate); e.g. \(wrong.prefix(8))")
    }

    @Test func offTopicQuestionsRevealNoFact() {
        #expect(questionSet.offTopicHeldOut.count >= 30)
        let embeddings = sharedEncoder.embed(questionSet.offTopicHeldOut)
        // The obvious ones of the issue always get the fallback (or an out-of-scope answer), on every sheet.
        for question in ["what is your favourite colour?", "how do I centre a div?", "Can you write me a haiku about autumn?"] {
            let e = sharedEncoder.embed([question])[0]
            for (slug, p) in preparedSheets {
                let a = p.answer(e, threshold: threshold)
                #expect(a.kind != .fact, "\(slug): «\(question)» → \(a.id ?? "") \(a.confidence)")
            }
        }
        var fallback = 0
        var total = 0
        for (_, p) in preparedSheets {
            for e in embeddings {
                total += 1
                if p.answer(e, threshold: threshold).kind != .fact { fallback += 1 }
            }
        }
        // A floor just under today's figure (the held-out file mixes small talk with near-misses that borrow
        // design words, "what's the latency of a sloth?"; docs/INTERVIEWER.md lists which slip through).
        let rate = Double(fallback) / Double(total)
        #expect(rate >= 0.85, "held-out off-topic questions given no fact: \(rate)")
    }

    @Test func outOfScopeQuestionsAreDeclined() {
        let e = sharedEncoder.embed(["What colour should the buttons on the page be?"])[0]
        let a = preparedSheets["video-recommendation"]!.answer(e, threshold: threshold)
        #expect(a.kind == .outOfScope)
        #expect(a.answer == shippedSheets.common.outOfScope.first { $0.id == a.id }?.answer)
    }

    @Test func confidenceStaysBetweenZeroAndOne() {
        let p = preparedSheets["fraud-detection"]!
        for q in ["How long until chargebacks arrive?", "zzzz qqqq", ""] {
            let a = p.answer(sharedEncoder.embed([q])[0], threshold: threshold)
            #expect((0...1).contains(a.confidence))
        }
    }
}
