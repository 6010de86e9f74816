import Foundation
import GraderModel
@testable import GraderPipeline
import GraderStore
import GRDB
import Synchronization
import Testing

/// The pipeline with the real compiler, on the fixture project (public checks plus one hidden check).
@Suite struct PipelineTests {
    func files(_ source: String, name: String = "LRUCache.swift") -> [SubmittedFile] {
        [SubmittedFile(name: name, content: Data(source.utf8))]
    }

    @Test func aCorrectSolutionPassesThePublicChecks() async throws {
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache", files: files(Sources.correct))
        #expect(run.status == .graded)
        #expect(run.outcomes.map(\.status) == [.pass, .pass])
        #expect(run.allPassed)
    }

    @Test func gradingStoresTheSubmissionAndAReportThatMatchesTheStoredOne() async throws {
        let pipeline = try await TestProject.pipeline()
        let submission = try pipeline.submit(challenge: "lru-cache", candidate: "ada", files: files(Sources.correct))
        #expect(try pipeline.database.submission(id: submission.id) == submission)
        let report = try await pipeline.grade(submission)
        #expect(report.status == .graded)
        #expect(report.score == 80 && report.maxScore == 80 && report.manualPending == 20)
        #expect(report.recommendation == .advance)
        #expect(report.checks.map(\.visibility) == [.public, .public, .hidden])
        #expect(report.submission.candidate == "ada")
        #expect(report.timings.compileMs > 0 && report.timings.checksMs > 0)
        #expect(report.timings.totalMs >= report.timings.compileMs + report.timings.checksMs)
        let stored = try #require(try pipeline.database.report(gradingID: report.grading.id))
        #expect(stored.score == report.score)
        #expect(stored.checks == report.checks)
        #expect(try pipeline.database.gradings(submissionID: submission.id).count == 1)
        // Nothing is left in the work folder.
        let work = pipeline.dataDirectory.appendingPathComponent("work")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix(report.grading.id) }) ?? [] == [])
    }

    @Test func aRejectedSubmissionStoresNothing() async throws {
        let pipeline = try await TestProject.pipeline()
        #expect(throws: IntakeError.self) {
            try pipeline.submit(challenge: "lru-cache", candidate: "ada", files: files(Sources.correct, name: "../evil.swift"))
        }
        #expect(throws: CatalogError.self) {
            try pipeline.submit(challenge: "no-such-challenge", candidate: "ada", files: files(Sources.correct))
        }
        let queue = try DatabaseQueue(path: pipeline.database.path)
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM submission") } == 0)
    }

    @Test func aCompileErrorIsGradedWithTheCompilersMessageAndNoGraderPaths() async throws {
        let pipeline = try await TestProject.pipeline()
        let submission = try pipeline.submit(challenge: "lru-cache", candidate: "ada",
                                             files: files("final class LRUCache<Key: Hashable, Value> { init(capacity: Int) { undefinedThing() } }"))
        let report = try await pipeline.grade(submission)
        #expect(report.status == .compileError)
        #expect(report.score == 0 && report.recommendation == .reject)
        let error = try #require(report.error)
        #expect(error.contains("LRUCache.swift:1:"))
        #expect(error.contains("cannot find 'undefinedThing' in scope"))
        #expect(!error.contains(pipeline.dataDirectory.path))
        #expect(try pipeline.database.report(gradingID: report.grading.id)?.status == .compileError)
    }

    @Test func aSignatureOffTheContractIsAContractMismatch() async throws {
        let source = Sources.correct
            .replacingOccurrences(of: "func get(_ key: Key) -> Value? {", with: "func get(_ key: Key) -> Value {")
            .replacingOccurrences(of: "guard let value = values[key] else { return nil }", with: "let value = values[key]!")
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache", files: files(source))
        #expect(run.status == .contractMismatch)
        let message = try #require(run.message)
        #expect(message.contains("`LRUCache` and its members must have exactly the names and signatures"))
        #expect(message.contains("does not conform to protocol"))
    }

    @Test(arguments: ["DriverKit", "ChallengeChecks", "SubjectRuntime", "ChallengeSubject"])
    func theCandidateCannotImportTheChecksTheDriverOrTheRuntime(module: String) async throws {
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache",
                                                                  files: files("import \(module)\n" + Sources.correct))
        #expect(run.status == .compileError)
        #expect(run.message?.contains("no such module '\(module)'") == true)
    }

    @Test func theCandidatesNamesCannotShadowTheChecks() async throws {
        // Types named like the suite, the contract protocols, the adapter's and the runtime's names.
        let source = Sources.correct + """

            enum FixtureChecks {}
            enum PublicChecks {}
            protocol LRUCacheMaker {}
            protocol LRUCacheUnderTest {}
            enum SubjectMain {}
            enum SubjectEntry {}
            final class LRUCacheSubject {}
            struct CandidateMaker {}
            let subjectHandler = 42
            """
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache", files: files(source))
        #expect(run.status == .graded, "\(run.message ?? "")")
        #expect(run.allPassed)
    }

    @Test func forgedResultsAndAnEarlyExitGainNothing() async throws {
        // Prints the old harness's pass lines for every check on the low descriptors, then exits 0.
        let forger = Sources.correct.replacingOccurrences(of: "init(capacity: Int) { self.capacity = capacity }", with: """
            init(capacity: Int) {
                self.capacity = capacity
                for check in ["public.get-put-basics", "public.evicts-least-recently-used", "fixture.capacity-respected"] {
                    let line = "GRADER-CHECK-REPORT {\\"token\\":\\"\\(String(repeating: "0", count: 64))\\",\\"check\\":\\"\\(check)\\",\\"status\\":\\"pass\\",\\"message\\":\\"passed\\",\\"evidence\\":[],\\"durationMicros\\":1,\\"cpuMicros\\":1,\\"maxResidentBytes\\":1}\\n"
                    for fd in Int32(0)...Int32(20) { _ = line.withCString { write(fd, $0, strlen($0)) } }
                    print(line)
                }
                exit(0)
            }
            """)
        let pipeline = try await TestProject.pipeline()
        let report = try await pipeline.grade(try pipeline.submit(challenge: "lru-cache", candidate: "mallory", files: files(forger)))
        #expect(report.status == .graded)
        #expect(report.checks.count == 3)
        #expect(report.checks.allSatisfy { $0.status == .crash })
        #expect(report.score == 0)
        #expect(report.recommendation == .reject)
    }

    @Test func aCrashCostsOnlyItsOwnCheck() async throws {
        let source = Sources.correct(getPrelude: #"if "\(key)" == "a" { fatalError("boom on a") }"#)
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache", files: files(source))
        let basics = try #require(run.outcomes.first { $0.id == "public.get-put-basics" })
        #expect(basics.status == .crash)
        #expect(basics.message.contains("Fatal error: boom on a"))
        #expect(run.outcomes.first { $0.id == "public.evicts-least-recently-used" }?.status == .pass)
    }

    @Test func hangsTimeOutWithADiagnosis() async throws {
        // String keys spin; Int key 2 blocks forever on a semaphore.
        let source = Sources.correct(getPrelude: """
            if "\\(key)" == "a" { while ProcessInfo.processInfo.processIdentifier > 0 {} }
                    if "\\(key)" == "2" { DispatchSemaphore(value: 0).wait() }
            """)
        let run = try await TestProject.pipeline().runPublicChecks(challenge: "lru-cache", files: files(source))
        let spinning = try #require(run.outcomes.first { $0.id == "public.get-put-basics" })
        let blocked = try #require(run.outcomes.first { $0.id == "public.evicts-least-recently-used" })
        #expect(spinning.status == .timeout)
        #expect(spinning.message.contains("still using CPU"))
        #expect(blocked.status == .timeout)
        #expect(blocked.message.contains("blocked, using no CPU"))
    }

    /// The daemon cancels a grading at shutdown or when its lease is lost: the checks' processes
    /// are stopped at once (not waited out) and nothing is stored.
    @Test func aCancelledGradingStopsItsChecksAndStoresNothing() async throws {
        let source = Sources.correct(getPrelude: "DispatchSemaphore(value: 0).wait()")
        // Checks that would each wait a minute for the blocked subject, were they not stopped.
        let layout = try TestProject.make { root in
            for file in ["Challenges/lru-cache/challenge.json", "Graders/lru-cache/checks.json"] {
                let url = root.appendingPathComponent(file)
                try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"timeoutSeconds\": 3", with: "\"timeoutSeconds\": 60")
                    .write(to: url, atomically: true, encoding: .utf8)
            }
        }
        let pipeline = try await TestProject.pipeline(layout: layout, data: layout.root.appendingPathComponent("data"))
        let submission = try pipeline.submit(challenge: "lru-cache", candidate: "ada", files: files(source))
        let (checksStarted, started) = AsyncStream.makeStream(of: Void.self)
        let finished = Mutex((done: 0, total: 0))
        let grading = Task {
            try await pipeline.grade(submission) { event in
                if case .runningChecks(let total) = event {
                    finished.withLock { $0.total = total }
                    started.yield()
                }
                if case .checkFinished = event { finished.withLock { $0.done += 1 } }
            }
        }
        for await _ in checksStarted { break }
        try await Task.sleep(for: .seconds(1))
        let cancelled = ContinuousClock.now
        grading.cancel()
        await #expect(throws: CancellationError.self) { _ = try await grading.value }
        // Waited out, the blocked checks would take a minute each.
        #expect(ContinuousClock.now - cancelled < .seconds(20), "the checks were waited out")
        #expect(try pipeline.database.gradings(submissionID: submission.id).isEmpty)
        let counts = finished.withLock { $0 }
        #expect(counts.done < counts.total, "every check ran: \(counts.done) of \(counts.total)")
    }

    @Test func aBrokenCheckModuleIsAnInternalErrorRetriedAndNeverScored() async throws {
        let layout = try TestProject.make { root in
            try "this is not swift".write(to: root.appendingPathComponent("Graders/lru-cache/Checks/Broken.swift"),
                                          atomically: true, encoding: .utf8)
        }
        let pipeline = try await TestProject.pipeline(layout: layout, data: layout.root.appendingPathComponent("data"))
        let submission = try pipeline.submit(challenge: "lru-cache", candidate: "ada", files: files(Sources.correct))
        let report = try await pipeline.grade(submission)
        #expect(report.status == .internalError)
        #expect(report.recommendation == .undetermined)
        #expect(report.grading.attempts == GradingPipeline.maximumAttempts)
        #expect(report.error?.contains("building the cached module ChallengeChecks failed") == true)
        #expect(report.criteria.allSatisfy { $0.points == 0 })
        #expect(try pipeline.database.report(gradingID: report.grading.id)?.status == .internalError)
    }

    /// Compiles read the prebuilt clang module cache only: a module missing from it is the
    /// submission's doing (an import it may not use), unless the cache went stale (a system header
    /// changed since), which the starter's compile tells; then the grader rebuilds what the cache
    /// lacks and compiles again, and nothing is charged to the candidate.
    @Test func aStaleModuleCacheIsRebuiltAndNeverChargedToTheSubmission() async throws {
        let data = TestProject.shared.layout.root.appendingPathComponent("data-stale-\(UUID().uuidString)")
        let pipeline = try await TestProject.pipeline(data: data)
        let disallowed = try await pipeline.runPublicChecks(challenge: "lru-cache",
                                                            files: files("import CoreFoundation\n" + Sources.correct))
        #expect(disallowed.status == .compileError)
        #expect(disallowed.message?.contains("imports `CoreFoundation`") == true, "\(disallowed.message ?? "")")

        let manager = FileManager.default
        func moduleFiles() -> [URL] {
            (manager.enumerator(at: pipeline.cache.clangModuleCache, includingPropertiesForKeys: nil)?.allObjects ?? [])
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "pcm" }
        }
        let built = moduleFiles()
        #expect(!built.isEmpty)
        for file in built { try manager.removeItem(at: file) }
        let run = try await pipeline.runPublicChecks(challenge: "lru-cache", files: files(Sources.correct))
        #expect(run.status == .graded && run.allPassed, "\(run.status): \(run.message ?? "")")
        #expect(!moduleFiles().isEmpty, "the cache was rebuilt")
    }

    @Test func theCheckModuleIsBuiltOnceAndReused() async throws {
        let pipeline = try await TestProject.pipeline()
        let challenge = try pipeline.catalog.load("lru-cache")
        let version = try GraderVersion.current(for: challenge, layout: pipeline.layout)
        _ = try await pipeline.cache.module(for: challenge, set: .full, graderVersion: version)
        let again = try await pipeline.cache.module(for: challenge, set: .full, graderVersion: version)
        #expect(again.cached)
        #expect(again.buildMilliseconds == 0)
    }
}
