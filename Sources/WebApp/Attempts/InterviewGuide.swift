import KnowledgeBase

/// What the interviewer listens for at each step, and the self-assessment scale. Our own wording.
enum InterviewGuide {
    /// Minutes left for wrapping up after the seven steps (43 + 2 = 45).
    static let wrapUpMinutes = 2
    /// The whole interview.
    static var totalMinutes: Int { FrameworkStep.allCases.map(\.suggestedMinutes).reduce(0, +) + wrapUpMinutes }
    /// Longest text one step may hold (bytes of UTF-8).
    static let maxStepBytes = 100 * 1024

    static func prompts(_ step: FrameworkStep) -> [String] {
        switch step {
        case .requirements:
            ["What is the product goal, and which business number should move?",
             "Who are the users, and how many? Estimate requests per second at peak.",
             "What latency and freshness does the experience need?",
             "What is out of scope for this interview? Say it out loud."]
        case .framing:
            ["State the ML task: its input, its output and the label.",
             "Name the offline metric you optimise and the online metric the business watches.",
             "Why is ML the right tool here, and what would a simple baseline do?"]
        case .data:
            ["Where do labels come from, and how noisy or delayed are they?",
             "Which features describe the user, the item and the context? Which are computed in real time?",
             "How do you handle imbalance, missing values, leakage and privacy?"]
        case .model:
            ["Start simple, then justify each step up in complexity.",
             "Sketch the architecture (one stage or retrieval then ranking) and the loss.",
             "How is it trained, how often, and on which window of data?"]
        case .evaluation:
            ["How do you split data offline without leaking the future?",
             "Which offline metrics, and on which slices of users or items?",
             "How would an online experiment decide whether to ship?"]
        case .serving:
            ["Draw the request path and where the model runs: batch, online or both.",
             "How do you meet the latency budget (caching, approximate search, distillation)?",
             "How does a new model reach production safely (shadow, canary, rollback)?"]
        case .monitoring:
            ["Which signals say the model is degrading: data drift, prediction drift, business metrics?",
             "What triggers retraining, and who is alerted?",
             "What feedback loops or abuse could the system create?"]
        }
    }

    struct Dimension {
        let key: String, title: String, question: String
    }

    /// The six self-assessment dimensions; keys match the `attempt.grade*` columns.
    static let dimensions: [Dimension] = [
        Dimension(key: "scoping", title: "Scoping",
                  question: "Did I pin down the goal, the users, the scale and the constraints before designing?"),
        Dimension(key: "framing", title: "Framing and metrics",
                  question: "Did I state a precise ML task and tie offline metrics to the business outcome?"),
        Dimension(key: "data", title: "Data and features",
                  question: "Did I say where labels and features come from, and their pitfalls?"),
        Dimension(key: "modelling", title: "Modelling",
                  question: "Did I start from a baseline and justify the model, its loss and its training?"),
        Dimension(key: "serving", title: "Serving and operations",
                  question: "Did I cover latency, the serving path, safe rollout and monitoring?"),
        Dimension(key: "communication", title: "Communication",
                  question: "Was my answer structured, were trade-offs explicit, and did I manage the clock?"),
    ]

    struct Level {
        let value: Int, signal: String, meaning: String
    }

    /// The four-point scale with its hire signal.
    static let levels: [Level] = [
        Level(value: 1, signal: "No hire", meaning: "missing or wrong; the interviewer had to lead me"),
        Level(value: 2, signal: "Lean no hire", meaning: "touched on it, but shallow or with gaps I did not notice"),
        Level(value: 3, signal: "Hire", meaning: "solid and correct, with the main trade-offs named"),
        Level(value: 4, signal: "Strong hire", meaning: "deep and well prioritised; I raised issues before being asked"),
    ]

    static func signal(_ value: Int) -> String { levels.first { $0.value == value }?.signal ?? "" }
}
