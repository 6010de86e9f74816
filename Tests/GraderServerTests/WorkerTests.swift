import Foundation
import GraderAPI
import GraderModel
import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The workers: a grader that keeps failing ends `internal_error`; a shutdown hands work back.
@Suite struct WorkerTests {
    @Test func aGraderThatFailsThreeTimesEndsInternalErrorWhichCountsForNothing() async throws {
        let fixture = try DaemonFixture(grader: StubGrader(behaviour: .fail))
        try await fixture.application(workers: true).test(.router) { client in
            let id = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                            fixture: fixture).decode(SubmissionBody.self).id
            let finished = try await client.waitUntilFinished(id, token: fixture.reviewer, fixture: fixture).decode(SubmissionBody.self)
            #expect(finished.status == "internal_error")
            guard case .full(let report)? = finished.report else { Issue.record("no report"); return }
            #expect(report.score == 0 && report.recommendation == .undetermined && report.grading.attempts == 3)
            #expect(report.error?.contains("the stub grader failed") == true, "\(report.error ?? "")")
            let candidateView = try await client.call(.get, "/api/v1/submissions/\(id)", token: fixture.candidate, fixture: fixture)
            guard case .candidate(let view)? = try candidateView.decode(SubmissionBody.self).report else { Issue.record("no view"); return }
            #expect(view.error == "the grader failed on this submission; it does not count against you")
        }
        #expect(try fixture.database.jobCounts()[.finished] == 1)
    }

    @Test func aGracefulShutdownHandsTheGradingInFlightBackWithoutCountingIt() async throws {
        let fixture = try DaemonFixture(grader: StubGrader(behaviour: .hang))
        let jobID = try await fixture.application(workers: true).test(.router) { client in
            let body = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                              fixture: fixture).decode(SubmissionBody.self)
            let jobID = try #require(body.job)
            let deadline = ContinuousClock.now + .seconds(10)
            while try fixture.database.job(id: jobID)?.state != .running, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try fixture.database.job(id: jobID)?.state == .running)
            return jobID
        }
        // The test ends with a graceful shutdown of the services.
        let job = try #require(try fixture.database.job(id: jobID))
        #expect(job.state == .queued && job.attempts == 0 && job.leaseOwner == nil)
        #expect(try fixture.database.gradings(submissionID: job.submissionID).isEmpty)
    }
}
