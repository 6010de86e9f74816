#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderModel
import GraderPipeline
import GraderStore
import Testing

/// The determined candidate (issue 17): submissions that are wrong on purpose and use what a
/// candidate can know of how the grader works (the public contracts, the READMEs, the threat
/// model in `Sandbox/README.md`, and what its own code is asked across submissions) to gain
/// points or hide a red flag. Each case (`Corpus/Determined/<case>/`) is an attack and its
/// control, the same code without the trick (the honest bug); both are graded end to end, and
/// the attack must gain nothing: no more points than the control, every red flag the honest bug
/// gets, and a grading that says something (never an internal error or an undetermined
/// recommendation). The control must score as its bug deserves, which is what the numbers below
/// pin. One case is a gap the threat model states (class 6: code that locks only when it finds
/// itself instrumented): there the test holds the grader to what the reviewer is shown instead.
///
/// The cases run with the hostile corpus (an extension of its suite, so one case at a time and
/// never beside its checks of the host), and need root like it.
enum DeterminedCandidate {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var challenge: String
        /// The file name both are submitted as.
        var file: String
        /// Red flags the control raises.
        var flags: Set<RedFlagID>
        /// Red flags the attack must raise: the control's, unless the case says which flag of the
        /// trick's own replaces them (`inconsistent-behaviour`, for behaviour that differs between
        /// checks that look alike).
        var attackFlags: Set<RedFlagID>? = nil
        /// The control's score (its bug, graded as it deserves), as the report rounds it.
        var controlScore: Double
        /// Checks the attack must not pass (what the trick was for).
        var attackFails: [String] = []
        /// A gap the threat model states (`Sandbox/README.md`): the attack is not held to its
        /// control; what the reviewer gets instead is these policy findings in its report.
        var knownGapFindings: [String] = []
        var description: String { name }
    }

    static let cases: [Case] = [
        // Class 1: two instances that stand for two servers share a process-wide table.
        Case(name: "static-table-across-instances", challenge: "reserve-seat", file: "SeatReservationService.swift",
             flags: [.noConcurrencyHandling], controlScore: 67.86, attackFails: ["many-seats-storm"]),
        // Class 2: throwaway calls that change nothing, to use up the faults a reservation may meet.
        Case(name: "absorb-fault-budget", challenge: "reserve-seat", file: "SeatReservationService.swift",
             flags: [.noRetry], controlScore: 62.5, attackFails: ["retries-write-that-did-not-land", "timeouts-under-contention"]),
        // Class 3: a line on standard error that looks like ThreadSanitizer failing, then an abort,
        // once two callers are inside at once (it made the grading a grader fault: undetermined).
        Case(name: "forged-sanitizer-failure-cache", challenge: "lru-cache", file: "LRUCache.swift",
             flags: [.noConcurrencyHandling], controlScore: 60, attackFails: ["race-free"]),
        Case(name: "forged-sanitizer-failure-seats", challenge: "reserve-seat", file: "SeatReservationService.swift",
             flags: [.noConcurrencyHandling], controlScore: 52.14, attackFails: ["last-seat-storm", "race-free"]),
        // Class 4: the storms' single-threaded rehearsals failed on purpose, recognised by what the
        // process is asked first, so that no check reaches its concurrent phase. A racy cache: the
        // race pass, which skips rehearsals, still watches the threads; and the storm's rehearsal
        // is the start of differential-model's own run, so the trick fails that check too.
        Case(name: "sabotaged-rehearsal-cache", challenge: "lru-cache", file: "LRUCache.swift",
             flags: [.noConcurrencyHandling], controlScore: 60,
             attackFails: ["concurrent-storm", "concurrent-lost-updates", "race-free", "differential-model"]),
        // A logical race (no data race for the race pass to see): the rehearsal's twin passed.
        Case(name: "sabotaged-rehearsal-webhook", challenge: "webhook-idempotency", file: "PaymentWebhookHandler.swift",
             flags: [.noConcurrencyHandling], attackFlags: [.inconsistentBehaviour], controlScore: 71,
             attackFails: ["concurrent-duplicates", "concurrent-mixed-payments"]),
        // Class 5: an O(n) cache slow on purpose at the small size, to flatter the scaling ratio:
        // once it sees the large cache in its process, and at every small size.
        Case(name: "pad-small-when-large-exists", challenge: "lru-cache", file: "LRUCache.swift",
             flags: [], controlScore: 65, attackFails: ["o1-scaling"]),
        Case(name: "pad-every-small-cache", challenge: "lru-cache", file: "LRUCache.swift",
             flags: [], controlScore: 65, attackFails: ["o1-scaling"]),
        // Class 6: a lock taken only when the cache finds itself instrumented. Not closed (a process
        // can always tell it runs under ThreadSanitizer); the reviewer sees how it tells.
        Case(name: "lock-only-when-instrumented", challenge: "lru-cache", file: "LRUCache.swift",
             flags: [.noConcurrencyHandling], controlScore: 77.5, knownGapFindings: ["address-inspection"]),
    ]

    static let directory = Corpus.directory.appendingPathComponent("Determined")

    /// How many times each case is graded (`GRADER_DETERMINED_RUNS`, default 1: each case is two
    /// whole gradings, race pass included, and their outcomes are seeded).
    static var runs: Int { max(1, Int(ProcessInfo.processInfo.environment["GRADER_DETERMINED_RUNS"] ?? "") ?? 1) }
}

