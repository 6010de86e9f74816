import Foundation
import GraderAPI
import GraderModel
@testable import GraderServer
import GraderStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The encoded-report cache behind status polls: it must serve the same bytes as encoding the
/// whole body, keep the candidate and full views apart, and stay within its budget.
@Suite struct ReportCacheTests {
    static func report(candidate: String = "ada") -> GradingReport {
        StubGrader.report(for: StoredSubmission(id: Identifier.make(prefix: "sub"), challenge: "lru-cache", candidate: candidate,
                                                createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                                                sha256: String(repeating: "c", count: 64), files: []))
    }

    @Test func aHitIsServedWithoutLoadingAndEachViewIsItsOwnEntry() throws {
        let cache = ReportCache()
        let report = Self.report()
        let loads = Atomic<Int>(0)
        let load: (String) throws -> GradingReport? = { id in
            loads.add(1, ordering: .relaxed)
            return id == report.grading.id ? report : nil
        }
        let full = try #require(try cache.json(gradingID: report.grading.id, view: .full, load: load))
        #expect(try cache.json(gradingID: report.grading.id, view: .full, load: load) == full)
        #expect(loads.load(ordering: .relaxed) == 1)
        #expect(full == (try APICoding.encoder.encode(ReportBody.full(report))))

        let candidate = try #require(try cache.json(gradingID: report.grading.id, view: .candidate, load: load))
        #expect(loads.load(ordering: .relaxed) == 2)
        #expect(candidate == (try APICoding.encoder.encode(ReportBody.candidate(CandidateReport(report)))))
        #expect(!String(decoding: candidate, as: UTF8.self).contains(StubGrader.hiddenMarker))
        #expect(String(decoding: full, as: UTF8.self).contains(StubGrader.hiddenMarker))

        #expect(try cache.json(gradingID: "grd_unknown", view: .full, load: load) == nil)
        #expect(cache.usage.entries == 2)
    }

    @Test func itKeepsWithinItsBudgetDroppingTheLeastRecentlyUsed() throws {
        let reports = (0..<6).map { _ in Self.report() }
        let size = try APICoding.encoder.encode(ReportBody.full(reports[0])).count
        let cache = ReportCache(byteBudget: size * 4 + size / 2)
        let byID = Dictionary(uniqueKeysWithValues: reports.map { ($0.grading.id, $0) })
        let loaded = Mutex<[String]>([])
        let load: (String) throws -> GradingReport? = { id in
            loaded.withLock { $0.append(id) }
            return byID[id]
        }
        for report in reports.prefix(4) { _ = try cache.json(gradingID: report.grading.id, view: .full, load: load) }
        _ = try cache.json(gradingID: reports[0].grading.id, view: .full, load: load)  // the oldest, used again
        _ = try cache.json(gradingID: reports[4].grading.id, view: .full, load: load)  // over budget: evicts
        #expect(cache.usage.bytes <= cache.byteBudget)
        loaded.withLock { $0.removeAll() }
        _ = try cache.json(gradingID: reports[0].grading.id, view: .full, load: load)
        _ = try cache.json(gradingID: reports[4].grading.id, view: .full, load: load)
        #expect(loaded.withLock { $0 }.isEmpty, "the most recently used entries were evicted")
        _ = try cache.json(gradingID: reports[1].grading.id, view: .full, load: load)
        #expect(loaded.withLock { $0 } == [reports[1].grading.id], "the least recently used entry was kept")
    }

    @Test func aReportOverHalfTheBudgetIsServedButNotKeptAndEvictsNothing() throws {
        let small = Self.report()
        let size = try APICoding.encoder.encode(ReportBody.full(small)).count
        let large = Self.report(candidate: String(repeating: "z", count: size * 2))
        let cache = ReportCache(byteBudget: size * 4)
        let load: (String) throws -> GradingReport? = { $0 == small.grading.id ? small : large }
        _ = try cache.json(gradingID: small.grading.id, view: .full, load: load)
        let served = try cache.json(gradingID: large.grading.id, view: .full, load: load)
        #expect(served == (try APICoding.encoder.encode(ReportBody.full(large))))
        #expect(cache.usage.entries == 1 && cache.usage.bytes == size)
        // Replacing an entry does not count its bytes twice.
        _ = try cache.json(gradingID: small.grading.id, view: .full, load: load)
        #expect(cache.usage.bytes == size)
    }

    @Test func aBodyWithoutExactlyOneReportMarkerIsRefusedNotMangled() {
        let report = Data(#"{"schema":"x"}"#.utf8)
        for body in [#"{"id":"a"}"#, #"{"a":1,"report":null,"report":null}"#] {
            #expect(throws: APIError.self) { try SubmissionViews.splice(report: report, into: Data(body.utf8)) }
        }
    }

    @Test func aSplicedBodyIsTheWholeEncodingEvenWhenAStringMimicsTheMarker() throws {
        let report = Self.report(candidate: #"x","report":null,"y"#)
        let body = SubmissionBody(id: "sub_1", challenge: "lru-cache", candidate: report.submission.candidate, submittedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                  status: "graded", job: nil, attempts: 1, phases: PhaseTimes(queuedAt: nil, compilingAt: nil, runningAt: nil, finishedAt: nil),
                                  progress: Progress(checksDone: 2, checksTotal: 2), grading: report.grading.id, score: 55, maxScore: 85, report: nil)
        var whole = body
        whole.report = .full(report)
        let spliced = try SubmissionViews.splice(report: try APICoding.encoder.encode(ReportBody.full(report)),
                                                 into: try APICoding.encoder.encode(body))
        #expect(spliced == (try APICoding.encoder.encode(whole)))
        let decoded = try APICoding.decoder.decode(SubmissionBody.self, from: spliced)
        #expect(decoded.candidate == report.submission.candidate)
        guard case .full(let back)? = decoded.report else { Issue.record("no full report in \(spliced)"); return }
        #expect(back.grading.id == report.grading.id && back.checks.count == report.checks.count)
    }

    @Test func theAPIServesTheCachedReportAsTheWholeBodyWouldEncode() async throws {
        let fixture = try DaemonFixture()
        try await fixture.application(workers: true).test(.router) { client in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "poll-1"]
            let id = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                            headers: key, fixture: fixture).decode(SubmissionBody.self).id
            _ = try await client.waitUntilFinished(id, token: fixture.candidate, fixture: fixture)
            for token in [fixture.candidate, fixture.reviewer, fixture.admin, fixture.candidate, fixture.reviewer, fixture.admin] {
                let response = try await client.call(.get, "/api/v1/submissions/\(id)", token: token, fixture: fixture)
                let decoded = try response.decode(SubmissionBody.self)
                #expect(decoded.report != nil)
                #expect(response.body == (try APICoding.encoder.encode(decoded)))
                if case .candidate? = decoded.report { #expect(token == fixture.candidate) } else { #expect(token != fixture.candidate) }
            }
            // A replayed submit answers with the finished submission, its report from the same cache.
            let replayed = try await client.call(.post, "/api/v1/submissions", token: fixture.candidate, json: Bodies.submission(),
                                                 headers: key, fixture: fixture)
            #expect(replayed.status == .accepted && replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let body = try replayed.decode(SubmissionBody.self)
            guard case .candidate? = body.report else { Issue.record("a replay did not carry the candidate's report: \(replayed.text)"); return }
            #expect(body.id == id)
            #expect(replayed.body == (try APICoding.encoder.encode(body)))
            #expect(!replayed.text.contains(StubGrader.hiddenMarker))
        }
    }
}
