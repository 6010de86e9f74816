import Foundation
import GraderModel
@testable import GraderPipeline
import GraderProcess
import Testing

/// The service channel (issue 8): a support type's calls travel from the candidate's code in the
/// subject to a simulated service in the driver, many in flight at once from tasks and threads,
/// and complete in the order the driver's seed chooses. The fixture challenge (`CounterService`,
/// a counter whose state lives in the driver) is built and graded by the real pipeline, sandbox
/// included; `ServiceFixtureTests` runs the same support type in memory.
@Suite(.serialized) struct ServiceChannelTests {
    @Test func concurrentServiceCallsCompleteInTheOrderTheSeedChooses() async throws {
        let pipeline = try await ServiceFixture.pipeline()
        let first = try await pipeline.runPublicChecks(challenge: ServiceFixture.id, files: [ServiceFixture.candidate])
        #expect(first.status == .graded, "\(first.message ?? "")")
        for outcome in first.outcomes {
            #expect(outcome.status == .pass, "\(outcome.id): \(outcome.message) \(outcome.output.suffix(800))")
        }
        func order(_ run: PublicCheckRun, _ id: String) -> String? {
            run.outcomes.first { $0.id == id }?.evidence.first { $0.hasPrefix("completion order") }
        }
        let orderA = try #require(order(first, "counter.seeded-order-a"))
        let orderB = try #require(order(first, "counter.seeded-order-b"))
        #expect(orderA != orderB, "two seeds gave one order")
        let calls = first.outcomes.flatMap(\.evidence).first { $0.hasPrefix("calls:") } ?? ""
        #expect(calls.contains("40 calls in flight at once"), "\(calls)")

        // The same seed, again: the same order, whatever the machine's timing did.
        let second = try await pipeline.runPublicChecks(challenge: ServiceFixture.id, files: [ServiceFixture.candidate])
        for outcome in second.outcomes {
            #expect(outcome.status == .pass, "second run, \(outcome.id): \(outcome.message)")
        }
        #expect(order(second, "counter.seeded-order-a") == orderA)
        #expect(order(second, "counter.seeded-order-b") == orderB)
    }

    /// Separate servers in separate processes (a DriverKit capability: `CheckContext.startSubject`):
    /// a check starts a second subject of the same submission, each a sandboxed process of its
    /// own with its own memory, and both call the one simulated service in the driver.
    @Test func aCheckStartsASecondSubjectThatSharesOnlyTheDriversServices() async throws {
        let pipeline = try await ServiceFixture.pipeline()
        let run = try await pipeline.runPublicChecks(challenge: ServiceFixture.id, files: [ServiceFixture.candidate])
        let outcome = try #require(run.outcomes.first { $0.id == "counter.separate-servers" })
        #expect(outcome.status == .pass, "\(outcome.message) \(outcome.output.suffix(800))")
        #expect(outcome.evidence.contains("2 subjects, 2 process tokens, counter values [1, 2]"), "\(outcome.evidence)")
    }

    @Test func aCallToAServiceTheCheckDoesNotOfferBreaksTheChannel() async throws {
        let pipeline = try await ServiceFixture.pipeline()
        let stray = SubmittedFile(name: "Tally.swift", content: Data(ServiceFixture.candidateSource.replacingOccurrences(
            of: "try await service.increment(by: 1, caller: caller)",
            with: "try await (ServiceTransports.current!.call(service: \"bank\", [1]).isEmpty ? 0 : 1)")
            .replacingOccurrences(of: "import Challenge", with: "import Challenge\nimport Wire").utf8))
        let run = try await pipeline.runPublicChecks(challenge: ServiceFixture.id, files: [stray])
        #expect(run.outcomes.allSatisfy { $0.status == .fail }, "\(run.outcomes.map { "\($0.id) \($0.status) \($0.message)" })")
        #expect(run.outcomes.allSatisfy { $0.message.contains("service \"bank\", which this check does not offer") })
    }
}

/// A project holding one fixture challenge built on a simulated service (under an id the catalog
/// knows; nothing of it is a real challenge).
enum ServiceFixture {
    static let id = "reserve-seat"

    static let candidateSource = """
        import Challenge

        final class Tally: Sendable {
            let service: CounterService
            init(service: CounterService) { self.service = service }
            func record(_ caller: Int) async throws -> Int { try await service.increment(by: 1, caller: caller) }
        }
        """

    static let candidate = SubmittedFile(name: "Tally.swift", content: Data(candidateSource.utf8))

    static let manifest = """
        {"id": "reserve-seat", "title": "fixture: a counter service", "summary": "fixture", "starter": "Starter.swift",
         "entryType": "Tally", "publicSuites": ["CounterChecks"],
         "checks": [{"id": "counter.seeded-order-a", "title": "seeded completion order (seed A)", "timeoutSeconds": 20},
                    {"id": "counter.seeded-order-b", "title": "seeded completion order (seed B)", "timeoutSeconds": 20},
                    {"id": "counter.separate-servers", "title": "two subjects, one service", "timeoutSeconds": 20}]}
        """

