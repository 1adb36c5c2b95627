import Foundation
import Testing
@testable import SpacedRepetition

/// The scheduler must reproduce py-fsrs (fuzz off) on every recorded review.
@Suite("py-fsrs reference fixtures")
struct ReferenceFixtureTests {
    @Test("fixtures are present and varied")
    func fixturesAreVaried() {
        let fixtures = ReferenceFixture.all
        #expect(fixtures.count >= 6)
        let reviews = fixtures.flatMap(\.reviews)
        #expect(Set(reviews.map(\.card)).count >= 300)
        #expect(reviews.count >= 2000)
        #expect(reviews.contains { $0.state == "relearning" })
        #expect(reviews.contains { $0.state == "learning" && $0.step == 1 })
        // The small maximum interval is actually reached.
        let capped = fixtures.first { $0.maximumInterval == 30 }!
        #expect(capped.reviews.contains { date($0.due).timeIntervalSince(date($0.at)) == 30 * 86400 })
        #expect(Set(reviews.map(\.rating)) == [1, 2, 3, 4])
        #expect(fixtures.contains { $0.maximumInterval < 100 })
        #expect(Set(fixtures.map(\.desiredRetention)).count >= 4)
    }

    @Test("scheduler matches py-fsrs", arguments: ReferenceFixture.all)
    func schedulerMatchesReference(fixture: ReferenceFixture) throws {
        let scheduler = try fixture.scheduler()
        var cards: [String: SRSCard] = [:]
        var maxStabilityError = 0.0
        var maxDifficultyError = 0.0
        for review in fixture.reviews {
            let at = date(review.at)
            let card = cards[review.card] ?? SRSCard(id: review.card, due: at)
            let retrievability = scheduler.retrievability(of: card, at: at)
            let next = scheduler.review(card, rating: SRSRating(rawValue: review.rating)!, at: at).card
            cards[review.card] = next
            let context = Comment(rawValue: "\(fixture.file):\(review.line) card \(review.card)")
            #expect(next.state.rawValue == review.state, context)
            #expect(next.step == review.step, context)
            // `Date` is a Double: microseconds are exact until about year 2250; the far-future due
            // dates of 100-year intervals keep a few microseconds of precision. (The replay test
            // below compares due strings exactly, since replay works in whole microseconds.)
            if next.due < date("2250-01-01T00:00:00Z") {
                #expect(UTCTimestamp.format(next.due) == review.due, context)
            } else {
                #expect(abs(next.due.timeIntervalSince(date(review.due))) < 1e-5, context)
            }
            #expect(abs(next.stability! - review.stability) <= 1e-6, context)
            #expect(abs(next.difficulty! - review.difficulty) <= 1e-6, context)
            #expect(abs(retrievability - review.retrievability) <= 1e-6, context)
            #expect(next.lastReview == at, context)
            maxStabilityError = max(maxStabilityError, abs(next.stability! - review.stability) / review.stability)
            maxDifficultyError = max(maxDifficultyError, abs(next.difficulty! - review.difficulty))
        }
        // The arithmetic mirrors py-fsrs operation by operation, so in practice it is bit-exact.
        #expect(maxStabilityError <= 1e-12)
        #expect(maxDifficultyError <= 1e-12)
    }

    @Test("replay output equals the reference", arguments: ReferenceFixture.all)
    func replayMatchesReference(fixture: ReferenceFixture) throws {
        let (output, errors) = ReplayProcessor.replay(fixture.replayInput, scheduler: try fixture.scheduler())
        #expect(errors.isEmpty)
        let lines = output.split(separator: "\n")
        try #require(lines.count == fixture.reviews.count)
        for (line, review) in zip(lines, fixture.reviews) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let context = Comment(rawValue: "\(fixture.file):\(review.line): \(line)")
            #expect(Set(object.keys) == ["card", "state", "step", "stability", "difficulty", "due", "retrievability"], context)
            #expect(object["card"] as? String == review.card, context)
            #expect(object["state"] as? String == review.state, context)
            #expect((object["step"] as? NSNumber)?.intValue == review.step, context)
            #expect(object["due"] as? String == review.due, context)
            let stability = try #require((object["stability"] as? NSNumber)?.doubleValue)
            let difficulty = try #require((object["difficulty"] as? NSNumber)?.doubleValue)
            let retrievability = try #require((object["retrievability"] as? NSNumber)?.doubleValue)
            #expect(abs(stability - review.stability) <= 1e-6, context)
            #expect(abs(difficulty - review.difficulty) <= 1e-6, context)
            #expect(abs(retrievability - review.retrievability) <= 1e-6, context)
        }
    }

    @Test("replay is independent of how the input is chunked")
    func replayChunking() throws {
        let fixture = ReferenceFixture.all[0]
        let scheduler = try fixture.scheduler()
        let expected = ReplayProcessor.replay(fixture.replayInput, scheduler: scheduler).output
        let bytes = Array(fixture.replayInput.utf8)
        for chunkSize in [1, 7, 64, 4096] {
            let processor = ReplayProcessor(scheduler: scheduler)
            var output: [UInt8] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunkSize, bytes.count)
                processor.feed(Array(bytes[offset..<end]))
                processor.takeOutput { output += $0 }
                offset = end
            }
            processor.finish()
            processor.takeOutput { output += $0 }
            #expect(String(decoding: output, as: UTF8.self) == expected, "chunk size \(chunkSize)")
            #expect(processor.reviewsProcessed == fixture.reviews.count)
        }
    }
}
