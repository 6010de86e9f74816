import Foundation
import GraderAPI
import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Submitting, reading and listing through the API, in-process, with the stub grader.
@Suite struct SubmissionAPITests {
    @Test func aSubmissionIsQueuedThenGradedWithATimestampPerPhase() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: true).test(.router) { client in
            let submitted = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                                  fixture: fixture)
            #expect(submitted.status == .accepted)
            let body = try submitted.decode(SubmissionBody.self)
            #expect(body.status == "queued" && body.candidate == "ada" && body.challenge == "lru-cache" && body.report == nil)
            #expect(body.id.hasPrefix("sub_"))

            let finished = try await client.waitUntilFinished(body.id, token: fixture.candidate, fixture: fixture)
            let graded = try finished.decode(SubmissionBody.self)
            #expect(graded.status == "graded" && graded.attempts == 1 && graded.grading != nil && graded.score == 55)
            let phases = graded.phases
            let queued = try #require(phases.queuedAt), compiling = try #require(phases.compilingAt)
            let running = try #require(phases.runningAt), done = try #require(phases.finishedAt)
            #expect(queued <= compiling && compiling <= running && running <= done)
            #expect(graded.progress == Progress(checksDone: 0, checksTotal: 2))
        }
        #expect(fixture.grader.gradings.load(ordering: .relaxed) == 1)
        #expect(try fixture.database.jobCounts()[.finished] == 1)
    }

    @Test func aCandidateSeesOnlyTheirOwnAndOnlyTheCandidateView() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: true).test(.router) { client in
            let id = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                            fixture: fixture).decode(SubmissionBody.self).id
            let own = try await client.waitUntilFinished(id, token: fixture.candidate, fixture: fixture)
            guard case .candidate(let view)? = try own.decode(SubmissionBody.self).report else {
                Issue.record("a candidate got the full report: \(own.text)"); return
            }
            #expect(view.checks.map(\.id) == ["public.get-put-basics"])
            #expect(view.hiddenChecks.total == 1 && view.hiddenChecks.passed == 0)
            #expect(view.criteria.first?.points == 15 && view.criteria.first?.hiddenChecks == 1)
            #expect(!own.text.contains(StubGrader.hiddenMarker), "hidden text reached a candidate: \(own.text)")
            #expect(!own.text.contains("reject"), "the recommendation reached a candidate")

            let other = try await client.call(.get, "/api/v1/submissions/\(id)", token: fixture.otherCandidate, fixture: fixture)
            #expect(other.status == .notFound && other.errorCode == "not_found")
            let otherList = try await client.call(.get, "/api/v1/submissions", token: fixture.otherCandidate, fixture: fixture)
            #expect(try otherList.decode(SubmissionList.self).submissions.isEmpty)
            // Asking for someone else's name does not widen a candidate's listing.
            let filtered = try await client.call(.get, "/api/v1/submissions?candidate=ada", token: fixture.otherCandidate, fixture: fixture)
            #expect(try filtered.decode(SubmissionList.self).submissions.isEmpty)

            for token in [fixture.reviewer, fixture.admin] {
                let full = try await client.call(.get, "/api/v1/submissions/\(id)", token: token, fixture: fixture)
                guard case .full(let report)? = try full.decode(SubmissionBody.self).report else {
                    Issue.record("a reviewer got the candidate view"); return
                }
                #expect(report.checks.count == 2 && report.recommendation == .reject)
                let list = try await client.call(.get, "/api/v1/submissions?candidate=ada&status=graded", token: token, fixture: fixture)
                #expect(try list.decode(SubmissionList.self).submissions.map(\.id) == [id])
            }
        }
    }

    @Test func twentyConcurrentSubmitsWithOneKeyStoreOneSubmission() async throws {
        let fixture = try DaemonFixture { $0.submissionsPerMinute = 100; $0.unfinishedPerToken = 100 }
        try await fixture.application(workers: false).test(.router) { client in
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                              headers: [HTTPField.Name("Idempotency-Key")!: "retry-1"], fixture: fixture)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.allSatisfy { $0.status == .accepted })
            #expect(Set(try responses.map { try $0.decode(SubmissionBody.self).id }).count == 1)
            #expect(responses.filter { $0.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" }.count == 19)

            let different = try await client.call(
                .post, "/api/v1/submissions", token: fixture.candidate,
                json: Bodies.submission(files: ["LRUCache.swift": Bodies.solution + "// changed\n"]),
                headers: [HTTPField.Name("Idempotency-Key")!: "retry-1"], fixture: fixture)
            #expect(different.status == .unprocessableContent && different.errorCode == "idempotency_key_reused")
            // The same key from another token is that token's own.
            let other = try await client.call(.post, "/api/v1/submissions", token: fixture.otherCandidate, json: Bodies.submission(),
                                              headers: [HTTPField.Name("Idempotency-Key")!: "retry-1"], fixture: fixture)
            #expect(other.status == .accepted && other.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        }
        #expect(try fixture.storedCounts() == (2, 2))
    }

    @Test func overTheRateASubmitIsToldToRetryLaterAndAFullQueueTooAndNothingIsStored() async throws {
        let fixture = try DaemonFixture { $0.submissionsPerMinute = 2; $0.maximumQueuedJobs = 3; $0.unfinishedPerToken = 10 }
        try await fixture.application(workers: false).test(.router) { client in
            for _ in 0..<2 {
                #expect(try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                              fixture: fixture).status == .accepted)
            }
            let limited = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                                fixture: fixture)
            #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
            let wait = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(wait))

            #expect(try await client.call(.post, "/api/v1/submissions", token: fixture.otherCandidate, json: Bodies.submission(),
                                          fixture: fixture).status == .accepted)
            let full = try await client.call(.post, "/api/v1/submissions", token: fixture.reviewer, json: Bodies.submission(),
                                             fixture: fixture)
            #expect(full.status == .serviceUnavailable && full.errorCode == "queue_full")
            #expect(full.headers[.retryAfter] == "30")
        }
        #expect(try fixture.storedCounts() == (3, 3))
    }

    @Test func listingsPageAndRefuseBadQueries() async throws {
        let fixture = try DaemonFixture { $0.submissionsPerMinute = 100; $0.unfinishedPerToken = 100 }
        try await fixture.application(workers: false).test(.router) { client in
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                                 fixture: fixture).decode(SubmissionBody.self).id)
            }
            let page = try await client.call(.get, "/api/v1/submissions?limit=2&offset=0", token: fixture.reviewer, fixture: fixture)
            #expect(try page.decode(SubmissionList.self).submissions.count == 2)
            let queued = try await client.call(.get, "/api/v1/submissions?status=queued&challenge=lru-cache", token: fixture.candidate,
                                               fixture: fixture)
            #expect(Set(try queued.decode(SubmissionList.self).submissions.map(\.id)) == Set(ids))
            for query in ["limit=0", "limit=201", "limit=abc", "offset=-1", "sort=id", "challenge="] {
                let bad = try await client.call(.get, "/api/v1/submissions?\(query)", token: fixture.reviewer, fixture: fixture)
                #expect(bad.status == .badRequest && bad.errorCode == "bad_request", "\(query)")
            }
            for id in ["sub_doesnotexist", "../../etc/passwd", "sub_aaaaaaaaaaaaaaaaaaaa", String(repeating: "x", count: 150)] {
                let missing = try await client.call(.get, "/api/v1/submissions/\(id)", token: fixture.reviewer, fixture: fixture)
                #expect(missing.status == .notFound, "\(id)")
            }
        }
    }

    @Test func oneTokenHoldsAtMostItsShareOfTheQueue() async throws {
        let fixture = try DaemonFixture { $0.unfinishedPerToken = 2 }
        try await fixture.application(workers: false).test(.router) { client in
            for _ in 0..<2 {
                #expect(try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                              fixture: fixture).status == .accepted)
            }
            let held = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                             fixture: fixture)
            #expect(held.status == .tooManyRequests && held.errorCode == "too_many_unfinished" && held.headers[.retryAfter] == "30")
            #expect(try await client.call(.post, "/api/v1/submissions", token: fixture.otherCandidate, json: Bodies.submission(),
                                          fixture: fixture).status == .accepted)
        }
        #expect(try fixture.storedCounts() == (3, 3))
    }
}
