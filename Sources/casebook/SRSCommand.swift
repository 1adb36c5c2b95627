import ArgumentParser
import Foundation
import SpacedRepetition

/// `casebook srs`: spaced-repetition (FSRS-6) tools.
struct SRSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srs",
        abstract: "Spaced-repetition (FSRS-6) tools.",
        subcommands: [Replay.self]
    )

    /// `casebook srs replay`: run a review log through the FSRS-6 scheduler.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay reviews (JSON Lines on stdin) through the FSRS-6 scheduler.",
            discussion: """
                Input: one review per line, cards interleaved in any order:
                  {"card": "c1", "rating": 3, "at": "2026-01-01T00:00:00Z"}
                rating: 1 Again, 2 Hard, 3 Good, 4 Easy. at: RFC 3339 time.

                Output: one line per review, with the card's state after it:
                  {"card","state","step","stability","difficulty","due","retrievability"}
                retrievability is the value just before the review (0 for a new card).

                Bad lines are reported on standard error with their line number and skipped.
                The exit status is 1 if there were any.
                """
        )

        @Option(help: "Desired retention, 0.70 to 0.97.")
        var retention: Double = 0.9

        @Option(name: .customLong("maximum-interval"), help: "Maximum interval in days.")
        var maximumInterval: Int = 36500

        @Flag(help: "Fuzz review intervals (deterministic per card and review count).")
        var fuzz = false

        func makeScheduler() throws(FSRSConfigurationError) -> FSRSScheduler {
            try FSRSScheduler(desiredRetention: retention, maximumInterval: maximumInterval, enableFuzzing: fuzz)
        }

        func validate() throws {
            do {
                _ = try makeScheduler()
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            let scheduler = try makeScheduler()
            let processor = ReplayProcessor(scheduler: scheduler)
            let input = FileHandle.standardInput
            let output = FileHandle.standardOutput
            let errorOutput = FileHandle.standardError

            func flush() {
                processor.takeOutput { output.write(Data($0)) }
                let errors = processor.takeErrors()
                if !errors.isEmpty {
                    let text = errors.map { "error: \($0)\n" }.joined()
                    errorOutput.write(Data(text.utf8))
                }
            }

            while true {
                let chunk = input.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                chunk.withUnsafeBytes { processor.feed($0) }
                flush()
            }
            processor.finish()
            flush()
            if processor.errorCount > 0 {
                errorOutput.write(Data("error: \(processor.errorCount) of \(processor.linesRead) lines rejected\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
