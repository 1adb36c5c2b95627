import Foundation
import GRDB
import Grader
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KnowledgeBase
import Storage
import Testing
@testable import WebApp

private let caseURL = "/cases/video-recommendation"

extension Browser {
    /// Starts an attempt on `caseURL` and returns its id.
    func startAttempt(_ url: String = caseURL, step: String? = nil) async throws -> Int64 {
        let r = try await submit(url + "/attempts", step.map { [("step", $0)] } ?? [], tokenFrom: url)
        guard r.status == .seeOther, let loc = r.location, loc.hasPrefix("/attempts/"), let id = Int64(loc.dropFirst("/attempts/".count))
        else { throw TestFailure("start failed: \(r.status) \(r.location ?? "")") }
        return id
    }

    /// The JSON autosave, as app.js sends it. `token: nil` sends no X-CSRF-Token header.
    func autosave(_ id: Int64, step: String, text: String, version: Int, seconds: Int? = nil, token: String?) async throws -> TestResponse {
        var h = headers()
        h[.contentType] = "application/json"
        if let token { h[HTTPField.Name("X-CSRF-Token")!] = token }
        var object: [String: Any] = ["step": step, "text": text, "version": version]
        if let seconds { object["seconds"] = seconds }
        let body = try JSONSerialization.data(withJSONObject: object)
        let r = try await client.executeRequest(uri: "/attempts/\(id)/autosave", method: .post, headers: h, body: ByteBuffer(bytes: body))
        absorb(r)
        return r
    }
}

extension TestResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:] }
}

func storedStep(_ db: AppDatabase, _ attempt: Int64, _ step: String) async throws -> (String, Int) {
    try await db.writer.read { db in
        let row = try Row.fetchOne(db, sql: "SELECT body, version FROM attemptStep WHERE attemptId = ? AND step = ?", arguments: [attempt, step])
        return (row?["body"] ?? "", row?["version"] ?? -1)
    }
}

/// Cross-site-scripting payloads a learner (or someone pasting into a shared computer) might type.
let xssPayloads = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[c](&#106;avascript:alert(1))",
    "[v](vbscript:msgbox(1))",
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![i](data:image/png;base64,iVBORw0KGgo=)",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<details open ontoggle=alert(1)>",
    "\"><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    "`<script>` in code is fine",
]

/// The page with every textarea's content removed, after checking that content is fully escaped (no "<").
func withoutTextareas(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    var out = ""
    var rest = Substring(html)
    while let open = rest.range(of: "<textarea") {
        out += rest[..<open.lowerBound]
        guard let tagEnd = rest[open.upperBound...].firstIndex(of: ">"), let close = rest[tagEnd...].range(of: "</textarea>") else { break }
        let content = rest[rest.index(after: tagEnd)..<close.lowerBound]
        #expect(!content.contains("<"), "unescaped textarea content", sourceLocation: sourceLocation)
        rest = rest[close.upperBound...]
    }
    return out + rest
}

/// No active content anywhere in `html` (a full page or a fragment): the only scripts are the site's own file.
func expectInert(_ html: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lower = html.lowercased()
    let scripts = lower.components(separatedBy: "<script").count - 1
    let ownScripts = lower.components(separatedBy: "<script src=\"/js/app.js").count - 1
    #expect(scripts == ownScripts, "\(context): script tag", sourceLocation: sourceLocation)
    for bad in ["onerror=", "onload=", "ontoggle=", "javascript:", "vbscript:", "href=\"data:", "src=\"data:", "<svg onload", "<iframe", "<img src=x"] {
        #expect(!lower.contains(bad), "\(context): \(bad)", sourceLocation: sourceLocation)
    }
}

