import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import WebApp

extension Browser {
    /// A JSON POST as app.js sends it (with the page's CSRF token, when given).
    func postJSON(_ uri: String, _ object: Any, token: String?) async throws -> TestResponse {
        var h = headers()
        h[.contentType] = "application/json"
        if let token { h[HTTPField.Name("X-CSRF-Token")!] = token }
        let r = try await client.executeRequest(uri: uri, method: .post, headers: h, body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        absorb(r)
        return r
    }
}

/// The interviewer's routes: the public API (answers, clear 400s, 404, rate limit) and, in a mock interview, asking
/// without JavaScript, the follow-up after a step, replies versioned like steps, and the transcript on the review.
@Suite struct InterviewerRouteTests {
    func ready() async throws {
        await (try await SharedServices.shared.get()).grader.waitUntilSettled()
    }

    @Test func theAPIAnswersFromTheSheetAndRefusesBadInputClearly() async throws {
        try await ready()
        try await withAccountsApp { client, db in
            let b = Browser(client)
            let url = "/api/v1/cases/fraud-detection/interviewer"
            let ok = try await b.postJSON(url, ["question": "How long after the payment does a chargeback arrive?"], token: nil)
            #expect(ok.status == .ok)
            #expect(ok.json["fact"] as? String == "label-delay")
            #expect(ok.json["kind"] as? String == "fact")
            #expect((ok.json["confidence"] as? Double).map { (0...1).contains($0) } == true)
            let off = try await b.postJSON(url, ["question": "how do I centre a div?"], token: nil)
            #expect(off.status == .ok)
            #expect(off.json["fact"] is NSNull)
            for bad: Any in [["question": ""], ["question": "   "], ["question": String(repeating: "why ", count: 130)], ["q": "x"], [1, 2]] {
                let r = try await b.postJSON(url, bad, token: nil)
                #expect(r.status == .badRequest)
                #expect(!(r.json["error"] as? String ?? "").isEmpty)
            }
            #expect(try await b.postJSON("/api/v1/cases/no-such-case/interviewer", ["question": "Hi?"], token: nil).status == .notFound)
            // Asking changes nothing but the rate-limit count.
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attemptTurn") } == 0)
        }
    }

