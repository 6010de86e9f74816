import Foundation
import GraderAPI
import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Tokens and roles, the open routes, regrades and reviews.
@Suite struct AccessAPITests {
    @Test func everyAPIRouteWantsAValidLiveToken() async throws {
        let fixture = try DaemonFixture()
        let revoked = try TokenAuthority(store: fixture.database).create(name: "gone", role: .admin)
        #expect(try fixture.database.revokeToken(id: revoked.token.id, at: Date()))
        let forged = String(fixture.admin.prefix(fixture.admin.count - 1)) + (fixture.admin.hasSuffix("0") ? "1" : "0")
        try await fixture.application(workers: false).test(.router) { client in
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/api/v1/submissions"), (.post, "/api/v1/submissions"), (.get, "/api/v1/submissions/sub_aaaaaaaaaaaaaaaaaaaa"),
                (.get, "/api/v1/challenges"), (.get, "/api/v1/challenges/lru-cache"), (.post, "/api/v1/regrade"), (.get, "/metrics"),
                (.post, "/api/v1/submissions/sub_aaaaaaaaaaaaaaaaaaaa/reviews"),
            ]
            for (method, path) in routes {
                for token in [nil, "", "garbage", forged, revoked.bearer, "tok_aaaaaaaaaaaaaaaaaaaa." + String(repeating: "0", count: 64)] {
                    let response = try await client.call(method, path, token: token, json: Bodies.submission(), fixture: fixture)
                    #expect(response.status == .unauthorized && response.errorCode == "unauthorized", "\(method) \(path) \(token ?? "none")")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
        }
        #expect(try fixture.storedCounts() == (0, 0))
    }

    @Test func tokensAreStoredOnlyAsDigests() throws {
        let fixture = try DaemonFixture()
        let created = try TokenAuthority(store: fixture.database).create(name: "eve", role: .candidate)
        let secret = String(created.bearer.split(separator: ".")[1])
        let raw = try Data(contentsOf: URL(fileURLWithPath: fixture.database.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: fixture.database.path + "-wal"))) ?? Data()
        #expect(raw.range(of: Data(secret.utf8)) == nil && wal.range(of: Data(secret.utf8)) == nil)
        #expect(try TokenAuthority(store: fixture.database).verify(bearer: created.bearer)?.id == created.token.id)
        #expect(throws: TokenError.self) { try TokenAuthority(store: fixture.database).create(name: "", role: .admin) }
        #expect(throws: TokenError.self) { try TokenAuthority(store: fixture.database).create(name: "a\u{7}b", role: .admin) }
        #expect(throws: TokenError.self) { try TokenAuthority(store: fixture.database).create(name: "a\u{2028}b", role: .candidate) }
    }