@Suite struct AttemptTests {
    @Test func startingNeedsSignInAndReturnsToTheCase() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            let page = try await b.get(caseURL)
            #expect(page.text.contains("href=\"/login?next=/cases/video-recommendation\">Sign in to start a mock interview"))
            #expect(!page.text.contains("solution-gate"))
            let token = try await b.csrfToken(from: "/login")
            let r = try await b.post(caseURL + "/attempts", [("csrf_token", token)])
            #expect(r.status == .seeOther)
            #expect(r.location == "/login?next=/cases/video-recommendation")
            #expect(try await b.get("/attempts/1").location == "/login?next=/attempts/1")
            try await b.signUp("starter")
            #expect(try await b.submit("/cases/nope/attempts", [], tokenFrom: caseURL).status == .notFound)
            #expect(try await b.submit("/foundations/feature-stores/attempts", [], tokenFrom: caseURL).status == .notFound)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attempt") } == 0)
        }
    }

    @Test func theEditorHasAClockAndOneBoxWithPromptsPerStep() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("editor")
            let casePage = try await b.get(caseURL)
            #expect(casePage.text.contains("action=\"/cases/video-recommendation/attempts\""))
            #expect(casePage.text.contains("Start a mock interview"))
            let id = try await b.startAttempt()
            let page = try await b.get("/attempts/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("of 45 min"))
            #expect(page.text.contains("wrap up 2 min"))
            for step in FrameworkStep.allCases {
                #expect(page.text.contains("name=\"text_\(step.rawValue)\""))
                #expect(page.text.contains("name=\"version_\(step.rawValue)\" value=\"0\""))
                #expect(page.text.contains("of \(step.suggestedMinutes) min suggested"))
                #expect(page.text.contains(InterviewGuide.prompts(step)[0].replacingOccurrences(of: "'", with: "&#39;")))
            }
            #expect(page.text.components(separatedBy: "What the interviewer listens for").count - 1 == 7)
            #expect(page.text.contains("id=\"clock-toggle\""))
            #expect(page.text.contains("Submit and see the review"))
            #expect(FrameworkStep.allCases.map(\.suggestedMinutes).reduce(0, +) + InterviewGuide.wrapUpMinutes == 45)
        }
    }

    @Test func autosaveVersionsEachStepAndRefusesStaleWrites() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("saver")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            let first = try await b.autosave(id, step: "requirements", text: "Goal: watch time", version: 0, seconds: 65, token: token)
            #expect(first.status == .ok)
            #expect(first.json["version"] as? Int == 1)
            let second = try await b.autosave(id, step: "requirements", text: "Goal: long-term watch time", version: 1, token: token)
            #expect(second.json["version"] as? Int == 2)
            // An older tab, still at version 1, tries to overwrite: 409 with the current text, nothing stored.
            let stale = try await b.autosave(id, step: "requirements", text: "old tab text", version: 1, token: token)
            #expect(stale.status == .conflict)
            #expect(stale.json["text"] as? String == "Goal: long-term watch time")
            #expect(stale.json["version"] as? Int == 2)
            #expect(try await storedStep(db, id, "requirements") == ("Goal: long-term watch time", 2))
            // A retry of a save that did land is not a conflict.
            let retry = try await b.autosave(id, step: "requirements", text: "Goal: long-term watch time", version: 1, seconds: 90, token: token)
            #expect(retry.status == .ok)
            #expect(retry.json["version"] as? Int == 2)
            #expect(retry.json["seconds"] as? Int == 90)
            // Steps are independent.
            #expect(try await b.autosave(id, step: "framing", text: "two towers", version: 0, token: token).status == .ok)
            // Missing or wrong CSRF token: 403 and nothing saved.
            let forged = try await b.autosave(id, step: "requirements", text: "forged", version: 2, token: nil)
            #expect(forged.status == .forbidden)
            #expect(try await b.autosave(id, step: "requirements", text: "forged", version: 2, token: "not-the-token").status == .forbidden)
            #expect(try await storedStep(db, id, "requirements") == ("Goal: long-term watch time", 2))
            // Bad input: 400 with a message.
            let badStep = try await b.autosave(id, step: "lunch", text: "x", version: 0, token: token)
            #expect(badStep.status == .badRequest)
            #expect((badStep.json["error"] as? String)?.contains("no step") == true)
            var h = b.headers()
            h[.contentType] = "application/json"
            h[HTTPField.Name("X-CSRF-Token")!] = token
            let garbage = try await client.executeRequest(uri: "/attempts/\(id)/autosave", method: .post, headers: h, body: ByteBuffer(string: "{nope"))
            #expect(garbage.status == .badRequest)
        }
    }

    @Test func aStepOver100KBIsRefusedAndNothingIsLost() async throws {
        try await withAccountsApp(configure: { $0.maxBodyBytes = 1 << 20 }) { client, db in
            let b = Browser(client)
            try await b.signUp("bigtext")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "impressions and watch logs", version: 0, token: token)
            let huge = String(repeating: "a", count: 100 * 1024 + 1)
            let r = try await b.autosave(id, step: "data", text: huge, version: 1, token: token)
            #expect(r.status == .contentTooLarge)
            #expect((r.json["error"] as? String)?.contains("the limit is 100 KB") == true)
            #expect(try await storedStep(db, id, "data") == ("impressions and watch logs", 1))
            // The plain form: the big step is refused and shown back; the other steps are saved.
            let form = try await b.post("/attempts/\(id)", [("csrf_token", token), ("text_data", huge), ("version_data", "1"),
                                                            ("text_model", "a two-tower model"), ("version_model", "0"), ("action", "save")])
            #expect(form.status == .contentTooLarge)
            #expect(form.text.contains("longer than 100 KB"))
            #expect(form.text.contains(String(repeating: "a", count: 1000)))
            #expect(try await storedStep(db, id, "data") == ("impressions and watch logs", 1))
            #expect(try await storedStep(db, id, "model") == ("a two-tower model", 1))
            // A 100 KB text exactly is fine.
            let ok = try await b.autosave(id, step: "data", text: String(repeating: "b", count: 100 * 1024), version: 1, token: token)
            #expect(ok.status == .ok)
        }
        // With the test app's small request limit, a huge form is refused before any handler: still nothing lost.
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("bigbody")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "kept", version: 0, token: token)
            let r = try await b.post("/attempts/\(id)", [("csrf_token", token), ("text_data", String(repeating: "z", count: 120_000)), ("version_data", "1")])
            #expect(r.status == .contentTooLarge)
            #expect(try await storedStep(db, id, "data") == ("kept", 1))
        }
    }

    @Test func thePlainFormSavesEveryStepAndReportsConflicts() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("nojs")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            var fields = [("csrf_token", token), ("action", "save")]
            for step in FrameworkStep.allCases { fields += [("text_\(step.rawValue)", "answer for \(step.rawValue)"), ("version_\(step.rawValue)", "0")] }
            let r = try await b.post("/attempts/\(id)", fields)
            #expect(r.status == .seeOther)
            #expect(r.location == "/attempts/\(id)?notice=saved")
            for step in FrameworkStep.allCases { #expect(try await storedStep(db, id, step.rawValue) == ("answer for \(step.rawValue)", 1)) }
            let page = try await b.get("/attempts/\(id)?notice=saved")
            #expect(page.text.contains("Saved."))
            #expect(page.text.contains("name=\"version_model\" value=\"1\""))
            // The same form posted again from an old tab with different text: 409, both texts shown, store unchanged.
            let stale = try await b.post("/attempts/\(id)", [("csrf_token", token), ("text_model", "old tab"), ("version_model", "0")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("old tab"))
            #expect(stale.text.contains("answer for model"))
            #expect(stale.text.contains("changed in another tab"))
            #expect(try await storedStep(db, id, "model") == ("answer for model", 1))
            // Missing CSRF token: 403 and nothing saved.
            let forged = try await b.post("/attempts/\(id)", [("text_model", "forged"), ("version_model", "1")])
            #expect(forged.status == .forbidden)
            #expect(try await storedStep(db, id, "model") == ("answer for model", 1))
            // Preview without JavaScript: saves, then shows the rendered step.
            let preview = try await b.post("/attempts/\(id)", [("csrf_token", token), ("text_model", "**bold** idea"), ("version_model", "1"),
                                                               ("action", "preview:model")])
            #expect(preview.status == .ok)
            #expect(preview.text.contains("<strong>bold</strong> idea"))
            #expect(try await storedStep(db, id, "model") == ("**bold** idea", 2))
        }
    }

    @Test func previewRendersMarkdownSafely() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            let anonymous = try await b.csrfToken(from: "/login")
            #expect(try await b.post("/preview", [("csrf_token", anonymous), ("markdown", "x")]).status == .unauthorized)
            try await b.signUp("previewer")
            let token = try await b.csrfToken(from: "/me")
            let ok = try await b.post("/preview", [("csrf_token", token), ("markdown", "# Plan\n\n- **two-tower** retrieval\n- [docs](https://example.com)")])
            #expect(ok.status == .ok)
            #expect(ok.text.contains("<strong>two-tower</strong>"))
            #expect(ok.text.contains("<h1>Plan</h1>"))
            #expect(ok.text.contains("href=\"https://example.com\""))
            for payload in xssPayloads {
                let r = try await b.post("/preview", [("csrf_token", token), ("markdown", payload)])
                #expect(r.status == .ok)
                expectInert(r.text, "preview of \(payload)")
            }
            #expect(try await b.post("/preview", [("markdown", "x")]).status == .forbidden)
        }
        try await withAccountsApp(configure: { $0.maxBodyBytes = 1 << 20 }) { client, _ in
            let b = Browser(client)
            try await b.signUp("bigpreview")
            let token = try await b.csrfToken(from: "/me")
            let big = try await b.post("/preview", [("csrf_token", token), ("markdown", String(repeating: "x", count: 110_000))])
            #expect(big.status == .contentTooLarge)
            #expect(big.text.contains("the limit is 100 KB"))
        }
    }

    @Test func payloadsStayInertInTheEditorReviewAndExport() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("hacker")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            let all = xssPayloads.joined(separator: "\n\n")
            #expect(try await b.autosave(id, step: "requirements", text: all, version: 0, token: token).status == .ok)
            expectInert(withoutTextareas(try await b.get("/attempts/\(id)").text), "editor")
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.status == .ok)
            expectInert(review.text, "review")
            #expect(review.text.contains("&lt;script&gt;") || review.text.contains("raw HTML omitted"))
            let export = try await b.get("/attempts/\(id)/export.md")
            #expect(export.headers[.contentType] == "text/markdown; charset=utf-8")
            #expect(export.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(export.headers[.contentSecurityPolicy] != nil)
            // The export is the learner's own text, as typed: a download, never rendered by the browser.
            #expect(export.text.contains("<script>alert(1)</script>"))
            #expect(export.text.contains("## Clarifying requirements"))
        }
    }

    @Test func anotherUsersAttemptIsNotFoundOnEveryRoute() async throws {
        try await withAccountsApp { client, db in
            let owner = Browser(client)
            try await owner.signUp("owner")
            let id = try await owner.startAttempt()
            let ownerToken = try await owner.csrfToken(from: "/attempts/\(id)")
            _ = try await owner.autosave(id, step: "requirements", text: "owner-secret-zq", version: 0, token: ownerToken)
            _ = try await owner.post("/attempts/\(id)", [("csrf_token", ownerToken), ("action", "submit")])

            let other = Browser(client)
            try await other.signUp("intruder")
            let token = try await other.csrfToken(from: "/me")
            for target in ["\(id)", "\(id + 1)", "999999", "0", "-1", "abc", "9223372036854775807"] {
                for path in ["/attempts/\(target)", "/attempts/\(target)/review", "/attempts/\(target)/export.md"] {
                    let r = try await other.get(path)
                    #expect(r.status == .notFound, "GET \(path)")
                    #expect(!r.text.contains("owner-secret-zq"))
                }
                #expect(try await other.post("/attempts/\(target)", [("csrf_token", token), ("text_requirements", "pwned"), ("version_requirements", "1")]).status == .notFound)
                #expect(try await other.post("/attempts/\(target)/grade", [("csrf_token", token), ("grade_scoping", "4")]).status == .notFound)
                if let n = Int64(target) {
                    let r = try await other.autosave(n, step: "requirements", text: "pwned", version: 1, token: token)
                    #expect(r.status == .notFound)
                }
            }
            #expect(try await storedStep(db, id, "requirements") == ("owner-secret-zq", 1))
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attempt WHERE gradedAt IS NOT NULL") } == 0)
            // The intruder's history of the case is empty; the owner's is not.
            #expect(try await other.get(caseURL + "/attempts").text.contains("You have not attempted this case study yet"))
            #expect(try await owner.get(caseURL + "/attempts").text.contains("/attempts/\(id)/review"))
        }
    }

    @Test func submitShowsTheReviewWithCoverageAndSelfAssessment() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("reviewer")
            let id = try await b.startAttempt()
            // Not submitted yet: the review sends the learner back to the editor.
            #expect(try await b.get("/attempts/\(id)/review").location == "/attempts/\(id)?notice=submit-first")
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            let goal = "I would optimise satisfied **long-term watch time** rather than clicks, because a click on a misleading thumbnail says nothing about whether people come back."
            _ = try await b.autosave(id, step: "requirements", text: goal + " p99 latency 200 ms.", version: 0, seconds: 300, token: token)
            _ = try await b.autosave(id, step: "framing", text: "A two towers retrieval stage, then ranking.", version: 0, seconds: 120, token: token)
            let submit = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            #expect(submit.location == "/attempts/\(id)/review")
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.status == .ok)
            #expect(review.text.contains("<strong>long-term watch time</strong>"))
            #expect(review.text.contains("Reference solution"))
            let services = try await SharedServices.shared.get()
            let kb = services.knowledgeBase
            let doc = try #require(kb.document(at: caseURL))
            await services.grader.waitUntilSettled()
            guard case .graded(let report) = await services.grader.grade(
                slug: "video-recommendation",
                steps: FrameworkStep.allCases.map { ($0.rawValue, $0 == .requirements ? goal + " p99 latency 200 ms." : $0 == .framing ? "A two towers retrieval stage, then ranking." : "") })
            else { Issue.record("the grader is not ready"); return }
            let reviewed = try await b.get("/attempts/\(id)/review")
            // The goal sentence earns the watch-time point, and is quoted and highlighted as its evidence.
            let goalPoint = try #require(report.points.first { $0.point == "satisfied-watch-time-goal" })
            #expect(goalPoint.verdict == .covered)
            #expect(goalPoint.evidence?.step == "requirements")
            #expect(reviewed.text.contains("<p class=\"big-number\">\(report.score)<span class=\"muted\">/100</span></p>"))
            #expect(reviewed.text.contains("<mark class=\"evidence\" id=\"ev-requirements-0\">I would optimise satisfied <strong>long-term watch time</strong>"))
            #expect(reviewed.text.contains("href=\"#ev-requirements-0\""))
            #expect(reviewed.text.contains("✓ Covered"))
            #expect(reviewed.text.contains("✗ Missed"))
            #expect(reviewed.text.contains("A strong answer says:"))
            #expect(reviewed.text.contains("Senior-level points covered"))
            // A missed point links to the paragraph of the reference that covers it.
            #expect(reviewed.text.contains("href=\"/cases/video-recommendation#"))
            // The JSON of the API is the same report.
            let api = try await b.get("/api/v1/attempts/\(id)/grade")
            #expect(api.status == .ok)
            let decoded = try JSONDecoder().decode(GradeReport.self, from: Data(api.text.utf8))
            #expect(decoded == report)
            let refSection = try #require(doc.sections.first { $0.step == .model })
            #expect(review.text.contains(String(refSection.html.prefix(200))))
            for d in InterviewGuide.dimensions { #expect(review.text.contains("name=\"grade_\(d.key)\"")) }
            for signal in ["No hire", "Lean no hire", "Hire", "Strong hire"] { #expect(review.text.contains(signal)) }
            #expect(review.text.contains("7 min"))
            // Self-assessment.
            let bad = try await b.post("/attempts/\(id)/grade", [("csrf_token", token), ("grade_scoping", "5")])
            #expect(bad.status == .badRequest)
            #expect(try await b.post("/attempts/\(id)/grade", [("csrf_token", token)]).status == .badRequest)
            #expect(try await b.post("/attempts/\(id)/grade", [("grade_scoping", "3")]).status == .forbidden)
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attempt WHERE gradedAt IS NOT NULL") } == 0)
            let graded = try await b.post("/attempts/\(id)/grade", [("csrf_token", token), ("grade_scoping", "3"), ("grade_framing", "4"),
                                                                    ("grade_communication", "2")])
            #expect(graded.location == "/attempts/\(id)/review?graded=1#self-assessment")
            let after = try await b.get("/attempts/\(id)/review?graded=1")
            #expect(after.text.contains("Your self-assessment is saved"))
            #expect(after.text.contains("id=\"grade-scoping-3\" name=\"grade_scoping\" value=\"3\" checked"))
            #expect(after.text.contains("Hire (average 3.0 of 4, 3 of 6 dimensions)"))
            // History, export, dashboard and streak.
            let history = try await b.get(caseURL + "/attempts")
            #expect(history.text.contains("\(report.score)/100"))
            #expect(history.text.contains("7 min"))
            #expect(history.text.contains("reviewed"))
            #expect(history.text.contains("Try again: start a new attempt"))
            let export = try await b.get("/attempts/\(id)/export.md")
            #expect(export.text.contains("Grader score: \(report.score)/100"))
            #expect(export.text.contains("satisfied **long-term watch time**"))
            let dash = try await b.get("/me")
            #expect(dash.text.contains("href=\"/attempts/\(id)\">Video recommendation"))
            #expect(dash.text.contains("graded \(report.score)/100"))
            #expect(dash.text.contains("1 <span class=\"muted\">day</span>"))
            // Retry: a second attempt appears in the history.
            let second = try await b.startAttempt()
            #expect(second != id)
            #expect(try await b.get(caseURL + "/attempts").text.contains("/attempts/\(second)\""))
        }
    }

    @Test func solutionsAreFoldedUntilTheLearnerAttemptsTheCase() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("gated")
            let before = try await b.get(caseURL)
            #expect(before.text.contains("<details class=\"solution-gate\" id=\"solution\">"))
            #expect(before.text.contains("Try it yourself first"))
            #expect(before.text.components(separatedBy: "<details class=\"solution-gate\"").count == 2)
            #expect(before.text.components(separatedBy: "</details>").count >= 2)
            // The folded sections are still in the page (one click reveals them).
            #expect(before.text.contains("id=\"model-development\""))
            _ = try await b.startAttempt()
            let after = try await b.get(caseURL)
            #expect(!after.text.contains("solution-gate"))
            #expect(after.text.contains("Your attempts at this case study (1)"))
            // Other case studies stay folded; anonymous pages never are.
            #expect(try await b.get("/cases/news-feed").text.contains("solution-gate"))
            #expect(!(try await Browser(client).get("/cases/news-feed").text.contains("solution-gate")))
        }
    }

    @Test func searchFindsOnlyMyOwnAttempts() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("searcher")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "Use zanzibarish negative sampling for retrieval.", version: 0, token: token)
            let mine = try await b.get("/search?q=zanzibarish")
            #expect(mine.text.contains("Your mock interviews"))
            #expect(mine.text.contains("href=\"/attempts/\(id)\""))
            let other = Browser(client)
            try await other.signUp("nosy")
            #expect(!(try await other.get("/search?q=zanzibarish").text.contains("/attempts/\(id)")))
            #expect(!(try await Browser(client).get("/search?q=zanzibarish").text.contains("/attempts/")))
        }
    }

    @Test func attemptsAreExportedAndDeletedWithTheAccount() async throws {
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("leaver")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "model", text: "gradient boosted trees", version: 0, token: token)
            let export = try await b.get("/me/export")
            #expect(export.text.contains("\"attemptStep\""))
            #expect(export.text.contains("gradient boosted trees"))
            try await db.writer.write { try $0.execute(sql: "DELETE FROM user") }
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT (SELECT COUNT(*) FROM attempt) + (SELECT COUNT(*) FROM attemptStep)") } == 0)
        }
    }
}