    @Test func theAPIIsRateLimitedPerAddress() async throws {
        try await ready()
        try await withAccountsApp(configure: { $0.rateLimits.interviewerQuestions = 2 }) { client, _ in
            let b = Browser(client)
            let url = "/api/v1/cases/news-feed/interviewer"
            let h: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                var headers = b.headers(h)
                headers[.contentType] = "application/json"
                let r = try await client.executeRequest(uri: url, method: .post, headers: headers, body: ByteBuffer(string: #"{"question":"How many users?"}"#))
                statuses.append(r.status)
                if r.status == .tooManyRequests { #expect(r.headers[.retryAfter] != nil) }
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
        }
    }

    @Test func withoutJavaScriptAQuestionIsAskedAndAFollowUpPosedAndAnswered() async throws {
        try await ready()
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("nojs")
            let id = try await b.startAttempt("/cases/fraud-detection")
            let page = try await b.get("/attempts/\(id)")
            #expect(page.text.contains("name=\"question_requirements\""))
            #expect(page.text.contains("value=\"next:data\""))
            let token = try #require(Browser.csrfToken(in: page.text))
            // The question typed beside step 1 is asked even though "Save" was pressed: nothing typed is lost.
            let asked = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "save"),
                                                            ("question_requirements", "How long after the payment does a chargeback arrive?")])
            #expect(asked.status == .seeOther)
            #expect(asked.location == "/attempts/\(id)?notice=asked#ask-requirements")
            let after = try await b.get("/attempts/\(id)?notice=asked")
            #expect(after.text.contains("How long after the payment does a chargeback arrive?"))
            #expect(after.text.contains("chat-a is-fact"))
            // An empty-looking question is not asked; an overlong one is refused and kept in its box.
            let long = String(repeating: "what about scale ", count: 40)
            let refused = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "ask:model"), ("question_model", long)])
            #expect(refused.status == .ok)
            #expect(refused.text.contains("at most 500 characters"))
            #expect(refused.text.contains(long.trimmingCharacters(in: .whitespaces)))
            // A thin data step, then "Done with this step": a follow-up aimed at what it misses.
            let next = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "next:data"),
                                                           ("text_data", "We train on past payments."), ("version_data", "0")])
            #expect(next.status == .seeOther)
            #expect(next.location?.contains("#followup-") == true)
            let turns = try await db.writer.read { try Row.fetchAll($0, sql: "SELECT id, kind, step, ref, version FROM attemptTurn ORDER BY id") }
            #expect(turns.count == 2)
            let followUp = try #require(turns.last)
            #expect(followUp["kind"] as String == "followUp" && followUp["step"] as String == "data")
            let sheet = try #require((try await SharedServices.shared.get()).knowledgeBase.interviewers["fraud-detection"])
            let posed = try #require(sheet.followups.first { $0.id == followUp["ref"] as String })
            #expect(posed.step == "data")
            // Pressing it again shows the same follow-up, never a second one for the step.
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "next:data")])
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attemptTurn WHERE kind = 'followUp'") } == 1)
            // The reply box is on the page; a reply saved from the form, then a stale save is a conflict.
            let turnId: Int64 = followUp["id"]
            #expect(try await b.get("/attempts/\(id)").text.contains("name=\"reply_\(turnId)\""))
            let reply = "Labels mature over weeks, so I would evaluate on payments old enough for their chargebacks to have arrived."
            #expect(try await b.post("/attempts/\(id)", [("csrf_token", token), ("reply_\(turnId)", reply), ("replyversion_\(turnId)", "0")]).status == .seeOther)
            let stale = try await b.post("/attempts/\(id)", [("csrf_token", token), ("reply_\(turnId)", "older tab"), ("replyversion_\(turnId)", "0")])
            #expect(stale.status == .conflict)
            // The review shows the conversation, the reply's grade and what was never asked.
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review").text
            #expect(review.contains("Your conversation with the interviewer"))
            #expect(review.contains(posed.question.replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "\"", with: "&quot;")))
            #expect(review.contains("Reply: "))
            #expect(review.contains("You never asked about"))
            let export = try await b.get("/attempts/\(id)/export.md").text
            #expect(export.contains("## Conversation with the interviewer"))
            #expect(export.contains("How long after the payment does a chargeback arrive?"))
            #expect(export.contains(reply))
        }
    }

    @Test func theJSONRoutesBelongToTheAttemptsOwnerAndHonourTheFollowUpSetting() async throws {
        try await ready()
        try await withAccountsApp { client, _ in
            let owner = Browser(client)
            try await owner.signUp("owner")
            let id = try await owner.submit("/cases/news-feed/attempts", [("followups", "0")], tokenFrom: "/cases/news-feed").location
                .flatMap { Int64($0.dropFirst("/attempts/".count)) } ?? 0
            let token = try await owner.csrfToken(from: "/attempts/\(id)")
            let ask = try await owner.postJSON("/attempts/\(id)/ask", ["step": "requirements", "question": "How many people use the feed?", "key": "k1"], token: token)
            #expect(ask.status == .ok)
            let again = try await owner.postJSON("/attempts/\(id)/ask", ["step": "requirements", "question": "How many people use the feed?", "key": "k1"], token: token)
            #expect((again.json["turn"] as? [String: Any])?["id"] as? Int == (ask.json["turn"] as? [String: Any])?["id"] as? Int, "a retry is stored once")
            // A declined question is stored as declined, and shown so, not as the fallback.
            let declined = try await owner.postJSON("/attempts/\(id)/ask", ["step": "requirements", "question": "What colour should the buttons on the page be?"], token: token)
            #expect(((declined.json["turn"] as? [String: Any])?["ref"] as? String)?.hasPrefix("out-of-scope:") == true)
            #expect(try await owner.get("/attempts/\(id)").text.contains("chat-a is-out-of-scope"))
            let off = try await owner.postJSON("/attempts/\(id)/followup", ["step": "data"], token: token)
            #expect(off.status == .ok)
            #expect(off.json["turn"] is NSNull)
            #expect((off.json["reason"] as? String)?.contains("off") == true)
            #expect(try await owner.postJSON("/attempts/\(id)/ask", ["step": "nope", "question": "x?"], token: token).status == .badRequest)
            #expect(try await owner.postJSON("/attempts/\(id)/ask", ["step": "data", "question": "x?"], token: nil).status == .forbidden)
            let other = Browser(client)
            try await other.signUp("intruder")
            let otherToken = try await other.csrfToken(from: "/me")
            #expect(try await other.postJSON("/attempts/\(id)/ask", ["step": "data", "question": "Mine now?"], token: otherToken).status == .notFound)
            #expect(try await other.postJSON("/attempts/\(id)/reply", ["turn": 1, "text": "x", "version": 0], token: otherToken).status == .notFound)
            #expect(try await owner.submit("/cases/news-feed/attempts", [("followups", "7")], tokenFrom: "/cases/news-feed").status == .badRequest)
        }
    }
}
