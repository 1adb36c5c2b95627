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

        @Option(help: "Schedule the cards in this many shards, each on its own core (1–16; default: one per core, at most 2). The output is the same for any number.")
        var shards: Int?

        func makeScheduler() throws(FSRSConfigurationError) -> FSRSScheduler {
            try FSRSScheduler(desiredRetention: retention, maximumInterval: maximumInterval, enableFuzzing: fuzz)
        }

        func validate() throws {
            do {
                _ = try makeScheduler()
            } catch {
                throw ValidationError(error.description)
            }
            if let shards, !(1...16).contains(shards) {
                throw ValidationError("--shards must be between 1 and 16 (got \(shards)).")
            }
        }

        func run() throws {
            let scheduler = try makeScheduler()
            let processor = ReplayProcessor(scheduler: scheduler, shards: shards ?? ReplayProcessor.defaultShards)
            let errorOutput = FileHandle.standardError

            func flush() throws {
                // Straight from the processor's buffer to the descriptor: no `Data` copy of every output byte.
                try processor.takeOutput { bytes in try writeAll(bytes, to: STDOUT_FILENO) }
                let errors = processor.takeErrors()
                if !errors.isEmpty {
                    let text = errors.map { "error: \($0)\n" }.joined()
                    errorOutput.write(Data(text.utf8))
                }
            }

            // One reused 4 MB buffer; large reads keep the shards busy between their merges.
            let capacity = 4 << 20
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
            defer { buffer.deallocate() }
            while true {
                let n = read(STDIN_FILENO, buffer, capacity)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReplayIOError(message: "cannot read standard input: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                processor.feed(UnsafeRawBufferPointer(start: buffer, count: n))
                try flush()
            }
            processor.finish()
            try flush()
            if processor.errorCount > 0 {
                errorOutput.write(Data("error: \(processor.errorCount) of \(processor.linesRead) lines rejected\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// Writes every byte to `fd`, retrying short writes.
private func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) throws {
    guard var p = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
        let n = write(fd, p, left)
        if n < 0 {
            if errno == EINTR { continue }
            throw ReplayIOError(message: "cannot write standard output: \(String(cString: strerror(errno)))")
        }
        p += n
        left -= n
    }
}

/// Reading the reviews or writing the results failed (the message says which, and why).
private struct ReplayIOError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
