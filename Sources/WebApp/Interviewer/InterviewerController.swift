import Foundation
import Grader
import Hummingbird
import KnowledgeBase
import Storage

/// The interviewer's JSON routes: the public API for scripts, and the mock-interview editor's ask, follow-up and
/// reply calls (the editor's no-JavaScript form reaches the same `InterviewerTurns` through `AttemptController`).
struct InterviewerController: Sendable {
    let kb: KnowledgeBase
    let attempts: any AttemptRepository
    let grader: GraderService
    let rateLimits: any RateLimitStore
    let policy: RateLimitPolicy
    let maxBodyBytes: Int
    var turns: InterviewerTurns { InterviewerTurns(grader: grader, attempts: attempts) }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/v1/cases/:slug/interviewer") { req, ctx in try await apiAsk(req, ctx) }
        router.post("/attempts/:id/ask") { req, ctx in try await ask(req, ctx) }
        router.post("/attempts/:id/followup") { req, ctx in try await followUp(req, ctx) }
        router.post("/attempts/:id/reply") { req, ctx in try await reply(req, ctx) }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any?]) -> Response {
        AttemptController.json(status, object.mapValues { $0 ?? NSNull() })
    }

    static func warming(_ phase: String, _ fraction: Double) -> Response {
        var r = json(.serviceUnavailable, ["error": "The interviewer is warming up (\(phase), \(Int(fraction * 100))%). Try again in a few seconds."])
        r.headers[.retryAfter] = "5"
        return r
    }

    static func turnObject(_ t: TurnRecord) -> [String: Any] {
        ["id": t.id, "kind": t.kind.rawValue, "step": t.step, "prompt": t.prompt, "reply": t.reply, "ref": t.ref ?? NSNull(),
         "confidence": t.confidence ?? NSNull(), "version": t.version]
    }

    /// The JSON body as `T`, or the response to send instead.
    func decode<T: Decodable>(_ req: Request, as: T.Type, expect: String) async -> Result<T, ResponseBox> {
        let body: ByteBuffer
        do { body = try await req.body.collect(upTo: maxBodyBytes) } catch {
            return .failure(ResponseBox(Self.json(.contentTooLarge, ["error": "The request is larger than \(maxBodyBytes / 1024) KB."])))
        }
        guard let value = try? JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) else {
            return .failure(ResponseBox(Self.json(.badRequest, ["error": "Send a JSON object with \(expect)."])))
        }
        return .success(value)
    }

    /// An error `Result` can carry.
    struct ResponseBox: Error { let response: Response; init(_ r: Response) { response = r } }

    /// Too many questions from this address (or account) in the window: the wait, or nil.
    func limited(_ ctx: AppRequestContext) async throws -> Response? {
        let who = ctx.session.map { "user:\($0.userId)" } ?? "ip:" + (ctx.clientAddress ?? "unknown")
        guard let wait = try await rateLimits.hit(bucket: AccountController.bucket("interviewer", who), limit: policy.interviewerQuestions,
                                                  window: policy.interviewerWindow, now: Date())
        else { return nil }
        let seconds = max(1, Int(wait.rounded(.up)))
        var r = Self.json(.tooManyRequests, ["error": "Too many questions at once. Please wait \(seconds) seconds and ask again."])
        r.headers[.retryAfter] = "\(seconds)"
        return r
    }

    // MARK: API

    struct APIQuestion: Decodable { let question: String }

    /// `POST /api/v1/cases/{slug}/interviewer`: `{"question": "…"}` → `{"answer", "fact", "kind", "confidence"}`.
    func apiAsk(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let slug = ctx.parameters.get("slug") ?? ""
        guard kb.interviewers[slug] != nil else {
            return Self.json(.notFound, ["error": "There is no case study “\(slug.prefix(80))” with an interviewer. The slugs are listed at /cases."])
        }
        let input: APIQuestion
        switch await decode(req, as: APIQuestion.self, expect: "a string field “question”") {
        case .success(let q): input = q
        case .failure(let box): return box.response
        }
        if let problem = InterviewerMatcher.questionProblem(input.question) { return Self.json(.badRequest, ["error": problem]) }
        if let refused = try await limited(ctx) { return refused }
        switch await grader.ask(slug: slug, question: input.question.trimmingCharacters(in: .whitespacesAndNewlines)) {
        case .answered(let a):
            return Self.json(.ok, ["answer": a.answer, "fact": a.kind == .fact ? a.id : nil, "kind": a.kind.rawValue,
                                   "confidence": (Double(a.confidence) * 1000).rounded() / 1000])
        case .warmingUp(let phase, let fraction): return Self.warming(phase, fraction)
        case .unavailable(let message): return Self.json(.serviceUnavailable, ["error": "The interviewer is unavailable: \(message)"])
        }
    }

    // MARK: in a mock interview

    /// The signed-in user's attempt, or the JSON response to send instead.
    func attempt(_ ctx: AppRequestContext) async throws -> Result<AttemptRecord, ResponseBox> {
        guard let session = ctx.session else {
            return .failure(ResponseBox(Self.json(.unauthorized, ["error": "You are signed out. Your text is kept in this browser; sign in again to send it."])))
        }
        guard let id = Int64(ctx.parameters.get("id") ?? ""), id > 0, let a = try await attempts.attempt(id: id, userId: session.userId) else {
            return .failure(ResponseBox(Self.json(.notFound, ["error": "There is no such attempt in your account."])))
        }
        return .success(a)
    }

    struct AskRequest: Decodable {
        let step: String
        let question: String
        let key: String?
    }

    func ask(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let a: AttemptRecord
        switch try await attempt(ctx) { case .success(let x): a = x; case .failure(let box): return box.response }
        let input: AskRequest
        switch await decode(req, as: AskRequest.self, expect: "step, question and (optionally) key") {
        case .success(let q): input = q
        case .failure(let box): return box.response
        }
        guard let step = FrameworkStep(rawValue: input.step) else { return Self.json(.badRequest, ["error": "There is no step “\(input.step.prefix(40))”."]) }
        if let problem = InterviewerMatcher.questionProblem(input.question) { return Self.json(.badRequest, ["error": problem]) }
        if let refused = try await limited(ctx) { return refused }
        switch try await turns.ask(a, step: step, question: input.question, clientKey: input.key) {
        case .asked(let t): return Self.json(.ok, ["turn": Self.turnObject(t)])
        case .invalid(let m): return Self.json(.badRequest, ["error": m])
        case .warmingUp(let phase, let fraction): return Self.warming(phase, fraction)
        case .unavailable(let m): return Self.json(.serviceUnavailable, ["error": m])
        }
    }

    struct FollowUpRequest: Decodable { let step: String }

    func followUp(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let a: AttemptRecord
        switch try await attempt(ctx) { case .success(let x): a = x; case .failure(let box): return box.response }
        let input: FollowUpRequest
        switch await decode(req, as: FollowUpRequest.self, expect: "step") {
        case .success(let q): input = q
        case .failure(let box): return box.response
        }
        guard let step = FrameworkStep(rawValue: input.step) else { return Self.json(.badRequest, ["error": "There is no step “\(input.step.prefix(40))”."]) }
        switch try await turns.followUp(a, step: step) {
        case .posed(let t, let isNew):
            var object = Self.turnObject(t)
            let kind = kb.interviewers[a.caseSlug]?.followups.first { $0.id == t.ref }?.kind
            object["label"] = kind == .curveball ? "Curveball" : "Follow-up"
            return Self.json(.ok, ["turn": object, "new": isNew])
        case .none(let why): return Self.json(.ok, ["turn": nil, "reason": why])
        case .warmingUp(let phase, let fraction): return Self.warming(phase, fraction)
        }
    }

    struct ReplyRequest: Decodable {
        let turn: Int64
        let text: String
        let version: Int
    }

    func reply(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        let a: AttemptRecord
        switch try await attempt(ctx) { case .success(let x): a = x; case .failure(let box): return box.response }
        let input: ReplyRequest
        switch await decode(req, as: ReplyRequest.self, expect: "turn, text and version") {
        case .success(let q): input = q
        case .failure(let box): return box.response
        }
        if let problem = AttemptController.sizeProblem(input.text) { return Self.json(.contentTooLarge, ["error": problem]) }
        switch try await attempts.saveReply(attemptId: a.id, userId: a.userId, turnId: input.turn, text: input.text,
                                            baseVersion: input.version, now: Date()) {
        case .saved(let t): return Self.json(.ok, ["version": t.version])
        case .conflict(let current):
            return Self.json(.conflict, [
                "error": "This reply was changed in another tab or on another device. Your text was not saved; compare the two and choose.",
                "version": current.version, "text": current.reply,
            ])
        case .notFound: return Self.json(.notFound, ["error": "There is no such follow-up in this attempt."])
        }
    }
}
