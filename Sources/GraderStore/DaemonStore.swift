import Foundation
import GraderModel

/// Everything the daemon keeps: submissions and their queue of jobs, gradings, tokens, the outbox
/// and reviews, behind one interface.
///
/// ``GraderDatabase`` (SQLite) is the embedded implementation. A PostgreSQL one, for several
/// daemons on one database, would claim with `FOR UPDATE SKIP LOCKED` and skip
/// ``releaseAbandonedLeases(at:)`` (which is sound only for the single daemon SQLite allows); the
/// workers and the API depend on this protocol only.
public protocol DaemonStore: Sendable {
    // MARK: Intake
    /// Stores a submission and queues its job in one transaction, after the idempotency, rate and
    /// queue-depth checks, which are made atomically with it.
    func enqueue(_ request: EnqueueRequest) throws -> EnqueueOutcome
    /// Queues a regrade of each submission (lower priority than new submissions).
    func enqueueRegrades(submissionIDs: [String], requestedBy: String?, at: Date) throws -> [GradingJob]

    // MARK: Workers
    /// Atomically leases the next job (highest priority, then oldest): a queued one, or one whose
    /// lease expired. The claim counts as an attempt and moves the job to `compiling`.
    func claimJob(owner: String, leaseSeconds: Double, at: Date) throws -> GradingJob?
    /// Extends a held lease; false when the lease is no longer this owner's.
    func renewLease(jobID: String, owner: String, until: Date) throws -> Bool
    func recordProgress(jobID: String, owner: String, phase: JobPhase, checksDone: Int, checksTotal: Int, at: Date) throws
    /// Stores the grading, finishes the job and writes its event to the outbox, in one transaction,
    /// only while `owner` holds the lease; throws ``QueueError/leaseLost(jobID:)`` otherwise.
    func complete(jobID: String, owner: String, report: GradingReport, event: OutboxEvent?, at: Date) throws
    /// Returns a held job to the queue. `countsAsAttempt` false (a graceful shutdown) takes back
    /// the attempt its claim counted.
    func handBack(jobID: String, owner: String, error: String?, countsAsAttempt: Bool) throws
    /// Requeues every started, unfinished job whatever its lease: for a daemon that holds the
    /// database alone, at start, when every lease it finds is a dead daemon's.
    func releaseAbandonedLeases(at: Date) throws -> Int

    // MARK: Reads
    func submission(id: String) throws -> StoredSubmission?
    func status(submissionID: String) throws -> SubmissionStatus?
    /// One grading's report. Gradings are immutable, so a report read by the id a status names
    /// belongs to that status, whenever it is read.
    func report(gradingID: String) throws -> GradingReport?
    /// Every submission of a challenge, oldest first.
    func submissionIDs(challenge: String) throws -> [String]
    func submissions(matching filter: SubmissionFilter) throws -> [SubmissionStatus]
    func latestReport(submissionID: String) throws -> GradingReport?
    func jobCounts() throws -> [GradingJob.State: Int]
    func job(id: String) throws -> GradingJob?

    // MARK: Tokens
    func insertToken(_ token: APIToken, secretSha256: String) throws
    /// The token and its secret's digest, revoked or not.
    func token(id: String) throws -> (token: APIToken, secretSha256: String)?
    func tokens() throws -> [APIToken]
    /// Revokes a token; false when there is no such token or it was revoked already.
    func revokeToken(id: String, at: Date) throws -> Bool

    // MARK: Outbox
    func dueEvents(at: Date, limit: Int) throws -> [OutboxEvent]
    func markDelivered(eventID: String, at: Date) throws
    func rescheduleEvent(eventID: String, attempts: Int, nextAttemptAt: Date, error: String) throws
    func outboxEvents() throws -> [OutboxEvent]

    // MARK: Reviews
    func insert(_ review: Review) throws
    func reviews(submissionID: String) throws -> [Review]
}