@Suite struct GradedReviewTests {
    @Test func aReviewAskedForWhileTheGraderWarmsUpSaysSoAndRefreshes() async throws {
        let warming = GraderService(rubricVersion: "test")
        try await withAccountsApp(grader: warming) { client, _ in
            let b = Browser(client)
            try await b.signUp("early")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "Labels come from **watch events**.", version: 0, seconds: 5, token: token)
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.status == .ok)
            #expect(review.text.contains("Grading…"))
            #expect(review.text.contains("<meta http-equiv=\"refresh\" content=\"3\">"))
            // The answer is still shown, and the API says to come back.
            #expect(review.text.contains("<strong>watch events</strong>"))
            let api = try await b.get("/api/v1/attempts/\(id)/grade")
            #expect(api.status == .serviceUnavailable)
            #expect(api.headers[.retryAfter] == "5")
            // Practising a point before the grade exists leads back to the review, which says why nothing was added.
            let early = try await b.post("/attempts/\(id)/practise", [("csrf_token", token), ("point", "all")])
            #expect(early.location == "/attempts/\(id)/review?practise=later")
            #expect(try await b.get("/attempts/\(id)/review?practise=later").text.contains("Nothing was added yet"))
        }
    }

    @Test func aStoredGradeIsShownAfterARestartWhileTheGraderWarmsUp() async throws {
        let shared = try await SharedServices.shared.get()
        await shared.grader.waitUntilSettled()
        let database = try AppDatabase.inMemory(migrations: shared.migrations)
        actor Box { var id: Int64 = 0; func set(_ v: Int64) { id = v } }
        let box = Box()
        try await withAccountsApp(database: database) { client, _ in
                let b = Browser(client)
                try await b.signUp("restarted")
                let id = try await b.startAttempt()
                await box.set(id)
                let token = try await b.csrfToken(from: "/attempts/\(id)")
                _ = try await b.autosave(id, step: "evaluation", text: "Split by time, never randomly, so the model is tested on the future it will face.",
                                         version: 0, seconds: 5, token: token)
                _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
                #expect(try await b.get("/attempts/\(id)/review").text.contains("class=\"big-number\""))
        }
        let id = await box.id
        // "Restarted": a grader still warming up, the same database. The stored grade is current, so it is shown.
        try await withAccountsApp(grader: GraderService(rubricVersion: shared.knowledgeBase.rubricVersion), database: database) { client, _ in
            let b = Browser(client)
            try await b.signIn("restarted")
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.text.contains("class=\"big-number\""))
            #expect(!review.text.contains("Grading…"))
            #expect(try await b.get(caseURL + "/attempts").text.contains("/100"))
            // An edit makes the stored grade stale: now the review waits for the grader.
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "Labels arrive late.", version: 0, seconds: 5, token: token)
            #expect(try await b.get("/attempts/\(id)/review").text.contains("Grading…"))
        }
    }

    @Test func missedPointsBecomeWeakPointCardsOnce() async throws {
        let shared = try await SharedServices.shared.get()
        await shared.grader.waitUntilSettled()
        let rubric = try #require(shared.knowledgeBase.rubrics["video-recommendation"])
        let scalePoint = try #require(rubric.first { $0.id == "scale-users-and-catalogue" })
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("weakling")
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "data", text: "Labels are clicks.", version: 0, seconds: 5, token: token)
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.text.contains("Practise this"))
            #expect(review.text.contains("value=\"scale-users-and-catalogue\""))

            // One point: a card in the case's Weak points deck, its front the point's probe question.
            let added = try await b.post("/attempts/\(id)/practise", [("csrf_token", token), ("point", "scale-users-and-catalogue")])
            #expect(added.location == "/attempts/\(id)/review?practise=1#point-scale-users-and-catalogue")
            func cards() async throws -> [Row] {
                try await db.writer.read { try Row.fetchAll($0, sql: "SELECT guid, deck, front, back FROM card WHERE userId IS NOT NULL ORDER BY id") }
            }
            var rows = try await cards()
            #expect(rows.count == 1)
            #expect(rows.first?["deck"] == "Weak points: Video recommendation")
            #expect(rows.first?["front"] == scalePoint.probe)
            #expect((rows.first?["back"] as String?)?.contains(scalePoint.says[0]) == true)
            #expect(try await b.get("/attempts/\(id)/review?practise=1").text.contains("Added to your Weak points deck"))

            // Twice does nothing; a point that is not in the rubric changes nothing; without the CSRF token, refused.
            #expect(try await b.post("/attempts/\(id)/practise", [("csrf_token", token), ("point", "scale-users-and-catalogue")]).location
                    == "/attempts/\(id)/review?practise=0#point-scale-users-and-catalogue")
            #expect(try await b.post("/attempts/\(id)/practise", [("csrf_token", token), ("point", "no-such-point")]).status == .badRequest)
            #expect(try await b.post("/attempts/\(id)/practise", [("point", "all")]).status == .forbidden)
            #expect(try await cards().count == 1)

            // All: every point not covered, once.
            let all = try await b.post("/attempts/\(id)/practise", [("csrf_token", token), ("point", "all")])
            let n = Int(try #require(all.location?.split(separator: "=").last?.split(separator: "#").first)) ?? -1
            rows = try await cards()
            #expect(n == rows.count - 1 && n > 30)
            #expect(Set(rows.map { $0["guid"] as String }).count == rows.count)
            // They are in the review queue like any card, and by default new weak-point cards come before chapter cards.
            #expect(try await b.get("/cards/review?deck=Weak%20points%3A%20Video%20recommendation").status == .ok)
            #expect(try await b.get("/cards/review").text.contains("Deck Weak points: Video recommendation · new card"))
            let st = try await b.csrfToken(from: "/cards/settings")
            _ = try await b.post("/cards/settings", [("csrf_token", st), ("desired_retention", "0.90"), ("maximum_interval", "36500"),
                                                    ("time_zone", "UTC"), ("day_start_hour", "4")])
            #expect(!(try await b.get("/cards/review").text.contains("Deck Weak points: Video recommendation")))

            // A later attempt that covers the point says so on its card; deleting the attempts keeps the cards.
            let later = try await b.startAttempt()
            let t2 = try await b.csrfToken(from: "/attempts/\(later)")
            _ = try await b.autosave(later, step: "requirements",
                                     text: "Roughly half a billion daily active users open the feed several times a day, against a catalogue of a billion eligible videos, so no stage can score every video.",
                                     version: 0, seconds: 5, token: t2)
            _ = try await b.post("/attempts/\(later)", [("csrf_token", t2), ("action", "submit")])
            _ = try await b.get("/attempts/\(later)/review")
            let back: String? = try await db.writer.read {
                try String.fetchOne($0, sql: "SELECT back FROM card WHERE guid = 'casebook-weak/video-recommendation/scale-users-and-catalogue'")
            }
            #expect(back?.contains(WeakPointCards.coveredMarker) == true)
            // Two graded attempts: the history draws them, the dashboard has a skill profile and a next step.
            let history = try await b.get(caseURL + "/attempts")
            #expect(history.text.contains("<svg class=\"progress-chart\""))
            #expect(history.text.contains("<polyline class=\"score-line\""))
            #expect(history.text.contains("Score per step, oldest first"))
            let dash = try await b.get("/me")
            #expect(dash.text.contains("Your skill profile"))
            #expect(dash.text.contains("Next: "))
            #expect(dash.text.contains("on Video recommendation"))
            #expect(dash.text.contains("on your first ones (1 case attempted more than once)"))
            try await db.writer.write { try $0.execute(sql: "DELETE FROM attempt") }
            #expect(try await cards().count == rows.count)
        }
    }

    @Test func theSettingAddsEveryMissedPointWhenTheReviewIsGraded() async throws {
        let shared = try await SharedServices.shared.get()
        await shared.grader.waitUntilSettled()
        try await withAccountsApp { client, db in
            let b = Browser(client)
            try await b.signUp("automatic")
            let settings = try await b.csrfToken(from: "/cards/settings")
            let saved = try await b.post("/cards/settings", [("csrf_token", settings), ("desired_retention", "0.90"), ("maximum_interval", "36500"),
                                                             ("time_zone", "UTC"), ("day_start_hour", "4"), ("add_weak_points", "1")])
            #expect(saved.location == "/cards/settings?saved=1")
            #expect(try await b.get("/cards/settings").text.contains("name=\"add_weak_points\" type=\"checkbox\" value=\"1\" checked"))
            let id = try await b.startAttempt()
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review")
            #expect(!review.text.contains("Practise this"))
            #expect(review.text.contains("Review your Weak points deck (42 cards)"))
            #expect(try await db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM card WHERE userId IS NOT NULL") } == 42)
        }
    }

    @Test func aReDrillIsOneStepOnItsOwnClockGradedOnThatStepsPoints() async throws {
        let shared = try await SharedServices.shared.get()
        await shared.grader.waitUntilSettled()
        let evaluationPoints = try #require(shared.knowledgeBase.rubrics["video-recommendation"]).filter { $0.step == "evaluation" }.count
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("driller")
            #expect(try await b.submit(caseURL + "/attempts", [("step", "lunch")], tokenFrom: caseURL).status == .badRequest)
            let id = try await b.startAttempt(step: "evaluation")
            let editor = try await b.get("/attempts/\(id)")
            #expect(editor.text.contains("Re-drill: Evaluation"))
            #expect(editor.text.contains("id=\"text-evaluation\""))
            #expect(!editor.text.contains("id=\"text-requirements\""))
            #expect(editor.text.contains("data-total-seconds=\"\(FrameworkStep.evaluation.suggestedMinutes * 60)\""))
            let token = try await b.csrfToken(from: "/attempts/\(id)")
            _ = try await b.autosave(id, step: "evaluation", text: "Split by time so the offline test looks like the future; report recall@k per stage.",
                                     version: 0, seconds: 60, token: token)
            // A step the drill does not hold is not saved.
            #expect(try await b.autosave(id, step: "data", text: "x", version: 0, seconds: 1, token: token).status == .notFound)
            _ = try await b.post("/attempts/\(id)", [("csrf_token", token), ("action", "submit")])
            let review = try await b.get("/attempts/\(id)/review")
            #expect(review.text.contains("id=\"review-evaluation\""))
            #expect(!review.text.contains("id=\"review-requirements\""))
            let api = try JSONDecoder().decode(GradeReport.self, from: Data(try await b.get("/api/v1/attempts/\(id)/grade").text.utf8))
            #expect(api.points.count == evaluationPoints)
            #expect(api.points.allSatisfy { $0.step == "evaluation" })
            #expect(api.steps.map(\.step) == ["evaluation"])
            #expect(try await b.get(caseURL + "/attempts").text.contains("Re-drill: Evaluation"))
            // A full attempt's weak step offers a re-drill; so does a weak-point card of that step.
            let full = try await b.startAttempt()
            let t2 = try await b.csrfToken(from: "/attempts/\(full)")
            _ = try await b.post("/attempts/\(full)", [("csrf_token", t2), ("action", "submit")])
            let fullReview = try await b.get("/attempts/\(full)/review")
            #expect(fullReview.text.contains("Re-drill this step"))
            _ = try await b.post("/attempts/\(full)/practise", [("csrf_token", t2), ("point", "all")])
            let card = try await b.get("/cards/review?deck=Weak%20points%3A%20Video%20recommendation&reveal=1")
            #expect(card.text.contains("Re-drill this step:"))
            #expect(card.text.contains("name=\"step\" value=\""))
        }
    }

    @Test func theGradeIsOnlyForTheAttemptsOwner() async throws {
        try await withAccountsApp { client, _ in
            let owner = Browser(client)
            try await owner.signUp("owner")
            let id = try await owner.startAttempt()
            let other = Browser(client)
            try await other.signUp("stranger")
            #expect(try await other.get("/api/v1/attempts/\(id)/grade").status == .notFound)
            #expect(try await other.get("/api/v1/attempts/999999/grade").status == .notFound)
            #expect(try await other.get("/api/v1/attempts/abc/grade").status == .notFound)
            #expect(try await Browser(client).get("/api/v1/attempts/\(id)/grade").status == .unauthorized)
        }
    }

    @Test func highlightsSurviveMarkdownAndNeverBreakTags() {
        let text = "First point here. Second *has emphasis* too.\n\n- a bullet with `code`"
        let units = AnswerSplitter.units(text)
        let html = EvidenceHighlighter.html(text, ranges: units.map { ($0.start, $0.end, "ev-\($0.start)") })
        #expect(html.contains("<mark class=\"evidence\" id=\"ev-0\">First point here.</mark>"))
        #expect(html.contains("<mark class=\"evidence\" id=\"ev-18\">Second <em>has emphasis</em> too.</mark>"))
        #expect(html.contains("<mark class=\"evidence\" id=\"ev-48\">a bullet with <code>code</code></mark>"))
        // A range that would cut through the emphasis is dropped, not half-tagged; no marker character leaks.
        let cut = EvidenceHighlighter.html(text, ranges: [(18, 28, "ev-x")])
        #expect(!cut.contains("<mark"))
        #expect(!cut.unicodeScalars.contains { (0xE000...0xEFFF).contains($0.value) })
        #expect(cut == UserMarkdown.html(text))
        // Text that already holds a private-use character is rendered as is.
        #expect(EvidenceHighlighter.html("x\u{E000}y", ranges: [(0, 1, "a")]) == UserMarkdown.html("x\u{E000}y"))
    }
}

