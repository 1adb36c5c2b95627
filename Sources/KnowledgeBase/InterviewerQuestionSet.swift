import Foundation
import Grader
import Yams

/// The questions the interviewer's threshold is tuned and checked on (`Tests/InterviewerTests/Questions/`):
/// off-topic questions for tuning and for the check, and paraphrases of each case's facts written separately from
/// the sheets and never used for tuning (`heldout/<slug>.yaml`: fact id → questions).
public struct InterviewerQuestionSet: Sendable {
    public struct Paraphrase: Sendable {
        public let slug: String
        public let fact: String
        public let question: String
    }
    public let offTopicTuning: [String]
    public let offTopicHeldOut: [String]
    public let paraphrases: [Paraphrase]

    /// One question per line; `#` starts a comment line.
    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Throws `ContentErrors` for a paraphrase of a fact the sheet does not have.
    public static func load(directory: URL, sheets: [String: InterviewerSheet]) throws -> InterviewerQuestionSet {
        var errors: [ContentError] = []
        var paraphrases: [Paraphrase] = []
        for slug in sheets.keys.sorted() {
            let url = directory.appendingPathComponent("heldout/\(slug).yaml")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let byFact: [String: [String]]
            do { byFact = try YAMLDecoder().decode([String: [String]].self, from: text) } catch {
                errors.append(ContentError(file: "heldout/\(slug).yaml", line: 0, message: "does not parse as fact id → questions: \(error)"))
                continue
            }
            let ids = Set(sheets[slug]!.facts.map(\.id))
            for (fact, questions) in byFact.sorted(by: { $0.key < $1.key }) {
                guard ids.contains(fact) else {
                    errors.append(ContentError(file: "heldout/\(slug).yaml", line: 0, message: "`\(fact)` is not a fact of interviewers/\(slug).yaml"))
                    continue
                }
                paraphrases += questions.map { Paraphrase(slug: slug, fact: fact, question: $0) }
            }
        }
        if !errors.isEmpty { throw ContentErrors(errors: errors) }
        return InterviewerQuestionSet(
            offTopicTuning: try lines(directory.appendingPathComponent("off-topic-tuning.txt")),
            offTopicHeldOut: (try? lines(directory.appendingPathComponent("off-topic-heldout.txt"))) ?? [],
            paraphrases: paraphrases)
    }
}
