import Foundation
import GraderModel
import GraderPipeline
import GraderStore
import Logging
import ServiceLifecycle

/// One grading worker: claims a job, grades it, completes it; runs as a service of the daemon.
///
/// While grading it renews its lease every third of the lease's length; a lease it cannot renew
/// (another worker took the job after it expired) cancels the grading, which is then discarded.
/// On graceful shutdown the grading in flight is cancelled and its job handed back without
/// counting an attempt: a grading can take minutes and a cancelled one is never stored, so the
/// next daemon grades it from the start. A job claimed more than ``GradingPipeline/maximumAttempts``
/// times (the daemon died under it each time) is completed as `internal_error` without grading.
struct GradingWorker: Service {
    let owner: String
    let store: any DaemonStore
    let grader: any SubmissionGrader
    let configuration: DaemonConfiguration
    let signal: WorkSignal
    let metrics: DaemonMetrics
    let events: NotificationEvents?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let seen = signal.generation
                let job: GradingJob?
                do {
                    job = try store.claimJob(owner: owner, leaseSeconds: configuration.leaseSeconds, at: Date())
                } catch {
                    logger.error("claiming a job failed", metadata: ["error": "\(error)"])
                    job = nil
                }
                if let job {
                    await process(job)
                } else {
                    await signal.wait(since: seen, timeout: configuration.pollInterval)
                }
            }
        }
    }

    private func process(_ job: GradingJob) async {
        let claimed = ContinuousClock.now
        var logger = logger
        logger[metadataKey: "job"] = .string(job.id)
        logger[metadataKey: "submission"] = .string(job.submissionID)
        logger.info("grading", metadata: ["attempt": "\(job.attempts)", "kind": "\(job.kind.rawValue)"])
        do {
            guard let submission = try store.submission(id: job.submissionID) else {
                throw QueueError.unknownSubmission(job.submissionID)
            }
            let report: GradingReport
            if job.attempts > GradingPipeline.maximumAttempts {
                var failed = grader.internalErrorReport(
                    submission, gradingID: Identifier.make(prefix: "grd"),
                    message: "the job was claimed \(job.attempts - 1) times without completing (the daemon stopped or failed while grading it); last: \(job.lastError ?? "the daemon stopped")")
                failed.grading.attempts = job.attempts - 1
                try complete(job, failed, submission)
                report = failed
            } else {
                report = try await gradeUnderLease(job, submission)
            }
            metrics.recordGrading(report)
            // What the daemon added to the grading: from the claim to the committed completion,
            // less the pipeline's own time (scripts/bench-daemon.sh reads these).
            let wall = ContinuousClock.now - claimed
            let wallMs = Int(wall.components.seconds * 1000 + wall.components.attoseconds / 1_000_000_000_000_000)
            logger.info("graded", metadata: ["status": "\(report.status.rawValue)", "score": "\(report.score)",
                                             "wallMs": "\(wallMs)", "totalMs": "\(report.timings.totalMs)",
                                             "queueMs": "\(report.timings.queueMs)"])
        } catch is CancellationError {
            logger.info("grading cancelled; handing the job back")
            try? store.handBack(jobID: job.id, owner: owner, error: nil, countsAsAttempt: false)
        } catch let error as QueueError {
            logger.warning("job lost", metadata: ["error": "\(error)"])
        } catch {
            logger.error("grading failed; job requeued", metadata: ["error": "\(error)"])
            try? store.handBack(jobID: job.id, owner: owner, error: "\(error)", countsAsAttempt: true)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// What ended one of the two tasks of ``gradeUnderLease(_:_:)``.
    private enum Ending: Sendable {
        case graded(GradingReport)
        case cancelled
        case leaseLost
    }

    private func gradeUnderLease(_ job: GradingJob, _ submission: StoredSubmission) async throws -> GradingReport {
        let queueMilliseconds = max(0, Int(((job.compilingAt ?? Date()).timeIntervalSince(job.enqueuedAt) * 1000).rounded()))
        let (store, owner, jobID) = (self.store, self.owner, job.id)
        return try await withThrowingTaskGroup(of: Ending.self) { group in
            group.addTask {
                do {
                    return .graded(try await grader.grade(submission, queueMilliseconds: queueMilliseconds, progress: { event in
                        Self.record(event, jobID: jobID, owner: owner, store: store)
                    }, store: { report in
                        try Task.checkCancellation()
                        try complete(job, report, submission)
                    }))
                } catch is CancellationError {
                    return .cancelled
                }
            }
            group.addTask {
                // The lease keeper: ends only when the lease is lost (or it is cancelled).
                let interval = Duration.milliseconds(Int64(configuration.leaseSeconds * 1000 / 3))
                while true {
                    do { try await Task.sleep(for: interval) } catch { return .cancelled }
                    let renewed = (try? store.renewLease(jobID: jobID, owner: owner,
                                                         until: Date().addingTimeInterval(configuration.leaseSeconds))) ?? true
                    if !renewed { return .leaseLost }
                }
            }
            // The grading's own ending decides: a lost lease (or a shutdown) stops it, but a
            // grading that committed just before is still reported as graded.
            var leaseLost = false
            while let ending = try await group.next() {
                switch ending {
                case .graded(let report):
                    group.cancelAll()
                    return report
                case .leaseLost:
                    leaseLost = true
                    group.cancelAll()
                case .cancelled:
                    group.cancelAll()
                }
            }
            throw leaseLost ? QueueError.leaseLost(jobID: jobID) : CancellationError()
        }
    }

    private func complete(_ job: GradingJob, _ report: GradingReport, _ submission: StoredSubmission) throws {
        let event = try events?.finished(report, submission: submission)
        try store.complete(jobID: job.id, owner: owner, report: report, event: event, at: Date())
    }

    /// The phase and checks done, for the status route (hidden checks' names are not recorded).
    static func record(_ event: GradingEvent, jobID: String, owner: String, store: any DaemonStore) {
        switch event {
        case .compiling:
            try? store.recordProgress(jobID: jobID, owner: owner, phase: .compiling, checksDone: 0, checksTotal: 0, at: Date())
        case .runningChecks(let total):
            try? store.recordProgress(jobID: jobID, owner: owner, phase: .running, checksDone: 0, checksTotal: total, at: Date())
        case .checkFinished(_, let done, let total):
            try? store.recordProgress(jobID: jobID, owner: owner, phase: .running, checksDone: done, checksTotal: total, at: Date())
        case .preparingCheckModule, .racePass, .racePassFinished, .retrying:
            break
        }
    }
}