extension HostileCorpusTests {
    @Test(arguments: DeterminedCandidate.cases)
    func aDeterminedCandidatesTrickGainsNothing(_ test: DeterminedCandidate.Case) async throws {
        let pipeline = try await Corpus.pipeline()
        func grade(_ variant: String) async throws -> GradingReport {
            let source = try Data(contentsOf: DeterminedCandidate.directory.appendingPathComponent("\(test.name)/\(variant).swift"))
            let submission = try pipeline.submit(challenge: test.challenge, candidate: "determined-\(test.name)-\(variant)",
                                                 files: [SubmittedFile(name: test.file, content: source)])
            return try await pipeline.grade(submission)
        }
        func summary(_ report: GradingReport) -> String {
            "\(report.score)/\(report.maxScore) \(report.recommendation) flags \(report.redFlags.map(\.id.rawValue)); "
                + report.checks.filter { $0.status != .pass }.map { "\($0.id) \($0.status.rawValue): \($0.message.prefix(200))" }
                    .joined(separator: " | ")
        }
        for run in 1...DeterminedCandidate.runs {
            let what = "\(test.name), run \(run) of \(DeterminedCandidate.runs)"
            let control = try await grade("control")
            let attack = try await grade("attack")
            for (report, side) in [(control, "control"), (attack, "attack")] {
                #expect(report.status == .graded && report.recommendation != .undetermined,
                        "\(what), \(side): \(report.status) \(report.error ?? "")")
            }
            #expect(HostState.strayProcesses().isEmpty, "\(what): processes left behind: \(HostState.strayProcesses())")
            #expect(HostState.leftoverSandboxArtifacts().isEmpty, "\(what): left behind: \(HostState.leftoverSandboxArtifacts())")
            print("determined \(test.name), run \(run): attack \(summary(attack)) || control \(summary(control))")
            #expect(abs(control.score - test.controlScore) < 0.005, "\(what), control: \(summary(control))")
            #expect(Set(control.redFlags.map(\.id)) == test.flags, "\(what), control: \(summary(control))")
            if !test.knownGapFindings.isEmpty {
                let rules = Set(attack.diagnostics.policyFindings.map(\.rule))
                #expect(Set(test.knownGapFindings).isSubset(of: rules), "\(what): the reviewer is not shown how it tells: \(rules.sorted())")
                print("known gap \(test.name), run \(run): the attack scored \(attack.score) (\(attack.recommendation)), its control \(control.score)")
                continue
            }
            #expect(attack.score <= control.score, "\(what): the attack gained points: \(summary(attack))")
            #expect((test.attackFlags ?? test.flags).isSubset(of: Set(attack.redFlags.map(\.id))),
                    "\(what): the attack hid a red flag: \(summary(attack))")
            if !test.flags.isEmpty { #expect(attack.recommendation == .reject, "\(what): \(summary(attack))") }
            for id in test.attackFails {
                let check = attack.checks.first { $0.id == id }
                #expect(check != nil && check?.status.passed != true, "\(what): the attack passed \(id): \(summary(attack))")
            }
        }
    }
}