@Suite struct AttemptProgressTests {
    func report(_ steps: [String: Int], missed: [String]) -> GradeReport {
        let json = """
            {"score": \(steps.values.reduce(0, +) / max(1, steps.count)),
             "steps": [\(FrameworkStep.allCases.map { "{\"step\": \"\($0.rawValue)\", \"score\": \(steps[$0.rawValue] ?? 50)}" }.joined(separator: ","))],
             "points": [\(missed.map { "{\"step\": \"evaluation\", \"point\": \"\($0)\", \"verdict\": \"missed\", \"contradicted\": false, \"bareList\": false}" }.joined(separator: ","))]}
            """
        return try! JSONDecoder().decode(GradeReport.self, from: Data(json.utf8))
    }

    @Test func theProfileNamesTheWeakestStepAndThePointMissedMost() {
        let rubric = ["fraud-detection": [
            GradablePoint(id: "split-by-time", step: "evaluation", level: "mid", point: "Splits by time", says: ["x"], evidence: [["x"]]),
            GradablePoint(id: "delayed-labels", step: "evaluation", level: "senior", point: "Waits for delayed labels", says: ["x"], evidence: [["x"]]),
        ]]
        let day: TimeInterval = 86_400
        let graded = [
            AttemptProgress.Graded(attemptId: 1, slug: "fraud-detection", startedAt: Date(timeIntervalSince1970: 0),
                                   report: report(["evaluation": 10], missed: ["delayed-labels", "split-by-time"])),
            AttemptProgress.Graded(attemptId: 2, slug: "fraud-detection", startedAt: Date(timeIntervalSince1970: day),
                                   report: report(["evaluation": 20], missed: ["delayed-labels"])),
            AttemptProgress.Graded(attemptId: 3, slug: "news-feed", startedAt: Date(timeIntervalSince1970: day),
                                   report: report(["evaluation": 60], missed: [])),
        ]
        let p = AttemptProgress.profile(graded, rubrics: rubric, titles: ["fraud-detection": "Fraud detection", "news-feed": "News feed"],
                                        caseURLs: ["fraud-detection": "/cases/fraud-detection"])
        // The latest attempt per case counts: fraud 20 and news feed 60 on Evaluation.
        let evaluation = p?.steps.first { $0.step == .evaluation }
        #expect(evaluation?.mean == 40 && evaluation?.cases == 2)
        #expect(p?.weakest == .evaluation)
        #expect(p?.suggestion == "Next: Evaluation on Fraud detection — you missed “Waits for delayed labels” in 2 attempts.")
        #expect(p?.suggestionURL == "/cases/fraud-detection#evaluation")
        #expect(AttemptProgress.profile([], rubrics: [:], titles: [:], caseURLs: [:]) == nil)
        // Fraud detection went from its first attempt to its second; news feed has one attempt, so it is left out.
        let first = graded[0].report.score, second = graded[1].report.score
        #expect(p?.trend == "Your latest attempts score up \(second - first) points on your first ones (1 case attempted more than once).")
    }