    static let rubric = """
        {"challenge": "reserve-seat", "criteria": [
          {"id": "concurrency.locking", "points": 100, "kind": "auto", "essential": false, "description": "fixture"}]}
        """

    /// The subject side: runs `record` from many tasks and threads at once.
    static let subject = #"""
        #if canImport(Glibc)
        import Glibc
        #endif
        import Challenge
        import SubjectRuntime
        import Synchronization
        import Wire

        public protocol TallyUnderTest: Sendable {
            func record(_ caller: Int) async throws -> Int
        }

        public protocol TallyMaker: Sendable {
            func make(service: CounterService) -> any TallyUnderTest
        }

        /// `record-concurrently` (tasks, threads): callers 0..<tasks call from tasks, the next
        /// `threads` from OS threads of their own (each waiting on its call); answers each
        /// caller's value and how many threads the calls were made from.
        public final class CounterSubject: SubjectHandler {
            let maker: any TallyMaker
            public init(maker: some TallyMaker) { self.maker = maker }

            /// Drawn once per process: two subjects answer two tokens.
            static let processToken = UInt64.random(in: 1...UInt64.max)

            public func perform(_ operation: String, _ arguments: inout WireReader) async throws -> [UInt8] {
                if operation == "process-token" {
                    try arguments.finish()
                    var answer = WireWriter()
                    answer.unsigned(Self.processToken)
                    return answer.bytes
                }
                guard operation == "record-concurrently" else { throw UnknownOperation(operation) }
                let tasks = try arguments.int(in: 0...1_000)
                let threads = try arguments.int(in: 0...64)
                try arguments.finish()
                let tally = maker.make(service: CounterService())
                let results = Results(count: tasks + threads)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for caller in 0..<tasks {
                        group.addTask { results.set(caller, try await tally.record(caller), thread: UInt(bitPattern: Int(pthread_self()))) }
                    }
                    let now = Clock.nanos()
                    group.addTask {
                        _ = Storm.run(operations: Array(repeating: 1, count: threads), stopStartingAt: now + 60_000_000_000,
                                      waitUntil: now + 60_000_000_000) { thread, _ in
                            let caller = tasks + thread
                            let done = Mutex(false)
                            Task { results.set(caller, (try? await tally.record(caller)) ?? -1, thread: 0); done.withLock { $0 = true } }
                            results.noteThread(UInt(bitPattern: Int(pthread_self())))
                            while !done.withLock({ $0 }) { usleep(200) }
                            return 0
                        }
                    }
                    try await group.waitForAll()
                }
                var answer = WireWriter()
                answer.array(results.values) { $0.int($1) }
                answer.int(results.threadCount)
                return answer.bytes
            }
        }

        final class Results: Sendable {
            private let state: Mutex<(values: [Int], threads: Set<UInt>)>
            init(count: Int) { state = Mutex((Array(repeating: 0, count: count), [])) }
            func set(_ caller: Int, _ value: Int, thread: UInt) {
                state.withLock { $0.values[caller] = value; if thread != 0 { $0.threads.insert(thread) } }
            }
            func noteThread(_ thread: UInt) { state.withLock { _ = $0.threads.insert(thread) } }
            var values: [Int] { state.withLock { $0.values } }
            var threadCount: Int { state.withLock { $0.threads.count } }
        }
        """#

    static let adapter = """
        extension CandidateSubmission.Tally: @retroactive ChallengeSubject.TallyUnderTest {}

        struct CandidateMaker: ChallengeSubject.TallyMaker {
            func make(service: Challenge.CounterService) -> any ChallengeSubject.TallyUnderTest {
                CandidateSubmission.Tally(service: service)
            }
        }

        let subjectHandler = ChallengeSubject.CounterSubject(maker: CandidateMaker())
        """

    /// The driver side: the counter service, whose calls complete in the seed's order, and two
    /// checks that replay that order from the seed and compare it with what the callers saw.
    static let checks = #"""
        import DriverKit
        import Synchronization
        import Wire

        public enum CounterChecks {
            static let tasks = 32
            static let threads = 8

            public static func checks() -> [Check] {
                [order("counter.seeded-order-a", seed: 0xA), order("counter.seeded-order-b", seed: 0xB), separateServers()]
            }

            static func separateServers() -> Check {
                Check("counter.separate-servers") { context in
                    let counter = CounterServer(scheduler: CompletionScheduler(seed: 1, expected: 2))
                    context.subject.serve("counter", with: counter)
                    let second = try await context.startSubject()
                    second.serve("counter", with: counter)
                    func token(_ subject: SubjectConnection) async throws -> UInt64 {
                        var answer = try await subject.request("process-token")
                        let token = try answer.unsigned()
                        try answer.finish()
                        return token
                    }
                    func record(_ subject: SubjectConnection) async throws -> Int {
                        var answer = try await subject.request("record-concurrently") { $0.int(1); $0.int(0) }
                        let values = try answer.array(maximum: 1) { try $0.int() }
                        _ = try answer.int()
                        try answer.finish()
                        return values[0]
                    }
                    let tokens = Set([try await token(context.subject), try await token(second)])
                    async let first = record(context.subject)
                    async let other = record(second)
                    let values = try await [first, other].sorted()
                    context.note("\(context.subjects.count) subjects, \(tokens.count) process tokens, counter values \(values)")
                    try require(tokens.count == 2, "both subjects answered one process token: one process")
                    try require(values == [1, 2], "the two subjects' calls did not reach one counter: \(values)")
                }
            }

            static func order(_ id: String, seed: UInt64) -> Check {
                Check(id) { context in
                    let callers = tasks + threads
                    let seed = context.seed(default: seed)
                    let scheduler = CompletionScheduler(seed: seed, expected: callers)
                    let counter = CounterServer(scheduler: scheduler)
                    context.subject.serve("counter", with: counter)
                    var answer = try await context.subject.request("record-concurrently") { $0.int(tasks); $0.int(threads) }
                    let values: [Int]
                    let threadsSeen: Int
                    do {
                        values = try answer.array(maximum: callers) { try $0.int() }
                        threadsSeen = try answer.int()
                        try answer.finish()
                    } catch let error as WireError {
                        throw SubjectError.malformed(error.message)
                    }
                    // The order the seed chooses, replayed here: callers sorted by key, one picked at a time.
                    var generator = SeededGenerator(seed: seed)
                    var remaining = (0..<callers).map { "caller \($0)" }.sorted()
                    var expected = [Int](repeating: 0, count: callers)
                    for value in 1...callers {
                        let key = remaining.remove(at: Int(generator.next() % UInt64(remaining.count)))
                        expected[Int(key.dropFirst("caller ".count))!] = value
                    }
                    context.note("completion order: " + (await scheduler.completionOrder).joined(separator: ", "))
                    context.note("calls: \(counter.maximumInFlight) calls in flight at once, from \(threadsSeen) threads")
                    try require(values == expected, "the callers saw \(values); the seed's order gives \(expected)")
                    try require(counter.maximumInFlight == callers, "only \(counter.maximumInFlight) calls were in flight at once")
                    try require(threadsSeen > 1, "the calls came from \(threadsSeen) thread")
                }
            }
        }

        final class CounterServer: ServiceHandler {
            let scheduler: CompletionScheduler
            private let state = Mutex((value: 0, inFlight: 0, maximum: 0))

            init(scheduler: CompletionScheduler) { self.scheduler = scheduler }

            var maximumInFlight: Int { state.withLock { $0.maximum } }

            func handle(_ call: ServiceCall) async throws -> [UInt8] {
                var body = WireReader(call.body)
                let amount = try body.int(in: 1...10)
                let caller = try body.int(in: 0...1_000)
                try body.finish()
                state.withLock { $0.inFlight += 1; $0.maximum = max($0.maximum, $0.inFlight) }
                await scheduler.turn(key: "caller \(caller)")
                let value = state.withLock { state -> Int in
                    state.value += amount
                    state.inFlight -= 1
                    return state.value
                }
                await scheduler.done()
                var reply = WireWriter()
                reply.int(value)
                return reply.bytes
            }
        }
        """#

    static func make() throws -> ProjectLayout {
        let manager = FileManager.default
        let root = TestProject.parent.appendingPathComponent("service-\(UUID().uuidString)")
        for module in ["Wire", "SubjectRuntime", "DriverKit", "HarnessSanitizerSupport"] {
            try manager.createDirectory(at: root.appendingPathComponent("Sources"), withIntermediateDirectories: true)
            try manager.copyItem(at: TestProject.repositoryRoot.appendingPathComponent("Sources/\(module)"),
                                 to: root.appendingPathComponent("Sources/\(module)"))
        }
        let challenge = root.appendingPathComponent("Challenges/\(id)")
        for folder in ["Support", "Subject", "PublicTests", "Wire"] {
            try manager.createDirectory(at: challenge.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try manager.copyItem(at: TestProject.repositoryRoot.appendingPathComponent("Tests/ServiceFixtureTests/CounterService.swift"),
                             to: challenge.appendingPathComponent("Support/CounterService.swift"))
        let files = [("challenge.json", manifest), ("rubric.json", rubric), ("Starter.swift", candidateSource),
                     ("Adapter.swift", adapter), ("Subject/CounterSubject.swift", subject),
                     ("PublicTests/CounterChecks.swift", checks), ("README.md", "fixture")]
        for (path, text) in files {
            try text.write(to: challenge.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        return ProjectLayout(root: root)
    }

    static let shared: (layout: ProjectLayout, data: URL) = {
        let layout = try! make()
        return (layout, layout.root.appendingPathComponent("data"))
    }()

    static func pipeline() async throws -> GradingPipeline {
        try await TestProject.pipeline(layout: shared.layout, data: shared.data)
    }
}
