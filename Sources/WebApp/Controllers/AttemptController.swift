import Foundation
import Grader
import Hummingbird
import KnowledgeBase
import Storage

/// Mock interviews: start an attempt on a case study, write one answer per framework step against a 45-minute clock,
/// save (JSON autosave with a per-step version check, or a plain form without JavaScript), preview Markdown, submit,
/// then review the answer beside the reference solution, graded point by point against the case's rubric (with the
/// learner's own sentences as evidence), and a self-assessment.
///
/// Every attempt route looks the attempt up by id *and* the signed-in user, so another user's attempt (or a guessed
/// id) is a 404 everywhere.
struct AttemptController: Sendable {
    let kb: KnowledgeBase
    let views: Views
    let attempts: any AttemptRepository
    let grader: GraderService
    let weakCards: WeakPointCards
    let maxBodyBytes: Int
    var grading: AttemptGrading { AttemptGrading(grader: grader, attempts: attempts) }

    static let steps = FrameworkStep.allCases

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/cases/:slug/attempts") { req, ctx in try await start(req, ctx) }
        router.get("/cases/:slug/attempts") { _, ctx in try await history(ctx) }
        router.get("/attempts/:id") { req, ctx in try await editor(req, ctx) }
        router.post("/attempts/:id") { req, ctx in try await saveForm(req, ctx) }
        router.post("/attempts/:id/autosave") { req, ctx in try await autosave(req, ctx) }
        router.get("/attempts/:id/review") { req, ctx in try await review(req, ctx) }
        router.post("/attempts/:id/grade") { req, ctx in try await grade(req, ctx) }
        router.post("/attempts/:id/practise") { req, ctx in try await practise(req, ctx) }
        router.get("/attempts/:id/export.md") { _, ctx in try await export(ctx) }
        router.get("/api/v1/attempts/:id/grade") { _, ctx in try await gradeJSON(ctx) }
        router.post("/preview") { req, ctx in try await preview(req, ctx) }
    }

    // MARK: lookups

    func caseStudy(_ slug: String) -> Document? {
        guard let doc = kb.document(at: "/cases/\(slug)"), doc.kind == .caseStudy else { return nil }
        return doc
    }

    /// The signed-in user's attempt named in the path, with its case study; 404 for anything else.
    func load(_ ctx: AppRequestContext, next: (Int64) -> String) async throws -> (CurrentSession, AttemptRecord, Document) {
        let raw = ctx.parameters.get("id") ?? ""
        guard let id = Int64(raw), id > 0 else { throw AppError.notFound("There is no attempt \(raw.prefix(20)).") }
        guard let session = ctx.session else { throw SignInRequired(next: next(id)) }
        guard let attempt = try await attempts.attempt(id: id, userId: session.userId), let doc = caseStudy(attempt.caseSlug) else {
            throw AppError.notFound("There is no attempt \(id) in your account.")
        }
        return (session, attempt, doc)
    }

    // MARK: start and history

    /// A full mock interview, or with `step` a re-drill: a short attempt on that one step, graded on its points only.
    func start(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let slug = try ctx.parameters.require("slug")
        guard let doc = caseStudy(slug) else { throw AppError.notFound("There is no case study “\(slug.prefix(80))”.") }
        guard let session = ctx.session else { throw SignInRequired(next: doc.url) }
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        var steps = Self.steps
        if let raw = form["step"], !raw.isEmpty {
            guard let step = FrameworkStep(rawValue: raw) else {
                throw AppError(.badRequest, "There is no step “\(raw.prefix(40))” to re-drill; nothing was started.")
            }
            steps = [step]
        }
        // Follow-ups: two in a full interview, one in a re-drill, unless the form chose 0–3.
        var followUps = steps.count == 1 ? 1 : 2
        if let raw = form["followups"], !raw.isEmpty {
            guard let n = Int(raw), (0...3).contains(n) else {
                throw AppError(.badRequest, "Follow-ups must be a number from 0 (off) to 3; nothing was started.")
            }
            followUps = n
        }
        let id = try await attempts.createAttempt(userId: session.userId, caseSlug: doc.slug, steps: steps.map(\.rawValue),
                                                  followUps: followUps, now: Date())
        ctx.logger.info("attempt started", metadata: ["attemptId": "\(id)", "steps": "\(steps.count)"])
        return .redirect(to: "/attempts/\(id)")
    }

    /// The framework steps an attempt holds, in order: all seven, or the one step of a re-drill.
    static func steps(of records: [AttemptStepRecord]) -> [FrameworkStep] {
        let present = Set(records.map(\.step))
        let steps = FrameworkStep.allCases.filter { present.contains($0.rawValue) }
        return steps.isEmpty ? FrameworkStep.allCases : steps
    }

    /// "Re-drill: Evaluation" for a one-step attempt, nil for a full one.
    static func drillTitle(_ steps: [FrameworkStep]) -> String? {
        steps.count == 1 ? "Re-drill: \(steps[0].sectionTitle)" : nil
    }

    func history(_ ctx: AppRequestContext) async throws -> Response {
        let slug = try ctx.parameters.require("slug")
        guard let doc = caseStudy(slug) else { throw AppError.notFound("There is no case study “\(slug.prefix(80))”.") }
        guard let session = ctx.session else { throw SignInRequired(next: doc.url + "/attempts") }
        let list = try await attempts.attempts(userId: session.userId, caseSlug: doc.slug, limit: 200)
        // Grades already made only, in one query: a list of 200 attempts must not grade 200 answers.
        let graded = try await grading.current(userId: session.userId, caseSlug: doc.slug)
        let scores = Dictionary(graded.map { ($0.0.id, $0.1.score) }, uniquingKeysWith: { a, _ in a })
        var rows: [HistoryRowModel] = []
        for a in list {
            let steps = try await attempts.steps(attemptId: a.id, userId: session.userId)
            let score = scores[a.id]
            let kind = Self.drillTitle(Self.steps(of: steps))
            rows.append(HistoryRowModel(
                url: "/attempts/\(a.id)", reviewURL: "/attempts/\(a.id)/review", exportURL: "/attempts/\(a.id)/export.md",
                started: Self.dateTime(a.startedAt), duration: Durations.format(steps.map(\.secondsSpent).reduce(0, +)),
                status: kind.map { "\($0) · \(Self.status(a))" } ?? Self.status(a), score: score, scoreText: score.map { "\($0)/100" } ?? (a.submittedAt == nil ? "not submitted" : "open the review to grade"),
                selfGrade: Self.gradeSummary(a.grades) ?? "not graded"))
        }
        let reports = AttemptGrading.graded(graded)
        let bar = kb.gradingCalibration?.hireBar ?? 50
        let chartRows = AttemptProgress.rows(reports, bar: bar)
        let page = AttemptHistoryPage(layout: views.layout(nav: .cases, path: doc.url + "/attempts", session: session),
                                      caseTitle: doc.title, caseURL: doc.url, slug: doc.slug, csrfToken: session.csrfToken,
                                      rows: rows, hasRows: !rows.isEmpty,
                                      chartSVG: chartRows.isEmpty ? nil : AttemptProgress.chart(chartRows, bar: bar, caseTitle: doc.title),
                                      chartRows: chartRows, stepTitles: FrameworkStep.allCases.map { "\($0.rawValue.prefix(1).uppercased())\($0.rawValue.dropFirst())" })
        return html(page, template: "attempt-history")
    }

    // MARK: editor

    /// What to show in one step instead of the stored state (after a refused or conflicting form save).
    struct StepOverride {
        var text: String
        var version: Int?
        var error: String?
        var conflict: AttemptStepRecord?
        var previewHTML: String?
        /// The interviewer: a question kept in its box (refused), why, and what the interviewer said about a follow-up.
        var questionDraft: String?
        var askError: String?
        var interviewerNote: String?
    }

    func editor(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, attempt, doc) = try await load(ctx) { "/attempts/\($0)" }
        let notice: String? = switch req.uri.queryParameters.get("notice") {
        case "saved": "Saved. Every step is stored on the server."
        case "submit-first": "Submit your answer to see the review. You can keep editing afterwards."
        case "asked": "Saved. The interviewer's answer is beside the step."
        case "followup": "Saved. The interviewer's follow-up is under the step: answer it in the box there."
        case "followups": "Saved. The number of follow-ups for this interview is changed."
        default: nil
        }
        return try await renderEditor(session, attempt, doc, overrides: [:], notice: notice, error: nil, status: .ok)
    }

    func renderEditor(_ session: CurrentSession, _ attempt: AttemptRecord, _ doc: Document, overrides: [String: StepOverride],
                      replyOverrides: [Int64: String] = [:], replyConflicts: [Int64: String] = [:],
                      notice: String?, error: String?, status: HTTPResponse.Status) async throws -> Response {
        let records = try await attempts.steps(attemptId: attempt.id, userId: session.userId)
        let turns = try await attempts.turns(attemptId: attempt.id, userId: session.userId)
        let sheet = kb.interviewers[attempt.caseSlug]
        let stored = Dictionary(records.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        let present = Self.steps(of: records)
        let drill = Self.drillTitle(present)
        let minutes = drill == nil ? InterviewGuide.totalMinutes : present.map(\.suggestedMinutes).reduce(0, +)
        let steps = present.map { step -> EditorStepModel in
            let i = FrameworkStep.allCases.firstIndex(of: step) ?? 0
            let s = stored[step.rawValue]
            let o = overrides[step.rawValue]
            let seconds = s?.secondsSpent ?? 0
            return EditorStepModel(
                n: i + 1, key: step.rawValue, title: step.sectionTitle, minutes: step.suggestedMinutes,
                prompts: InterviewGuide.prompts(step).map(PromptModel.init), body: o?.text ?? s?.body ?? "",
                version: o?.version ?? s?.version ?? 0, seconds: seconds, spent: Durations.format(seconds),
                stepError: o?.error, conflictText: o?.conflict?.body, conflictVersion: o?.conflict?.version, previewHTML: o?.previewHTML,
                asked: TranscriptView.chat(turns, step: step.rawValue),
                followUp: TranscriptView.followUp(turns, step: step.rawValue, sheet: sheet, conflict: replyConflicts, replyOverride: replyOverrides),
                questionDraft: o?.questionDraft ?? "", askError: o?.askError, interviewerNote: o?.interviewerNote)
        }
        let posed = turns.filter { $0.kind == .followUp }.count
        let total = stored.values.map(\.secondsSpent).reduce(0, +)
        let page = AttemptEditorPage(
            layout: views.layout(nav: .cases, path: "/attempts/\(attempt.id)", session: session), id: attempt.id,
            caseTitle: doc.title, caseURL: doc.url, historyURL: doc.url + "/attempts", csrfToken: session.csrfToken,
            drillTitle: drill, totalMinutes: minutes, totalSeconds: minutes * 60,
            wrapUpMinutes: drill == nil ? InterviewGuide.wrapUpMinutes : 0, spent: Durations.format(total), steps: steps,
            submitted: attempt.submittedAt.map(Self.dateTime), reviewURL: "/attempts/\(attempt.id)/review",
            notice: notice, pageError: error, maxStepKB: InterviewGuide.maxStepBytes / 1024,
            hasInterviewer: sheet != nil,
            followUpChoices: (0...3).map { ChoiceModel(value: $0, label: $0 == 0 ? "off" : "\($0)", selected: $0 == attempt.followUps) },
            followUpsLeft: max(0, attempt.followUps - posed))
        return html(page, template: "attempt-editor", status: status)
    }

    /// The no-JavaScript save: every step's text and the version it was edited from, then save, submit or preview.
    func saveForm(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let (session, attempt, doc) = try await load(ctx) { "/attempts/\($0)" }
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        var overrides: [String: StepOverride] = [:]
        var edits: [StepEdit] = []
        for step in Self.steps {
            guard let text = form["text_\(step.rawValue)"] else { continue }
            let version = Int(form["version_\(step.rawValue)"] ?? "") ?? -1
            if let problem = Self.sizeProblem(text) {
                overrides[step.rawValue] = StepOverride(text: text, version: version, error: problem)
                continue
            }
            let seconds = form["seconds_\(step.rawValue)"].flatMap { Int($0) }.map { min(max($0, 0), 86_400) }
            edits.append(StepEdit(step: step.rawValue, body: text, baseVersion: version, secondsSpent: seconds))
        }
        let results = try await attempts.save(attemptId: attempt.id, userId: session.userId, edits: edits, now: Date())
        for (edit, result) in zip(edits, results) {
            if case .conflict(let current) = result {
                overrides[edit.step] = StepOverride(text: edit.body, version: current.version, conflict: current)
            }
        }
        // Replies to the interviewer's follow-ups, each checked against its version like a step.
        var replyOverrides: [Int64: String] = [:]
        var replyConflicts: [Int64: String] = [:]
        var replyTooLarge = false
        for (name, text) in form.all where name.hasPrefix("reply_") {
            guard let turnId = Int64(name.dropFirst("reply_".count)) else { continue }
            if Self.sizeProblem(text) != nil {
                replyOverrides[turnId] = text
                replyTooLarge = true
                continue
            }
            let version = Int(form["replyversion_\(turnId)"] ?? "") ?? -1
            if case .conflict(let current) = try await attempts.saveReply(attemptId: attempt.id, userId: session.userId, turnId: turnId,
                                                                          text: text, baseVersion: version, now: Date()) {
                replyOverrides[turnId] = text
                replyConflicts[turnId] = current.reply
            }
        }
        let action = form["action"] ?? "save"
        let tooLarge = overrides.values.contains { $0.error != nil } || replyTooLarge
        let conflicts = overrides.values.contains { $0.conflict != nil } || !replyConflicts.isEmpty
        if tooLarge || conflicts {
            let message = tooLarge
                ? "A step or reply is longer than \(InterviewGuide.maxStepBytes / 1024) KB, so it was not saved; your text is still in the box. Shorten it and save again. The rest was saved."
                : "A step or reply was changed in another tab or on another device since you opened this page, so your text for it was not saved. Both versions are shown: save again to keep yours, or copy what you need."
            return try await renderEditor(session, attempt, doc, overrides: overrides, replyOverrides: replyOverrides, replyConflicts: replyConflicts,
                                          notice: nil, error: message, status: tooLarge ? .contentTooLarge : .conflict)
        }
        // A question typed in any "Ask the interviewer" box is asked, whichever button was pressed: nothing typed is lost.
        let interviewer = InterviewerTurns(grader: grader, attempts: attempts)
        var askedStep: FrameworkStep?
        var askProblems = false
        for step in Self.steps {
            guard let question = form["question_\(step.rawValue)"], !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            let problem: String?
            switch try await interviewer.ask(attempt, step: step, question: question, clientKey: form["questionkey_\(step.rawValue)"]) {
            case .asked: problem = nil
            case .invalid(let m): problem = m
            case .warmingUp(let phase, let fraction):
                problem = "The interviewer is still getting ready (\(phase), \(Int(fraction * 100))%). Your question is kept in the box: ask again in a few seconds."
            case .unavailable(let m): problem = "The interviewer cannot answer right now (\(m)). Your question is kept in the box."
            }
            if let problem {
                askProblems = true
                overrides[step.rawValue, default: StepOverride(text: form["text_\(step.rawValue)"] ?? "")].questionDraft = question
                overrides[step.rawValue]?.askError = problem
            } else {
                askedStep = step
            }
        }
        if askProblems {
            return try await renderEditor(session, attempt, doc, overrides: overrides, notice: nil,
                                          error: "A question could not be asked; it is kept in its box with the reason. Everything else was saved.", status: .ok)
        }
        if action == "submit" {
            _ = try await attempts.submit(attemptId: attempt.id, userId: session.userId, now: Date())
            return .redirect(to: "/attempts/\(attempt.id)/review")
        }
        if action.hasPrefix("preview:"), let step = FrameworkStep(rawValue: String(action.dropFirst("preview:".count))) {
            let text = form["text_\(step.rawValue)"] ?? ""
            overrides[step.rawValue] = StepOverride(text: text, previewHTML: UserMarkdown.html(text))
            var o = overrides
            o[step.rawValue]?.version = nil
            return try await renderEditor(session, attempt, doc, overrides: o, notice: "Saved. The preview is below “\(step.sectionTitle)”.",
                                          error: nil, status: .ok)
        }
        if action.hasPrefix("next:"), let step = FrameworkStep(rawValue: String(action.dropFirst("next:".count))) {
            // "Done with this step": the interviewer's turn.
            let fresh = try await attempts.attempt(id: attempt.id, userId: session.userId) ?? attempt
            let note: String
            switch try await interviewer.followUp(fresh, step: step) {
            case .posed(let t, _): return .redirect(to: "/attempts/\(attempt.id)?notice=followup#followup-\(t.ref ?? String(t.id))")
            case .none(let why): note = why
            case .warmingUp(let phase, let fraction):
                note = "The interviewer is still getting ready (\(phase), \(Int(fraction * 100))%); press the button again in a few seconds."
            }
            overrides[step.rawValue, default: StepOverride(text: form["text_\(step.rawValue)"] ?? "")].interviewerNote = note
            return try await renderEditor(session, attempt, doc, overrides: overrides, notice: "Saved.", error: nil, status: .ok)
        }
        if action == "followups" {
            guard let n = Int(form["followups"] ?? ""), (0...3).contains(n) else {
                throw AppError(.badRequest, "Follow-ups must be a number from 0 (off) to 3. Your text was saved; the setting is unchanged.")
            }
            _ = try await attempts.setFollowUps(attemptId: attempt.id, userId: session.userId, count: n)
            return .redirect(to: "/attempts/\(attempt.id)?notice=followups")
        }
        if let step = askedStep { return .redirect(to: "/attempts/\(attempt.id)?notice=asked#ask-\(step.rawValue)") }
        return .redirect(to: "/attempts/\(attempt.id)?notice=saved")
    }

    static func sizeProblem(_ text: String) -> String? {
        let bytes = text.utf8.count
        guard bytes > InterviewGuide.maxStepBytes else { return nil }
        return "This step is \(bytes / 1024) KB; the limit is \(InterviewGuide.maxStepBytes / 1024) KB per step. It was not saved; what was saved before is unchanged."
    }

    // MARK: autosave (JSON)

    struct AutosaveRequest: Decodable {
        let step: String
        let text: String
        let version: Int
        let seconds: Int?
    }

    func autosave(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let raw = ctx.parameters.get("id") ?? ""
        guard let session = ctx.session else {
            return Self.json(.unauthorized, ["error": "You are signed out. Your text is kept in this browser; sign in again to save it."])
        }
        guard let id = Int64(raw), id > 0, try await attempts.attempt(id: id, userId: session.userId) != nil else {
            return Self.json(.notFound, ["error": "There is no such attempt in your account."])
        }
        let body: ByteBuffer
        do {
            body = try await req.body.collect(upTo: maxBodyBytes)
        } catch {
            return Self.json(.contentTooLarge, ["error": "The request is larger than \(maxBodyBytes / 1024) KB, so it was not saved."])
        }
        guard let input = try? JSONDecoder().decode(AutosaveRequest.self, from: Data(body.readableBytesView)) else {
            return Self.json(.badRequest, ["error": "Send JSON with step, text, version and (optionally) seconds."])
        }
        guard let step = FrameworkStep(rawValue: input.step) else {
            return Self.json(.badRequest, ["error": "There is no step “\(input.step.prefix(40))”."])
        }
        if let problem = Self.sizeProblem(input.text) { return Self.json(.contentTooLarge, ["error": problem]) }
        let seconds = input.seconds.map { min(max($0, 0), 86_400) }
        let edit = StepEdit(step: step.rawValue, body: input.text, baseVersion: input.version, secondsSpent: seconds)
        let result = try await attempts.save(attemptId: id, userId: session.userId, edits: [edit], now: Date()).first ?? .notFound
        switch result {
        case .saved(let s):
            return Self.json(.ok, ["version": s.version, "seconds": s.secondsSpent])
        case .conflict(let current):
            return Self.json(.conflict, [
                "error": "This step was changed in another tab or on another device. Your text was not saved; compare the two and choose.",
                "version": current.version, "text": current.body,
            ])
        case .notFound:
            return Self.json(.notFound, ["error": "There is no such attempt in your account."])
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: preview

    /// Signed-in learners only, and through the bounded renderer: previews are the one place anyone could send
    /// Markdown to render without saving it.
    func preview(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        guard ctx.session != nil else { throw AppError(.unauthorized, "Sign in to preview Markdown; your text is still in the box.") }
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let markdown = form["markdown"] ?? ""
        if let problem = Self.sizeProblem(markdown) { throw AppError(.contentTooLarge, problem) }
        let html: String
        do { html = try await LearnerMarkdownGate.shared.render(markdown) } catch {
            var busy = Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "2"],
                                body: .init(byteBuffer: ByteBuffer(string: "Previews are busy; try again in a moment. Your text is unchanged.")))
            busy.headers[.cacheControl] = "no-store"
            return busy
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: review

    func review(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let (session, attempt, doc) = try await load(ctx) { "/attempts/\($0)/review" }
        guard attempt.submittedAt != nil else { return .redirect(to: "/attempts/\(attempt.id)?notice=submit-first") }
        let records = try await attempts.steps(attemptId: attempt.id, userId: session.userId)
        let turns = try await attempts.turns(attemptId: attempt.id, userId: session.userId)
        let stored = Dictionary(records.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        var graded: ReviewGrade?
        var warming: GradeWarmingModel?
        var unavailable: String?
        switch try await grading.grade(attempt, steps: records, turns: turns) {
        case .graded(let report):
            if let calibration = kb.gradingCalibration {
                var practised = try await weakCards.points(userId: session.userId, slug: doc.slug)
                // Cards of points this attempt covers say so.
                let covered = report.points.filter { $0.verdict == .covered && practised.contains($0.point) }.map(\.point)
                try await weakCards.noteCovered(userId: session.userId, slug: doc.slug, points: covered, date: attempt.startedAt, now: Date())
                if try await flashcardSettingsAddWeakPoints(session.userId) {
                    let added = try await addWeakCards(session.userId, doc, attempt, report, only: nil)
                    if added > 0 { practised = try await weakCards.points(userId: session.userId, slug: doc.slug) }
                }
                graded = ReviewGrade(report: report, rubric: kb.rubrics[doc.slug] ?? [], calibration: calibration, caseURL: doc.url,
                                     practised: practised, weakDeckURL: "/cards/review?deck=" + Self.queryEscaped(WeakPointCards.deck(doc)))
            }
        case .warmingUp(let phase, let fraction):
            warming = GradeWarmingModel(phase: phase, percent: Int((fraction * 100).rounded()))
        case .unavailable(let message):
            unavailable = message
        }
        let present = Self.steps(of: records)
        let steps = present.map { step -> ReviewStepModel in
            let i = FrameworkStep.allCases.firstIndex(of: step) ?? 0
            let body = stored[step.rawValue]?.body ?? ""
            let reference = doc.sections.first { $0.step == step }?.html ?? ""
            let points = graded?.points(for: step) ?? []
            return ReviewStepModel(
                n: i + 1, key: step.rawValue, title: step.sectionTitle,
                answerHTML: graded.map { EvidenceHighlighter.html(body, ranges: $0.ranges(in: step)) } ?? UserMarkdown.html(body),
                empty: body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, referenceHTML: reference,
                hasReference: !reference.isEmpty, points: points, hasPoints: !points.isEmpty, scored: graded.map { StepScoreModel(value: $0.stepScore(step), below: $0.stepScore(step) < $0.calibration.hireBar) },
                redrillURL: (graded.map { $0.stepScore(step) < $0.calibration.hireBar } ?? false) ? doc.url + "/attempts" : nil,
                covered: points.filter { $0.verdictClass == "is-covered" }.count, total: points.count,
                spent: Durations.format(stored[step.rawValue]?.secondsSpent ?? 0), minutes: step.suggestedMinutes)
        }
        let dimensions = InterviewGuide.dimensions.map { d in
            DimensionModel(key: d.key, title: d.title, question: d.question,
                           levels: InterviewGuide.levels.map { l in
                               LevelModel(value: l.value, signal: l.signal, meaning: l.meaning, checked: attempt.grades[d.key] == l.value,
                                          inputId: "grade-\(d.key)-\(l.value)")
                           },
                           chosen: attempt.grades[d.key].map(InterviewGuide.signal))
        }
        let total = stored.values.map(\.secondsSpent).reduce(0, +)
        let page = AttemptReviewPage(
            layout: views.layout(nav: .cases, path: "/attempts/\(attempt.id)/review", session: session), id: attempt.id,
            caseTitle: doc.title, caseURL: doc.url, historyURL: doc.url + "/attempts", editorURL: "/attempts/\(attempt.id)",
            exportURL: "/attempts/\(attempt.id)/export.md", gradeURL: "/api/v1/attempts/\(attempt.id)/grade",
            practiseURL: "/attempts/\(attempt.id)/practise", csrfToken: session.csrfToken,
            summary: graded?.summary(selfGrades: attempt.grades), warming: warming, unavailable: unavailable,
            spent: Durations.format(total), steps: steps, dimensions: dimensions, graded: !attempt.grades.isEmpty,
            gradeSummary: Self.gradeSummary(attempt.grades),
            notice: Self.reviewNotice(req),
            transcript: kb.interviewers[attempt.caseSlug] == nil ? nil : TranscriptView.review(
                turns, sheet: kb.interviewers[attempt.caseSlug], report: graded?.report))
        return html(page, template: "attempt-review")
    }

    /// `POST /attempts/{id}/practise` (`point` = a rubric point id, or `all`): the point (or every point the attempt
    /// missed or partly covered) becomes a card in the learner's "Weak points" deck for the case.
    func practise(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let (session, attempt, doc) = try await load(ctx) { "/attempts/\($0)/review" }
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        let point = form["point"] ?? ""
        let rubric = kb.rubrics[doc.slug] ?? []
        guard point == "all" || rubric.contains(where: { $0.id == point }) else {
            throw AppError(.badRequest, "There is no rubric point “\(point.prefix(60))” in this case; nothing was added.")
        }
        let records = try await attempts.steps(attemptId: attempt.id, userId: session.userId)
        guard case .graded(let report) = try await grading.grade(attempt, steps: records) else {
            // Not graded yet (warming up): back to the review, which says so and refreshes; nothing was added.
            return .redirect(to: "/attempts/\(attempt.id)/review?practise=later")
        }
        let added = try await addWeakCards(session.userId, doc, attempt, report, only: point == "all" ? nil : point)
        let anchor = point == "all" ? "grade-title" : "point-\(point)"
        return .redirect(to: "/attempts/\(attempt.id)/review?practise=\(added)#\(anchor)")
    }

    /// Adds the cards of `only` (any verdict), or of every point not covered; returns how many were new.
    func addWeakCards(_ userId: Int64, _ doc: Document, _ attempt: AttemptRecord, _ report: GradeReport, only: String?) async throws -> Int {
        let rubric = Dictionary((kb.rubrics[doc.slug] ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let ids = only.map { [$0] } ?? report.points.filter { $0.verdict != .covered }.map(\.point)
        let cards = ids.compactMap { rubric[$0] }.map { WeakPointCards.card($0, doc: doc, attemptDate: attempt.startedAt) }
        return try await weakCards.add(userId: userId, cards, now: Date())
    }

    func flashcardSettingsAddWeakPoints(_ userId: Int64) async throws -> Bool {
        try await weakCards.store.settings(userId: userId)?.addWeakPoints ?? false
    }

    static func queryEscaped(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    /// `GET /api/v1/attempts/{id}/grade`: the same JSON as `casebook grade`, for the attempt's owner only.
    func gradeJSON(_ ctx: AppRequestContext) async throws -> Response {
        let raw = ctx.parameters.get("id") ?? ""
        guard let session = ctx.session else {
            return Self.json(.unauthorized, ["error": "Sign in to read your attempts' grades."])
        }
        guard let id = Int64(raw), id > 0, let attempt = try await attempts.attempt(id: id, userId: session.userId),
            caseStudy(attempt.caseSlug) != nil
        else {
            return Self.json(.notFound, ["error": "There is no attempt \(raw.prefix(20)) in your account."])
        }
        let records = try await attempts.steps(attemptId: attempt.id, userId: session.userId)
        switch try await grading.grade(attempt, steps: records) {
        case .graded(let report):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
        case .warmingUp(let phase, let fraction):
            var r = Self.json(.serviceUnavailable, [
                "error": "The grader is warming up (\(phase), \(Int(fraction * 100))%). Try again in a few seconds.",
            ])
            r.headers[.retryAfter] = "5"
            return r
        case .unavailable(let message):
            return Self.json(.serviceUnavailable, ["error": "The grader is unavailable: \(message)"])
        }
    }

    static func reviewNotice(_ req: Request) -> String? {
        if req.uri.queryParameters.get("graded") == "1" { return "Your self-assessment is saved." }
        if req.uri.queryParameters.get("practise") == "later" {
            return "Nothing was added yet: the grader is still warming up. Once the grade shows, choose “Practise this” again."
        }
        if let n = req.uri.queryParameters.get("practise").flatMap({ Int($0) }) {
            return n == 0 ? "That point is already in your Weak points deck." : n == 1
                ? "Added to your Weak points deck: it comes up in your flashcard reviews."
                : "Added \(n) cards to your Weak points deck: they come up in your flashcard reviews."
        }
        return nil
    }

    func grade(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var req = req
        let (session, attempt, _) = try await load(ctx) { "/attempts/\($0)/review" }
        let form = try await FormFields.read(&req, limit: maxBodyBytes)
        var grades: [String: Int] = [:]
        for d in InterviewGuide.dimensions {
            guard let raw = form["grade_\(d.key)"], !raw.isEmpty else { continue }
            guard let v = Int(raw), (1...4).contains(v) else {
                throw AppError(.badRequest, "“\(d.title)” must be graded 1 to 4 (no hire to strong hire); nothing was changed.")
            }
            grades[d.key] = v
        }
        guard !grades.isEmpty else {
            throw AppError(.badRequest, "Choose a grade for at least one dimension; nothing was changed.")
        }
        _ = try await attempts.grade(attemptId: attempt.id, userId: session.userId, grades: grades, now: Date())
        return .redirect(to: "/attempts/\(attempt.id)/review?graded=1#self-assessment")
    }

    // MARK: export

    func export(_ ctx: AppRequestContext) async throws -> Response {
        let (session, attempt, doc) = try await load(ctx) { "/attempts/\($0)/export.md" }
        let stored = Dictionary(try await attempts.steps(attemptId: attempt.id, userId: session.userId).map { ($0.step, $0) },
                                uniquingKeysWith: { a, _ in a })
        let score = try await grading.currentScores(userId: session.userId, caseSlug: attempt.caseSlug)[attempt.id]
        var md = "# Mock interview: \(doc.title)\n\n"
        md += "- Started: \(Self.dateTime(attempt.startedAt))\n"
        md += "- Time spent: \(Durations.format(stored.values.map(\.secondsSpent).reduce(0, +)))\n"
        md += "- Status: \(Self.status(attempt))\n"
        if let score { md += "- Grader score: \(score)/100\n" }
        if let g = Self.gradeSummary(attempt.grades) { md += "- Self-assessment: \(g)\n" }
        for step in Self.steps(of: Array(stored.values)) {
            let s = stored[step.rawValue]
            md += "\n## \(step.sectionTitle)\n\n"
            md += "<!-- \(Durations.format(s?.secondsSpent ?? 0)) of \(step.suggestedMinutes) min suggested -->\n\n"
            let body = s?.body.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            md += body.isEmpty ? "_(no answer)_\n" : body + "\n"
        }
        let turns = try await attempts.turns(attemptId: attempt.id, userId: session.userId)
        if !turns.isEmpty {
            md += "\n## Conversation with the interviewer\n"
            for t in turns {
                let step = FrameworkStep(rawValue: t.step)?.sectionTitle ?? t.step
                switch t.kind {
                case .question: md += "\n- **You** (\(step)): \(t.prompt)\n  **Interviewer:** \(t.reply)\n"
                case .followUp:
                    let reply = t.reply.trimmingCharacters(in: .whitespacesAndNewlines)
                    md += "\n- **Interviewer, after \(step):** \(t.prompt)\n  **You:** \(reply.isEmpty ? "_(no reply)_" : reply)\n"
                }
            }
        }
        return Response(status: .ok, headers: [
            .contentType: "text/markdown; charset=utf-8",
            .contentDisposition: "attachment; filename=\"casebook-attempt-\(attempt.id)-\(doc.slug).md\"",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: md)))
    }

    // MARK: helpers

    static func status(_ a: AttemptRecord) -> String {
        if !a.grades.isEmpty { return "reviewed" }
        return a.submittedAt == nil ? "in progress" : "submitted"
    }

    /// "Hire (average 3.2 of 4, 6 of 6 dimensions)", or nil when not graded.
    static func gradeSummary(_ grades: [String: Int]) -> String? {
        guard !grades.isEmpty else { return nil }
        let mean = Double(grades.values.reduce(0, +)) / Double(grades.count)
        let rounded = (mean * 10).rounded() / 10
        return "\(InterviewGuide.signal(Int(mean.rounded()))) (average \(rounded) of 4, \(grades.count) of \(InterviewGuide.dimensions.count) dimensions)"
    }

    /// "3 March 2025, 14:05 UTC".
    static func dateTime(_ date: Date) -> String { UTCDates.formatter("d MMMM yyyy, HH:mm 'UTC'").string(from: date) }

    func html(_ model: Any, template: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: views.render(model, template: template))))
    }
}