    @Test func theChartIsOneLineThroughEveryAttemptWithEscapedText() {
        let graded = (0..<3).map { i in
            AttemptProgress.Graded(attemptId: Int64(i), slug: "c", startedAt: Date(timeIntervalSince1970: Double(i) * 86_400),
                                   report: report(["data": i * 30], missed: []))
        }
        let rows = AttemptProgress.rows(graded.reversed(), bar: 31)
        #expect(rows.map(\.n) == [1, 2, 3])
        #expect(rows.first?.steps[2].below == true)
        let svg = AttemptProgress.chart(rows, bar: 31, caseTitle: "Ads <&> \"clicks\"")
        #expect(svg.contains("Ads &lt;&amp;&gt; &quot;clicks&quot;"))
        #expect(svg.components(separatedBy: "<circle").count == 4)
        #expect(svg.contains("<polyline class=\"score-line\""))
        #expect(svg.contains("class=\"bar-line\""))
    }
}

@Suite struct AnkiPackageRouteTests {
    @Test func theApkgIsAZipForTheSignedInLearnerOnly() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            #expect(try await b.get("/cards/export.apkg").status == .seeOther)
            try await b.signUp("phone")
            let r = try await b.get("/cards/export.apkg")
            #expect(r.status == .ok)
            #expect(r.headers[.contentDisposition] == "attachment; filename=\"casebook-cards.apkg\"")
            // A zip: the local-file signature, and the two entries' names inside.
            let bytes = Array(r.body.readableBytesView)
            #expect(bytes.prefix(4) == [0x50, 0x4B, 0x03, 0x04])
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("collection.anki2") && text.contains("media"))
            #expect(try await b.get("/cards/export.apkg?deck=no-such-deck").status != .internalServerError)
        }
    }

    @Test func checksumsAreAnkisFirstEightHexDigitsOfSHA1() {
        // sha1("hello") = aaf4c61d…: Anki stores int("aaf4c61d", 16).
        #expect(AnkiPackage.checksum("hello") == 0xAAF4_C61D)
        #expect(AnkiPackage.stripped("<b>What</b> is&nbsp;it?") == "What is it?")
    }
}

