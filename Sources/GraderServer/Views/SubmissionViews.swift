import Foundation
import GraderAPI
import GraderModel
import GraderStore

/// Builds the API's submission bodies from what the store holds, for a given caller.
enum SubmissionViews {
    static func body(_ status: SubmissionStatus, report: GradingReport?, for caller: APIToken) -> SubmissionBody {
        let job = status.job
        let view: ReportBody? = report.map { caller.role == .candidate ? .candidate(CandidateReport($0)) : .full($0) }
        return SubmissionBody(
            id: status.id, challenge: status.challenge, candidate: status.candidate, submittedAt: status.createdAt,
            status: status.status, job: job?.id, attempts: job?.attempts ?? 0,
            phases: PhaseTimes(queuedAt: job?.enqueuedAt ?? status.createdAt, compilingAt: job?.compilingAt,
                               // A queued regrade has not finished, whatever the last grading did.
                               runningAt: job?.runningAt, finishedAt: job == nil ? status.latestGrading?.finishedAt : job?.finishedAt),
            progress: Progress(checksDone: job?.checksDone ?? 0, checksTotal: job?.checksTotal ?? 0),
            grading: status.latestGrading?.id, score: status.latestGrading?.score, maxScore: status.latestGrading?.maxScore,
            report: view)
    }

    /// Whether `caller` may see the submission at all: candidates only their own.
    static func visible(_ status: SubmissionStatus, to caller: APIToken) -> Bool {
        caller.role != .candidate || status.ownerTokenID == caller.id
    }
}
