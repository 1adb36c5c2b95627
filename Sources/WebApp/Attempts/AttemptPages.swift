import Foundation
import KnowledgeBase

// View models of the mock-interview pages (one struct per page; stored properties only, Mustache reads by reflection).

struct PromptModel {
    let text: String
}

struct EditorStepModel {
    let n: Int
    /// The step's raw value: form field suffix and JSON `step`.
    let key: String
    let title: String
    let minutes: Int
    let prompts: [PromptModel]
    let body: String
    let version: Int
    let seconds: Int
    let spent: String
    /// A problem with this step (too long), shown next to it.
    let stepError: String?
    /// Another tab saved newer text: what is stored now (the learner's own text stays in the textarea).
    let conflictText: String?
    let conflictVersion: Int?
    /// Preview rendered on the server for the no-JavaScript preview button (safe HTML).
    let previewHTML: String?
    /// The interviewer: questions asked on this step, its follow-up, and what the last form post said.
    let asked: [ChatTurnModel]
    let followUp: FollowUpModel?
    let questionDraft: String
    let askError: String?
    let interviewerNote: String?
}

struct ChoiceModel {
    let value: Int
    let label: String
    let selected: Bool
}

struct AttemptEditorPage {
    let layout: LayoutModel
    let id: Int64
    let caseTitle: String, caseURL: String, historyURL: String
    let csrfToken: String
    /// "Re-drill: Evaluation" for a one-step attempt.
    let drillTitle: String?
    let totalMinutes: Int, totalSeconds: Int, wrapUpMinutes: Int
    let spent: String
    let steps: [EditorStepModel]
    let submitted: String?
    let reviewURL: String
    let notice: String?
    let pageError: String?
    let maxStepKB: Int
    /// This case has an interviewer sheet.
    let hasInterviewer: Bool
    let followUpChoices: [ChoiceModel]
    let followUpsLeft: Int
}

struct ReviewStepModel {
    let n: Int, key: String, title: String
    let answerHTML: String
    let empty: Bool
    let referenceHTML: String
    let hasReference: Bool
    let points: [GradedPointModel]
    let hasPoints: Bool
    /// The grader's score for the step, nil while the grader is not ready.
    let scored: StepScoreModel?
    /// Below the bar: offer a re-drill of this step.
    let redrillURL: String?
    let covered: Int, total: Int
    let spent: String
    let minutes: Int
}

/// A wrapper, because Mustache treats a bare 0 as false and would hide a step that scored nothing.
struct StepScoreModel {
    let value: Int
    /// Below the calibrated bar for a solid step.
    let below: Bool
}

struct LevelModel {
    let value: Int, signal: String, meaning: String, checked: Bool
    let inputId: String
}

struct DimensionModel {
    let key: String, title: String, question: String
    let levels: [LevelModel]
    let chosen: String?
}

struct AttemptReviewPage {
    let layout: LayoutModel
    let id: Int64
    let caseTitle: String, caseURL: String, historyURL: String, editorURL: String, exportURL: String, gradeURL: String, practiseURL: String
    let csrfToken: String
    /// Exactly one of these three: the grade, the grader warming up (the page refreshes itself), or why it cannot grade.
    let summary: GradeSummaryModel?
    let warming: GradeWarmingModel?
    let unavailable: String?
    let spent: String
    let steps: [ReviewStepModel]
    let dimensions: [DimensionModel]
    let graded: Bool
    let gradeSummary: String?
    let notice: String?
    let transcript: TranscriptReviewModel?
}

struct HistoryRowModel {
    let url: String, reviewURL: String, exportURL: String
    let started: String, duration: String
    let status: String
    let score: Int?
    let scoreText: String
    let selfGrade: String
}

struct AttemptHistoryPage {
    let layout: LayoutModel
    let caseTitle: String, caseURL: String, slug: String
    let csrfToken: String
    let rows: [HistoryRowModel]
    let hasRows: Bool
    /// The progress chart (safe SVG built by `AttemptProgress.chart`) and its table, once two attempts are graded.
    let chartSVG: String?
    let chartRows: [AttemptProgress.ChartRow]
    let stepTitles: [String]
}

/// The "start a mock interview" box on a case-study page.
struct MockInterviewModel {
    let startURL: String
    let csrfToken: String?
    let signInURL: String?
    let historyURL: String?
    let attempts: Int
    let minutes: Int
}

/// Dates as the attempt pages print them, always in UTC and British English ("3 Dec 2026").
enum UTCDates {
    static func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = pattern
        return f
    }
}

enum Durations {
    /// "12 min 5 s", "0 s".
    static func format(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s) s" }
        let m = s / 60, r = s % 60
        if m < 60 { return r == 0 ? "\(m) min" : "\(m) min \(r) s" }
        return "\(m / 60) h \(m % 60) min"
    }
}
