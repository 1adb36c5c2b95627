import Foundation
import Testing
@testable import SpacedRepetition

@Suite("Replay")
struct ReplayTests {
    let scheduler = try! FSRSScheduler(enableFuzzing: false)

    func replay(_ input: String, scheduler: FSRSScheduler? = nil) -> (lines: [String], errors: [ReplayLineError]) {
        let (output, errors) = ReplayProcessor.replay(input, scheduler: scheduler ?? self.scheduler)
        return (output.split(separator: "\n").map(String.init), errors)
    }

    @Test("writes the documented output line")
    func outputFormat() {
        let (lines, errors) = replay(
            """
            {"card": "c1", "rating": 3, "at": "2026-01-01T00:00:00Z"}
            {"card": "c1", "rating": 3, "at": "2026-01-01T00:10:00Z"}
            {"card": "c1", "rating": 1, "at": "2026-01-04T00:10:00Z"}

            """)
        #expect(errors.isEmpty)
        #expect(lines.count == 3)
        #expect(
            lines[0]
                == #"{"card":"c1","state":"learning","step":1,"stability":2.3065,"difficulty":2.118103970459016,"due":"2026-01-01T00:10:00Z","retrievability":0.0}"#
        )
        #expect(lines[1].contains(#""state":"review","step":null,"#))
        #expect(lines[1].contains(#""due":"2026-01-03T00:10:00Z""#))
        #expect(lines[1].hasSuffix(#""retrievability":1.0}"#))
        #expect(lines[2].contains(#""state":"relearning","step":0,"#))
        #expect(lines[2].contains(#""due":"2026-01-04T00:20:00Z""#))
        let object = try? JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any]
        let retrievability = (object?["retrievability"] as? NSNumber)?.doubleValue ?? -1
        #expect(retrievability > 0.8 && retrievability < 0.95)
    }

    @Test(
        "reports bad lines with a reason and keeps going",
        arguments: [
            ("", "empty line"),
            ("   \t", "empty line"),
            ("[1]", "expected a JSON object"),
            ("{\"card\": \"c\", \"rating\": 3}", "missing field \"at\""),
            ("{\"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "missing field \"card\""),
            ("{\"card\": \"c\", \"at\": \"2026-01-01T00:00:00Z\"}", "missing field \"rating\""),
            ("{}", "missing field \"card\""),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\", \"x\": 1}", "unknown field \"x\""),
            ("{\"card\": \"c\", \"card\": \"d\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "duplicate field \"card\""),
            ("{\"card\": \"c\", \"rating\": 3, \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "duplicate field \"rating\""),
            ("{\"card\": \"c\", \"rating\": 0, \"at\": \"2026-01-01T00:00:00Z\"}", "got 0"),
            ("{\"card\": \"c\", \"rating\": 5, \"at\": \"2026-01-01T00:00:00Z\"}", "got 5"),
            ("{\"card\": \"c\", \"rating\": 3.0, \"at\": \"2026-01-01T00:00:00Z\"}", "got 3.0"),
            ("{\"card\": \"c\", \"rating\": 33, \"at\": \"2026-01-01T00:00:00Z\"}", "got 33"),
            ("{\"card\": \"c\", \"rating\": -1, \"at\": \"2026-01-01T00:00:00Z\"}", "got -1"),
            ("{\"card\": \"c\", \"rating\": \"3\", \"at\": \"2026-01-01T00:00:00Z\"}", "not a string"),
            ("{\"card\": \"c\", \"rating\": null, \"at\": \"2026-01-01T00:00:00Z\"}", "\"rating\" must be an integer"),
            ("{\"card\": 7, \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "\"card\" must be a string"),
            ("{\"card\": \"\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "must not be empty"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": 1767225600}", "\"at\" must be a string"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"2026-02-30T00:00:00Z\"}", "invalid timestamp"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"yesterday\"}", "RFC 3339"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"} x", "unexpected text"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"", "missing '}'"),
            ("{\"card\": \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\",}", "expected a field name"),
            ("{\"card\": \"c\" \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "expected ',' or '}'"),
            ("{\"card\" \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "expected ':'"),
            ("{card: \"c\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "expected a field name"),
            ("{\"card\": \"c, \"rating\": 3}", "expected ',' or '}'"),
            ("{\"card\": \"c", "unterminated string"),
            ("{\"card\": \"a\\qb\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "invalid escape"),
            ("{\"card\": \"a\\ud800\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "unpaired surrogate"),
            ("{\"card\": \"a\\u12\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "bad \\u escape"),
            ("{\"card\": \"a\tb\", \"rating\": 3, \"at\": \"2026-01-01T00:00:00Z\"}", "control character"),
        ])
    func badLines(line: String, reason: String) {
        let good = #"{"card": "ok", "rating": 3, "at": "2026-01-01T00:00:00Z"}"#
        let processor = ReplayProcessor(scheduler: scheduler)
        processor.feed(good + "\n" + line + "\n" + good.replacingOccurrences(of: "00:00:00Z", with: "00:05:00Z") + "\n")
        processor.finish()
        let errors = processor.takeErrors()
        #expect(errors.count == 1)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.reason.contains(reason) == true, "\(errors.first?.reason ?? "no error")")
        #expect(errors.first?.description.hasPrefix("line 2: ") == true)
        #expect(processor.reviewsProcessed == 2)
        #expect(processor.errorCount == 1)
        #expect(processor.linesRead == 3)
        // The bad line did not touch the good card.
        #expect(processor.card("ok")?.reviewCount == 2)
    }

    @Test("invalid UTF-8 in a card id is rejected")
    func invalidUTF8() {
        let processor = ReplayProcessor(scheduler: scheduler)
        var bytes = Array(#"{"card": "a"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#"", "rating": 3, "at": "2026-01-01T00:00:00Z"}"#.utf8)
        bytes.append(0x0A)
        processor.feed(bytes)
        processor.finish()
        #expect(processor.takeErrors().first?.reason.contains("UTF-8") == true)
        #expect(processor.reviewsProcessed == 0)
    }

    @Test("accepts any key order, JSON whitespace, CRLF and a last line without newline")
    func lenientWhitespace() {
        let (lines, errors) = replay(
            "{\"at\":\"2026-01-01T00:00:00Z\",\"rating\":4,\"card\":\"x\"}\r\n"
                + "  {  \"rating\" : 3 ,\t\"card\" : \"x\" , \"at\" : \"2026-01-20T00:00:00+02:00\"  }  \n"
                + "{\"card\":\"y\",\"rating\":2,\"at\":\"2026-01-01T00:00:00.250Z\"}")
        #expect(errors.isEmpty)
        #expect(lines.count == 3)
        #expect(lines[2].contains(#""due":"2026-01-01T00:05:30.250000Z""#))
    }

    @Test("escaped ids are decoded, so both spellings are the same card, and re-escaped on output")
    func escapedIDs() throws {
        let (lines, errors) = replay(
            """
            {"card": "\\u0063\\"1\\u00fc", "rating": 3, "at": "2026-01-01T00:00:00Z"}
            {"card": "c\\"1ü", "rating": 3, "at": "2026-01-01T00:10:00Z"}
            {"card": "😀\\ud83d\\ude00\\n", "rating": 1, "at": "2026-01-01T00:10:00Z"}

            """)
        #expect(errors.isEmpty)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix(#"{"card":"c\"1ü","state":"learning","step":1"#))
        #expect(lines[1].hasPrefix(#"{"card":"c\"1ü","state":"review""#))
        let third = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        #expect(third["card"] as? String == "😀😀\n")
    }

    @Test("many interleaved cards, long ids and table growth")
    func manyCards() throws {
        var input = ""
        var expected: [String: SRSCard] = [:]
        let t0 = date("2026-01-01T00:00:00Z")
        for round in 0..<3 {
            for k in 0..<3000 {
                let id = k % 3 == 0 ? "a-very-long-card-identifier-number-\(k)" : "c\(k)"
                let at = t0.addingTimeInterval(Double(round * 86400 * 3 + k))
                let rating = SRSRating(rawValue: (k + round) % 4 + 1)!
                input += #"{"card":"\#(id)","rating":\#(rating.rawValue),"at":"\#(UTCTimestamp.format(at))"}"# + "\n"
                expected[id] = scheduler.review(expected[id] ?? SRSCard(id: id, due: at), rating: rating, at: at).card
            }
        }
        let processor = ReplayProcessor(scheduler: scheduler)
        processor.feed(input)
        processor.finish()
        #expect(processor.takeErrors().isEmpty)
        #expect(processor.cardCount == 3000)
        #expect(processor.reviewsProcessed == 9000)
        for (id, card) in expected {
            #expect(processor.card(id) == card, "\(id)")
        }
        #expect(processor.card("missing") == nil)
    }

    @Test("the output, the errors and every card are the same for 1, 2 and 3 shards, fed in odd-sized chunks")
    func shardsGiveTheSameAnswer() throws {
        let fuzzed = try FSRSScheduler()
        var input = ""
        let t0 = date("2026-03-01T00:00:00Z")
        for k in 0..<4000 {
            let id = k % 5 == 0 ? "card with \\\"escapes\\\" \(k % 97)" : "c\(k % 613)"
            let at = UTCTimestamp.format(t0.addingTimeInterval(Double(k * 37)))
            input += k % 401 == 7 ? "{\"card\": \"broken\"\n" : #"{"card":"\#(id)","rating":\#(k % 4 + 1),"at":"\#(at)"}"# + "\n"
        }
        input += #"{"card":"last","rating":3,"at":"2026-04-01T00:00:00Z"}"#  // no newline at the end
        func run(_ shards: Int) -> (String, [ReplayLineError], ReplayProcessor) {
            let processor = ReplayProcessor(scheduler: fuzzed, shards: shards)
            let bytes = Array(input.utf8)
            var i = 0, step = 1
            var output = ""
            while i < bytes.count {  // chunks of 1, 2, 3, … 4,099 bytes: lines split anywhere
                let end = min(bytes.count, i + step)
                processor.feed(Array(bytes[i..<end]))
                processor.takeOutput { output += String(decoding: $0, as: UTF8.self) }
                i = end
                step = step % 4099 + 1
            }
            processor.finish()
            processor.takeOutput { output += String(decoding: $0, as: UTF8.self) }
            return (output, processor.takeErrors(), processor)
        }
        let (one, oneErrors, reference) = run(1)
        #expect(oneErrors.count == 10)
        #expect(one.split(separator: "\n").count == 3991)
        for shards in [2, 3] {
            let (output, errors, processor) = run(shards)
            #expect(output == one, "\(shards) shards")
            #expect(errors == oneErrors)
            #expect(processor.reviewsProcessed == reference.reviewsProcessed)
            #expect(processor.linesRead == reference.linesRead)
            #expect(processor.cardCount == reference.cardCount)
            for id in ["c0", "c612", "last", "card with \"escapes\" 5"] {  // the id as JSON decodes it
                #expect(processor.card(id) != nil && processor.card(id) == reference.card(id), "\(id)")
            }
        }
    }

    @Test("--fuzz replay gives what the library's fuzzed review gives")
    func fuzzMatchesLibrary() throws {
        let fuzzed = try FSRSScheduler()
        let fixture = ReferenceFixture.all[0]
        let (output, errors) = ReplayProcessor.replay(fixture.replayInput, scheduler: fuzzed)
        #expect(errors.isEmpty)
        var cards: [String: SRSCard] = [:]
        var differs = 0
        for (line, review) in zip(output.split(separator: "\n"), fixture.reviews) {
            let at = date(review.at)
            let next = fuzzed.review(cards[review.card] ?? SRSCard(id: review.card, due: at), rating: SRSRating(rawValue: review.rating)!, at: at).card
            cards[review.card] = next
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let due = try #require(object["due"] as? String)
            if next.due < date("2250-01-01T00:00:00Z") { #expect(due == UTCTimestamp.format(next.due)) }
            if due != review.due { differs += 1 }
        }
        // Fuzz does change some review intervals relative to the unfuzzed reference.
        #expect(differs > 100)
    }

    @Test("retention and maximum interval are honoured")
    func configuration() throws {
        let input = """
            {"card": "c", "rating": 4, "at": "2026-01-01T00:00:00Z"}
            {"card": "c", "rating": 4, "at": "2026-01-09T00:00:00Z"}

            """
        let capped = replay(input, scheduler: try FSRSScheduler(maximumInterval: 5, enableFuzzing: false)).lines
        #expect(capped[0].contains(#""due":"2026-01-06T00:00:00Z""#))
        let strict = replay(input, scheduler: try FSRSScheduler(desiredRetention: 0.97, enableFuzzing: false)).lines
        let loose = replay(input, scheduler: try FSRSScheduler(desiredRetention: 0.70, enableFuzzing: false)).lines
        #expect(strict[1] != loose[1])
    }
}
