import Foundation

/// A submission with where it stands: its latest job and its latest grading.
public struct SubmissionStatus: Sendable, Equatable {
    public var id: String
    public var challenge: String
    public var candidate: String
    public var createdAt: Date
    public var ownerTokenID: String?
    /// The latest job (a submission's own, or a later regrade); nil for a local `grade`.
    public var job: GradingJob?
    public var latestGrading: GradingSummary?

    /// `queued`, `compiling` or `running` while the latest job is unfinished, else the latest
    /// grading's status (`graded`, `compile_error`, …).
    public var status: String {
        if let job, job.state != .finished { return job.state.rawValue }
        return latestGrading?.status ?? GradingJob.State.queued.rawValue
    }
}

/// Which submissions a listing returns (all conditions must hold), newest first.
public struct SubmissionFilter: Sendable, Equatable {
    public var ownerTokenID: String?
    public var challenge: String?
    public var candidate: String?
    /// A value of ``SubmissionStatus/status``.
    public var status: String?
    public var limit: Int
    public var offset: Int

    public init(ownerTokenID: String? = nil, challenge: String? = nil, candidate: String? = nil, status: String? = nil,
                limit: Int = 50, offset: Int = 0) {
        self.ownerTokenID = ownerTokenID
        self.challenge = challenge
        self.candidate = candidate
        self.status = status
        self.limit = limit
        self.offset = offset
    }
}
