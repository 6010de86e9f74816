import Foundation
import GraderAPI
import GraderModel
import GraderStore
import HTTPTypes
import Hummingbird

/// Builds the API's submission bodies from what the store holds, for a given caller.
enum SubmissionViews {
    /// The body without its report (listings, a new submission; ``response(_:for:reports:store:status:headers:)``
    /// adds the report in the caller's view).
    static func body(_ status: SubmissionStatus) -> SubmissionBody {
        let job = status.job
        return SubmissionBody(
            id: status.id, challenge: status.challenge, candidate: status.candidate, submittedAt: status.createdAt,
            status: status.status, job: job?.id, attempts: job?.attempts ?? 0,
            phases: PhaseTimes(queuedAt: job?.enqueuedAt ?? status.createdAt, compilingAt: job?.compilingAt,
                               // A queued regrade has not finished, whatever the last grading did.
                               runningAt: job?.runningAt, finishedAt: job == nil ? status.latestGrading?.finishedAt : job?.finishedAt),
            progress: Progress(checksDone: job?.checksDone ?? 0, checksTotal: job?.checksTotal ?? 0),
            grading: status.latestGrading?.id, score: status.latestGrading?.score, maxScore: status.latestGrading?.maxScore,
            report: nil)
    }

    /// One submission with its latest grading's report in the caller's view, the report taken
    /// already encoded from `reports`: the same bytes as encoding the body with the report in it.
    static func response(_ status: SubmissionStatus, for caller: APIToken, reports: ReportCache, store: any DaemonStore,
                         status httpStatus: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let body = try APICoding.encoder.encode(Self.body(status))
        guard let gradingID = status.latestGrading?.id,
              let report = try reports.json(gradingID: gradingID, view: .init(for: caller.role), load: store.report(gradingID:))
        else { return JSONResponse.make(json: body, status: httpStatus, headers: headers) }
        return JSONResponse.make(json: try splice(report: report, into: body), status: httpStatus, headers: headers)
    }

    /// `body`, encoded with `"report":null`, with `report` in place of the null.
    ///
    /// In the API's compact encoding a quote inside a string is always escaped, so `,"report":null`
    /// can only be the body's own member (never its first: the keys are sorted).
    static func splice(report: Data, into body: Data) throws -> Data {
        let marker = Data(#","report":null"#.utf8)
        guard let range = body.range(of: marker), body.range(of: marker, in: range.upperBound..<body.endIndex) == nil else {
            throw APIError.internal("a submission body did not encode as expected")
        }
        var spliced = body
        spliced.replaceSubrange(range, with: Data(#","report":"#.utf8) + report)
        return spliced
    }

    /// Whether `caller` may see the submission at all: candidates only their own.
    static func visible(_ status: SubmissionStatus, to caller: APIToken) -> Bool {
        caller.role != .candidate || status.ownerTokenID == caller.id
    }
}