    @Test func theOpenRoutesNeedNoTokenAndTheMetricsAReviewers() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: false).test(.router) { client in
            let health = try await client.call(.get, "/healthz", fixture: fixture)
            #expect(health.status == .ok && health.json["status"] as? String == "ok")
            _ = try await client.call(.get, "/api/v1/challenges", token: fixture.candidate, fixture: fixture)
            #expect(try await client.call(.get, "/metrics", fixture: fixture).status == .unauthorized)
            #expect(try await client.call(.get, "/metrics", token: fixture.candidate, fixture: fixture).status == .forbidden)
            let metrics = try await client.call(.get, "/metrics", token: fixture.reviewer, fixture: fixture)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("route=\"unmatched\"") == false)
            #expect(metrics.text.contains("grader_queue_depth 0"))
            #expect(metrics.text.contains("grader_http_requests_total{method=\"GET\",route=\"/api/v1/challenges\",status=\"200\"} 1"))
            let document = try await client.call(.get, "/api/v1/openapi.json", fixture: fixture)
            #expect(document.json["openapi"] as? String == "3.1.0")
            let missing = try await client.call(.get, "/api/v2/nothing", fixture: fixture)
            #expect(missing.status == .notFound && missing.errorCode == "not_found")
            let after = try await client.call(.get, "/metrics", token: fixture.admin, fixture: fixture)
            #expect(after.text.contains("grader_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"), "\(after.text)")
            for (method, path, allow) in [(HTTPRequest.Method.delete, "/api/v1/submissions", "GET, POST"), (.put, "/healthz", "GET"),
                                          (.trace, "/api/v1/submissions/sub_aaaaaaaaaaaaaaaaaaaa", "GET")] {
                let wrong = try await client.call(method, path, fixture: fixture)
                #expect(wrong.status == .methodNotAllowed && wrong.errorCode == "method_not_allowed", "\(method) \(path)")
                #expect(wrong.headers[.allow] == allow)
            }
        }
    }

    @Test func challengesShowWhatCandidatesMaySee() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: false).test(.router) { client in
            let list = try await client.call(.get, "/api/v1/challenges", token: fixture.candidate, fixture: fixture)
            let challenges = try list.decode(ChallengeList.self).challenges
            #expect(challenges.map(\.id).contains("lru-cache"))
            #expect(challenges.allSatisfy { $0.prompt == nil && $0.maxScore == 100 })
            let one = try await client.call(.get, "/api/v1/challenges/lru-cache", token: fixture.candidate, fixture: fixture)
            let body = try one.decode(ChallengeBody.self)
            #expect(body.prompt?.isEmpty == false && body.publicChecks.allSatisfy { $0.hasPrefix("public.") })
            for id in ["nope", "..", "lru-cache%2F..%2F..", "LRU-CACHE"] {
                let missing = try await client.call(.get, "/api/v1/challenges/\(id)", token: fixture.candidate, fixture: fixture)
                #expect(missing.status == .notFound, "\(id)")
            }
        }
    }

    @Test func onlyAdminsRegradeAndARegradeIsANewGradingOfLowerPriority() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: true).test(.router) { client in
            let id = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                            fixture: fixture).decode(SubmissionBody.self).id
            let first = try await client.waitUntilFinished(id, token: fixture.reviewer, fixture: fixture).decode(SubmissionBody.self)
            for token in [fixture.candidate, fixture.reviewer] {
                let refused = try await client.call(.post, "/api/v1/regrade", token: token, json: ["submissions": [id]], fixture: fixture)
                #expect(refused.status == .forbidden && refused.errorCode == "forbidden")
            }
            let queued = try await client.call(.post, "/api/v1/regrade", token: fixture.admin, json: ["submissions": [id, id]], fixture: fixture)
            #expect(queued.status == .accepted)
            #expect(try queued.decode(RegradeResponse.self).jobs.map(\.submission) == [id])
            let second = try await client.waitUntilFinished(id, token: fixture.reviewer, fixture: fixture).decode(SubmissionBody.self)
            #expect(second.grading != nil && second.grading != first.grading && second.job != first.job)
            // Each body carries its own grading's report, not one cached for the submission.
            guard case .full(let firstReport)? = first.report, case .full(let secondReport)? = second.report else {
                Issue.record("a reviewer got no full report"); return
            }
            #expect(firstReport.grading.id == first.grading && secondReport.grading.id == second.grading)
            #expect(try fixture.database.gradings(submissionID: id).count == 2)

            let byChallenge = try await client.call(.post, "/api/v1/regrade", token: fixture.admin, json: ["challenge": "lru-cache"], fixture: fixture)
            #expect(try byChallenge.decode(RegradeResponse.self).jobs.count == 1)
            for bad: [String: Any] in [[:], ["submissions": [id], "challenge": "lru-cache"], ["submissions": []]] {
                let refused = try await client.call(.post, "/api/v1/regrade", token: fixture.admin, json: bad, fixture: fixture)
                #expect(refused.status == .badRequest, "\(bad)")
            }
            for bad: [String: Any] in [["submissions": ["sub_aaaaaaaaaaaaaaaaaaaa"]], ["submissions": ["../x"]], ["challenge": "nope"]] {
                let refused = try await client.call(.post, "/api/v1/regrade", token: fixture.admin, json: bad, fixture: fixture)
                #expect(refused.status == .unprocessableContent, "\(bad)")
            }
        }
    }

    @Test func reviewersAddManualScoresOnManualCriteriaOnly() async throws {
        let fixture = try DaemonFixture()
        let manual = try #require(try fixture.grader.challenge("lru-cache").rubric.criteria.first { $0.kind == .manual })
        let automatic = try #require(try fixture.grader.challenge("lru-cache").rubric.criteria.first { $0.kind == .auto })
        try await fixture.application(workers: false).test(.router) { client in
            let id = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                            fixture: fixture).decode(SubmissionBody.self).id
            let path = "/api/v1/submissions/\(id)/reviews"
            let refused = try await client.call(.post, path, token: fixture.candidate, json: ["scores": [:], "comment": "mine"], fixture: fixture)
            #expect(refused.status == .forbidden)
            let stored = try await client.call(.post, path, token: fixture.reviewer,
                                               json: ["scores": [manual.id.rawValue: manual.points], "comment": "clear code"], fixture: fixture)
            #expect(stored.status == .created)
            #expect(try stored.decode(ReviewBody.self).reviewer == "rita")
            for bad: [String: Any] in [["scores": [automatic.id.rawValue: 1], "comment": ""], ["scores": ["nope": 1], "comment": ""],
                                       ["scores": [manual.id.rawValue: manual.points + 1], "comment": ""],
                                       ["scores": [manual.id.rawValue: -1], "comment": ""], ["scores": [:], "comment": "  "]] {
                let response = try await client.call(.post, path, token: fixture.reviewer, json: bad, fixture: fixture)
                #expect(response.status == .unprocessableContent && response.errorCode == "invalid_review", "\(bad)")
            }
            let missing = try await client.call(.post, "/api/v1/submissions/sub_aaaaaaaaaaaaaaaaaaaa/reviews", token: fixture.admin,
                                                json: ["scores": [:], "comment": "x"], fixture: fixture)
            #expect(missing.status == .notFound)
            #expect(try fixture.database.reviews(submissionID: id).count == 1)
        }
    }

    @Test func theDocumentListsExactlyTheRoutesTheDaemonServes() throws {
        let fixture = try DaemonFixture()
        let served = Set(fixture.daemon.makeRouter().routes.map(\.description))
        #expect(served == fixture.validator.operations, "served but undocumented: \(served.subtracting(fixture.validator.operations)); documented but not served: \(fixture.validator.operations.subtracting(served))")
        #expect(served.count == 10)
        // The submit body's challenge enum is the challenges this grader grades.
        let schemas = (fixture.validator.document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let submit = (schemas?["SubmitRequest"] as? [String: Any])?["properties"] as? [String: Any]
        let challenges = (submit?["challenge"] as? [String: Any])?["enum"] as? [String]
        #expect(challenges == fixture.grader.availableChallenges())
    }
}
