import Foundation

/// A new submission to store and queue, with what the API checks atomically with it.
public struct EnqueueRequest: Sendable {
    public struct Idempotency: Sendable {
        public var key: String
        /// A digest of the request body: the same key with another body is refused.
        public var requestSha256: String
        public init(key: String, requestSha256: String) {
            self.key = key
            self.requestSha256 = requestSha256
        }
    }

    public struct Limits: Sendable {
        /// Jobs waiting (`queued`) beyond which new submissions are refused.
        public var maximumQueuedJobs: Int
        /// Submissions one token may store in any 60 seconds.
        public var submissionsPerMinute: Int
        /// Jobs of one token's submissions not finished yet (queued or grading).
        public var unfinishedPerOwner: Int
        public init(maximumQueuedJobs: Int, submissionsPerMinute: Int, unfinishedPerOwner: Int = .max) {
            self.maximumQueuedJobs = maximumQueuedJobs
            self.submissionsPerMinute = submissionsPerMinute
            self.unfinishedPerOwner = unfinishedPerOwner
        }
    }

    public var submission: StoredSubmission
    public var idempotency: Idempotency?
    public var limits: Limits
    public var at: Date

    public init(submission: StoredSubmission, idempotency: Idempotency?, limits: Limits, at: Date = Date()) {
        self.submission = submission
        self.idempotency = idempotency
        self.limits = limits
        self.at = at
    }
}

/// What became of an ``EnqueueRequest``. Only `accepted` stored anything.
public enum EnqueueOutcome: Sendable, Equatable {
    /// Stored and queued.
    case accepted(SubmissionStatus)
    /// The idempotency key was seen before with the same body: the first submission.
    case replayed(SubmissionStatus)
    /// The idempotency key was seen before with a different body.
    case keyReusedWithDifferentBody
    /// The token stored its limit of submissions in the last minute; try again after this many seconds.
    case rateLimited(retryAfterSeconds: Int)
    /// The token has its limit of submissions waiting or being graded.
    case tooManyUnfinished
    /// Too many jobs are waiting.
    case queueFull
}
