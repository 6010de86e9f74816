import Foundation
import GraderModel
@testable import GraderStore
import GRDB
import Testing

/// The daemon's queue on SQLite: claims, leases, exactly-once completion, idempotency, limits.
@Suite final class QueueTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)")
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let limits = EnqueueRequest.Limits(maximumQueuedJobs: 100, submissionsPerMinute: 100)

    deinit { try? FileManager.default.removeItem(at: directory) }

    func submission(owner: String? = "tok_a", content: String = "let a = 1", at date: Date? = nil) -> StoredSubmission {
        StoredSubmission(id: Identifier.make(prefix: "sub"), challenge: "lru-cache", candidate: "ada", createdAt: date ?? t0,
                         sha256: String(repeating: "c", count: 64),
                         files: [.init(name: "A.swift", content: Data(content.utf8), sha256: "aa")], ownerTokenID: owner)
    }

    func report(for submission: StoredSubmission) -> GradingReport {
        GradingReport(
            submission: .init(id: submission.id, candidate: submission.candidate, submittedAt: submission.createdAt,
                              sha256: submission.sha256, files: []),
            challenge: "lru-cache", grading: .init(id: Identifier.make(prefix: "grd"), startedAt: t0, finishedAt: t0, attempts: 1),
            graderVersion: "0.1.0+test", status: .graded, score: 80, maxScore: 85, manualPending: 15, recommendation: .advance,
            recommendationReasons: [], criteria: [], checks: [], redFlags: [], diagnostics: .init(), timings: .init(), error: nil)
    }

    @discardableResult
    func enqueue(_ database: GraderDatabase, _ submission: StoredSubmission, key: String? = nil, digest: String = "d1",
                 limits: EnqueueRequest.Limits? = nil, at: Date? = nil) throws -> EnqueueOutcome {
        try database.enqueue(EnqueueRequest(submission: submission, idempotency: key.map { .init(key: $0, requestSha256: digest) },
                                            limits: limits ?? self.limits, at: at ?? t0))
    }

    func gradingCount(_ database: GraderDatabase) throws -> Int {
        try DatabaseQueue(path: database.path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM grading") ?? 0 }
    }

    @Test func aClaimLeasesTheJobOnceAndCountsAnAttempt() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        guard case .accepted(let status) = try enqueue(database, stored) else { Issue.record("not accepted"); return }
        #expect(status.status == "queued")
        #expect(try database.submission(id: stored.id) == stored)

        let job = try #require(try database.claimJob(owner: "w1", leaseSeconds: 60, at: t0))
        #expect(job.submissionID == stored.id && job.state == .compiling && job.attempts == 1 && job.leaseOwner == "w1")
        #expect(job.compilingAt == t0)
        #expect(try database.claimJob(owner: "w2", leaseSeconds: 60, at: t0.addingTimeInterval(30)) == nil, "the lease holds")
        #expect(try database.status(submissionID: stored.id)?.status == "compiling")

        try database.recordProgress(jobID: job.id, owner: "w1", phase: .running, checksDone: 3, checksTotal: 15, at: t0.addingTimeInterval(5))
        let running = try #require(try database.job(id: job.id))
        #expect(running.state == .running && running.checksDone == 3 && running.checksTotal == 15 && running.runningAt == t0.addingTimeInterval(5))
        #expect(throws: QueueError.leaseLost(jobID: job.id)) {
            try database.recordProgress(jobID: job.id, owner: "w2", phase: .running, checksDone: 4, checksTotal: 15, at: self.t0)
        }
    }

    @Test func newSubmissionsAreClaimedBeforeRegradesThenOldestFirst() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let old = submission()
        try enqueue(database, old)
        let oldJob = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        try database.complete(jobID: oldJob.id, owner: "w", report: report(for: old), event: nil, at: t0)
        let regrade = try database.enqueueRegrades(submissionIDs: [old.id], requestedBy: "tok_admin", at: t0.addingTimeInterval(1))
        #expect(regrade.first?.kind == .regrade && regrade.first?.priority == GradingJob.Priority.regrade)
        let first = submission(), second = submission()
        try enqueue(database, first, at: t0.addingTimeInterval(2))
        try enqueue(database, second, at: t0.addingTimeInterval(3))
        let order = try (0..<3).map { _ in try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0.addingTimeInterval(4))).submissionID }
        #expect(order == [first.id, second.id, old.id])
    }

    @Test func anExpiredLeaseIsClaimedAgainAndOnlyTheNewHolderCompletes() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try enqueue(database, stored)
        let first = try #require(try database.claimJob(owner: "dead", leaseSeconds: 60, at: t0))
        #expect(try database.renewLease(jobID: first.id, owner: "dead", until: t0.addingTimeInterval(90)))
        #expect(try database.claimJob(owner: "w2", leaseSeconds: 60, at: t0.addingTimeInterval(89)) == nil)
        let second = try #require(try database.claimJob(owner: "w2", leaseSeconds: 60, at: t0.addingTimeInterval(91)))
        #expect(second.id == first.id && second.attempts == 2 && second.leaseOwner == "w2")
        #expect(try database.renewLease(jobID: first.id, owner: "dead", until: t0.addingTimeInterval(200)) == false)

        #expect(throws: QueueError.leaseLost(jobID: first.id)) {
            try database.complete(jobID: first.id, owner: "dead", report: self.report(for: stored), event: nil, at: self.t0)
        }
        #expect(try gradingCount(database) == 0, "the stale worker's grading was not stored")
        let graded = report(for: stored)
        try database.complete(jobID: second.id, owner: "w2", report: graded, event: nil, at: t0.addingTimeInterval(100))
        #expect(throws: QueueError.leaseLost(jobID: first.id)) {
            try database.complete(jobID: second.id, owner: "w2", report: self.report(for: stored), event: nil, at: self.t0)
        }
        #expect(try gradingCount(database) == 1)
        let finished = try #require(try database.job(id: first.id))
        #expect(finished.state == .finished && finished.gradingID == graded.grading.id)
        #expect(try database.status(submissionID: stored.id)?.status == "graded")
        #expect(try database.claimJob(owner: "w3", leaseSeconds: 60, at: t0.addingTimeInterval(10_000)) == nil)
    }

    @Test func theDatabaseRefusesASecondGradingForOneJob() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try enqueue(database, stored)
        let job = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        try database.complete(jobID: job.id, owner: "w", report: report(for: stored), event: nil, at: t0)
        #expect(throws: (any Error).self) {
            try database.pool.write { try GraderDatabase.insert(self.report(for: stored), jobID: job.id, in: $0) }
        }
    }

    @Test func handingBackOnShutdownTakesBackTheAttemptAndAFailureKeepsIt() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        try enqueue(database, submission())
        let job = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        try database.handBack(jobID: job.id, owner: "w", error: nil, countsAsAttempt: false)
        #expect(try database.job(id: job.id)?.attempts == 0)
        #expect(try database.job(id: job.id)?.state == .queued)
        let again = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        try database.handBack(jobID: again.id, owner: "w", error: "disk full", countsAsAttempt: true)
        let failed = try #require(try database.job(id: job.id))
        #expect(failed.attempts == 1 && failed.lastError == "disk full" && failed.state == .queued && failed.leaseOwner == nil)
    }

    @Test func releasingAbandonedLeasesRequeuesEveryStartedJob() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        try enqueue(database, submission())
        try enqueue(database, submission())
        try enqueue(database, submission())
        _ = try database.claimJob(owner: "dead", leaseSeconds: 600, at: t0)
        let running = try #require(try database.claimJob(owner: "dead", leaseSeconds: 600, at: t0))
        try database.recordProgress(jobID: running.id, owner: "dead", phase: .running, checksDone: 1, checksTotal: 2, at: t0)
        #expect(try database.releaseAbandonedLeases(at: t0) == 2)
        #expect(try database.jobCounts()[.queued] == 3)
        #expect(try database.job(id: running.id)?.attempts == 1, "the interrupted attempt still counts")
    }

    @Test func anIdempotencyKeyReturnsTheFirstSubmissionAndRefusesAnotherBody() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let first = submission()
        guard case .accepted = try enqueue(database, first, key: "k", digest: "d1") else { Issue.record("not accepted"); return }
        guard case .replayed(let replayed) = try enqueue(database, submission(), key: "k", digest: "d1") else {
            Issue.record("not replayed"); return
        }
        #expect(replayed.id == first.id)
        #expect(try enqueue(database, submission(), key: "k", digest: "d2") == .keyReusedWithDifferentBody)
        // The same key from another token is another request.
        guard case .accepted = try enqueue(database, submission(owner: "tok_b"), key: "k", digest: "d2") else {
            Issue.record("another token's key was not its own"); return
        }
        #expect(try database.submissionCount() == 2)
        #expect(try database.jobCounts()[.queued] == 2)
    }

    @Test func twentyConcurrentSubmitsWithOneKeyStoreOneSubmission() async throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let requests = (0..<20).map { _ in
            EnqueueRequest(submission: submission(), idempotency: .init(key: "same", requestSha256: "d"), limits: limits, at: t0)
        }
        let outcomes = try await withThrowingTaskGroup(of: EnqueueOutcome.self) { group in
            for request in requests {
                group.addTask { try database.enqueue(request) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = Set(outcomes.compactMap { outcome -> String? in
            switch outcome {
            case .accepted(let status), .replayed(let status): status.id
            default: nil
            }
        })
        #expect(ids.count == 1 && outcomes.count == 20)
        #expect(outcomes.filter { if case .accepted = $0 { true } else { false } }.count == 1)
        #expect(try database.submissionCount() == 1)
        #expect(try database.jobCounts()[.queued] == 1)
    }

    @Test func aTokenHoldsAtMostItsUnfinishedSubmissions() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let limits = EnqueueRequest.Limits(maximumQueuedJobs: 100, submissionsPerMinute: 100, unfinishedPerOwner: 1)
        let first = submission()
        try enqueue(database, first, limits: limits)
        #expect(try enqueue(database, submission(), limits: limits) == .tooManyUnfinished)
        let job = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        #expect(try enqueue(database, submission(), limits: limits) == .tooManyUnfinished, "a job being graded is unfinished")
        try database.complete(jobID: job.id, owner: "w", report: report(for: first), event: nil, at: t0)
        _ = try database.enqueueRegrades(submissionIDs: [first.id], requestedBy: "tok_admin", at: t0)
        guard case .accepted = try enqueue(database, submission(), limits: limits) else {
            Issue.record("a finished job, or an admin's regrade, held the token's place"); return
        }
    }

    @Test func aTokenOverItsRateIsToldWhenToComeBackAndNothingIsStored() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let tight = EnqueueRequest.Limits(maximumQueuedJobs: 100, submissionsPerMinute: 2)
        try enqueue(database, submission(at: t0), limits: tight, at: t0)
        try enqueue(database, submission(at: t0.addingTimeInterval(20)), limits: tight, at: t0.addingTimeInterval(20))
        #expect(try enqueue(database, submission(at: t0.addingTimeInterval(30)), limits: tight, at: t0.addingTimeInterval(30))
                == .rateLimited(retryAfterSeconds: 31))
        // Another token is not limited by this one.
        guard case .accepted = try enqueue(database, submission(owner: "tok_b", at: t0.addingTimeInterval(30)), limits: tight,
                                           at: t0.addingTimeInterval(30)) else { Issue.record("not accepted"); return }
        guard case .accepted = try enqueue(database, submission(at: t0.addingTimeInterval(61)), limits: tight,
                                           at: t0.addingTimeInterval(61)) else { Issue.record("the window did not move"); return }
        #expect(try database.submissionCount() == 4)
    }

    @Test func aFullQueueRefusesNewSubmissions() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let small = EnqueueRequest.Limits(maximumQueuedJobs: 2, submissionsPerMinute: 100)
        try enqueue(database, submission(), limits: small)
        try enqueue(database, submission(), limits: small)
        #expect(try enqueue(database, submission(), limits: small) == .queueFull)
        _ = try database.claimJob(owner: "w", leaseSeconds: 60, at: t0)
        // Queued regrades do not count toward the depth (new submissions are claimed first anyway).
        let all = try database.submissions(matching: .init()).map(\.id)
        _ = try database.enqueueRegrades(submissionIDs: all + all, requestedBy: "tok_admin", at: t0)
        guard case .accepted = try enqueue(database, submission(), limits: small) else { Issue.record("not accepted"); return }
        #expect(try database.submissionCount() == 3)
    }

    @Test func aCompletionWritesItsEventInTheSameTransaction() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try enqueue(database, stored)
        let job = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        let event = OutboxEvent(id: "evt_1", type: "grading.finished", payload: Data("{}".utf8), createdAt: t0, nextAttemptAt: t0)
        // A refused completion writes no event either.
        #expect(throws: QueueError.self) {
            try database.complete(jobID: job.id, owner: "other", report: self.report(for: stored), event: event, at: self.t0)
        }
        #expect(try database.outboxEvents().isEmpty)
        try database.complete(jobID: job.id, owner: "w", report: report(for: stored), event: event, at: t0)
        #expect(try database.dueEvents(at: t0, limit: 10).map(\.id) == ["evt_1"])
        try database.rescheduleEvent(eventID: "evt_1", attempts: 1, nextAttemptAt: t0.addingTimeInterval(5), error: "503")
        #expect(try database.dueEvents(at: t0.addingTimeInterval(4), limit: 10).isEmpty)
        #expect(try database.dueEvents(at: t0.addingTimeInterval(5), limit: 10).first?.attempts == 1)
        try database.markDelivered(eventID: "evt_1", at: t0.addingTimeInterval(6))
        #expect(try database.dueEvents(at: t0.addingTimeInterval(1000), limit: 10).isEmpty)
        #expect(try database.outboxEvents().first?.deliveredAt == t0.addingTimeInterval(6))
    }

    @Test func listingsFilterByOwnerChallengeAndStatus() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let mine = submission(owner: "tok_a", at: t0)
        let theirs = submission(owner: "tok_b", at: t0.addingTimeInterval(1))
        try enqueue(database, mine)
        try enqueue(database, theirs)
        let job = try #require(try database.claimJob(owner: "w", leaseSeconds: 60, at: t0))
        try database.complete(jobID: job.id, owner: "w", report: report(for: mine), event: nil, at: t0)
        #expect(try database.submissions(matching: .init()).map(\.id) == [theirs.id, mine.id])
        #expect(try database.submissions(matching: .init(ownerTokenID: "tok_a")).map(\.id) == [mine.id])
        #expect(try database.submissions(matching: .init(status: "graded")).map(\.id) == [mine.id])
        #expect(try database.submissions(matching: .init(status: "queued")).map(\.id) == [theirs.id])
        #expect(try database.submissions(matching: .init(challenge: "rate-limiter")).isEmpty)
        #expect(try database.submissions(matching: .init(limit: 1, offset: 1)).map(\.id) == [mine.id])
    }

    @Test func tokensAreStoredWithTheirDigestAndRevokedOnce() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let token = APIToken(id: "tok_1", name: "ada", role: .candidate, createdAt: t0)
        try database.insertToken(token, secretSha256: "ab")
        #expect(try database.token(id: "tok_1")?.secretSha256 == "ab")
        #expect(try database.revokeToken(id: "tok_1", at: t0))
        #expect(try database.revokeToken(id: "tok_1", at: t0) == false)
        #expect(try database.revokeToken(id: "tok_missing", at: t0) == false)
        #expect(try database.tokens().first?.revokedAt == t0)
    }

    @Test func reviewsAreRowsOfTheirOwnAndImmutable() throws {
        let database = try GraderDatabase(dataDirectory: directory)
        let stored = submission()
        try enqueue(database, stored)
        let review = Review(id: "rev_1", submissionID: stored.id, reviewer: "rita", reviewerTokenID: "tok_r",
                            scores: ["design.api": 4], comment: "clear", createdAt: t0)
        try database.insert(review)
        #expect(try database.reviews(submissionID: stored.id) == [review])
        #expect(throws: (any Error).self) {
            try database.pool.write { try $0.execute(sql: "UPDATE reviewScore SET points = 10") }
        }
    }
}
