import Foundation

/// One request to grade a submission, as the queue holds it.
///
/// A job is claimed by one worker at a time under a lease (owner, expiry). A lease that expires
/// without the job finishing (the daemon was killed) lets another worker claim it again; each claim
/// counts as an attempt. Completion is conditional on holding the lease, so a job finishes once.
public struct GradingJob: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable, Codable {
        case queued, compiling, running, finished
    }

    public enum Kind: String, Sendable, Codable {
        case submission, regrade
    }

    /// New submissions are claimed before regrades.
    public enum Priority {
        public static let submission = 10
        public static let regrade = 0
    }

    public var id: String
    public var submissionID: String
    public var kind: Kind
    public var priority: Int
    public var state: State
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var enqueuedAt: Date
    public var compilingAt: Date?
    public var runningAt: Date?
    public var finishedAt: Date?
    public var checksDone: Int
    public var checksTotal: Int
    public var gradingID: String?
    public var lastError: String?
    public var requestedBy: String?
}

/// The phase a worker reports while it grades a claimed job.
public enum JobPhase: String, Sendable {
    case compiling, running
}

/// Why the queue refused a worker's write.
public enum QueueError: Error, Equatable, CustomStringConvertible {
    /// The job is no longer this worker's (its lease expired and another claimed it, or it finished).
    case leaseLost(jobID: String)
    case unknownSubmission(String)

    public var description: String {
        switch self {
        case .leaseLost(let id): "job \(id) is no longer leased to this worker"
        case .unknownSubmission(let id): "no submission \(id)"
        }
    }
}