@Suite struct TransportAndExportHeaderTests {
    @Test func hstsOnlyBehindTLS() async throws {
        try await withAccountsApp(configure: { $0.secureCookies = true }) { client, _ in
            let r = try await client.execute(uri: "/cases", method: .get)
            #expect(r.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
        }
        try await withAccountsApp { client, _ in
            let r = try await client.execute(uri: "/cases", method: .get)
            #expect(r.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
        }
    }

    @Test func aDoubleSlashPathNeverRedirectsToAnotherHost() async throws {
        try await withApp { client in
            for path in ["//api", "//api/", "//example.com/x", "//css"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status == .notFound, "\(path)")
                #expect(r.headers[.location] == nil, "\(path)")
            }
            // A folder of our own still redirects to itself with one slash.
            let folder = try await client.execute(uri: "/api", method: .get)
            #expect(folder.headers[.location].map { !$0.hasPrefix("//") } ?? true)
        }
    }

    @Test func everyExportIsPrivateAndNotStored() async throws {
        try await withAccountsApp { client, _ in
            let b = Browser(client)
            try await b.signUp("exporter")
            let id = try await b.startAttempt()
            for path in ["/cards/export.txt", "/cards/export.apkg", "/me/export", "/attempts/\(id)/export.md"] {
                let r = try await b.get(path)
                #expect(r.status == .ok, "\(path)")
                #expect(r.headers[.cacheControl] == "private, no-store", "\(path)")
            }
        }
    }
}
