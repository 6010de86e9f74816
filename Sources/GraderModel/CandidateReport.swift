import Foundation

/// What a candidate may see of a grading (schema `grader.candidate-report/v1`): the score per
/// criterion and the public checks, nothing of the hidden ones but how many passed.
///
/// Built by copying an allow-list of fields out of a ``GradingReport``, so a field added to the
/// full report later stays out of this view until someone decides it belongs here. Left out: hidden
/// checks' ids, titles, messages, evidence and output; the recommendation and its reasons (the
/// interviewers' business); red flags' messages (they quote hidden checks); the sanitizer's report
/// (it comes from the hidden concurrent checks); an internal error's message.
public struct CandidateReport: Codable, Sendable, Equatable {
    public static let schemaID = "grader.candidate-report/v1"

    public struct Criterion: Codable, Sendable, Equatable {
        public var id: CriterionID
        public var title: String
        public var category: String
        public var kind: Rubric.Kind
        public var points: Double
        public var maxPoints: Double
        /// The public checks that count toward it, and how many hidden ones do.
        public var publicChecks: [String]
        public var hiddenChecks: Int
        public var hiddenChecksPassed: Int
    }

    public struct HiddenSummary: Codable, Sendable, Equatable {
        public var total: Int
        public var passed: Int
    }

    public var schema: String = Self.schemaID
    public var submission: String
    public var challenge: String
    public var grading: String
    public var finishedAt: Date
    public var status: GradingStatus
    public var score: Double
    public var maxScore: Double
    public var manualPending: Double
    public var criteria: [Criterion]
    public var checks: [GradingReport.CheckEntry]
    public var hiddenChecks: HiddenSummary
    /// Red flags by id only.
    public var redFlags: [RedFlagID]
    public var compilerWarnings: [CompilerDiagnostic]
    public var concurrencyWarnings: [CompilerDiagnostic]
    public var policyFindings: [PolicyFinding]
    /// The compiler's message for `compile_error` and `contract_mismatch` (about the candidate's own
    /// code); for an internal error only that the grader failed.
    public var error: String?

    public init(_ report: GradingReport) {
        let publicIDs = Set(report.checks.filter { $0.visibility == .public }.map(\.id))
        let hidden = report.checks.filter { $0.visibility != .public }
        submission = report.submission.id
        challenge = report.challenge
        grading = report.grading.id
        finishedAt = report.grading.finishedAt
        status = report.status
        score = report.score
        maxScore = report.maxScore
        manualPending = report.manualPending
        criteria = report.criteria.map { entry in
            let hiddenRefs = entry.checks.filter { !publicIDs.contains($0.id) }
            return Criterion(id: entry.id, title: entry.title, category: entry.category, kind: entry.kind, points: entry.points,
                             maxPoints: entry.maxPoints, publicChecks: entry.checks.map(\.id).filter(publicIDs.contains),
                             hiddenChecks: hiddenRefs.count, hiddenChecksPassed: hiddenRefs.filter { $0.status.passed }.count)
        }
        checks = report.checks.filter { publicIDs.contains($0.id) }
        hiddenChecks = HiddenSummary(total: hidden.count, passed: hidden.filter { $0.status.passed }.count)
        redFlags = report.redFlags.map(\.id)
        compilerWarnings = report.diagnostics.compilerWarnings
        concurrencyWarnings = report.diagnostics.concurrencyWarnings
        policyFindings = report.diagnostics.policyFindings
        switch report.status {
        case .compileError, .contractMismatch: error = report.error
        case .internalError: error = "the grader failed on this submission; it does not count against you"
        default: error = nil
        }
    }
}
