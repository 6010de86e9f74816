import Foundation
import GraderModel
import GraderPipeline
import Testing

/// The grades interviewers act on, for every challenge graded end to end: the reference gets full
/// marks, each correct alternative exactly the same, each bad variant loses exactly what it should,
/// run after run (SPEC §9: zero flaky checks).
@Suite(.serialized) struct GradingFidelityTests {
    @Test(arguments: Solution.references)
    func theReferenceScoresFullAutoPointsEveryRun(reference: Solution) async throws {
        try await expectFullMarks(reference, warningsAllowed: false)
    }

    /// Other correct styles (`Alternatives/`): each must score exactly like the reference, race
    /// pass included. This is what keeps a check from being too strict for a correct solution,
    /// and the race pass from false failures (say, ThreadSanitizer not seeing `Mutex`'s contended
    /// slow path).
    @Test(arguments: Solution.alternatives)
    func aCorrectAlternativeScoresLikeTheReference(alternative: Solution) async throws {
        try await expectFullMarks(alternative, warningsAllowed: true)
    }

    func expectFullMarks(_ solution: Solution, warningsAllowed: Bool) async throws {
        for run in 1...EndToEnd.runs {
            let report = try await EndToEnd.grade(solution)
            let what = "\(solution.testDescription) run \(run)"
            #expect(report.status == .graded, "\(what): \(summary(report))")
            #expect(report.score == report.maxScore, "\(what): \(summary(report))")
            #expect(report.checks.allSatisfy { $0.status == .pass }, "\(what): \(summary(report))")
            #expect(report.redFlags.isEmpty && report.recommendation == .advance, "\(what): \(summary(report))")
            if !warningsAllowed {
                #expect(report.diagnostics.concurrencyWarnings.isEmpty && report.diagnostics.compilerWarnings.isEmpty,
                        "\(what): the reference compiles with warnings")
            }
            try expectCleanRacePass(report, solution, what)
        }
    }

    /// The race pass ran every concurrent check and ThreadSanitizer reported nothing at all.
    func expectCleanRacePass(_ report: GradingReport, _ solution: Solution, _ what: String) throws {
        let concurrent = try ChallengeCatalog(layout: EndToEnd.layout).load(solution.challenge).mapping?.checks
            .filter(\.concurrent).map(\.id) ?? []
        let sanitizer = report.diagnostics.sanitizer
        #expect(sanitizer?.ran == true, "\(what): the race pass did not run")
        #expect(sanitizer?.checks == concurrent, "\(what)")
        #expect(sanitizer?.reports.isEmpty == true, "\(what): \(sanitizer?.reports ?? [])")
        #expect(report.checks.contains { $0.id == "race-free" && $0.status == .pass }, "\(what): \(summary(report))")
        #expect(report.timings.raceMs > 0, "\(what)")
    }

    /// The styles the issues name, per challenge: a check too strict for one of them shows up.
    @Test func theAlternativesCoverTheUsualStyles() {
        let required: [String: Set<String>] = [
            "lru-cache": ["mutex", "serial-queue", "concurrent-queue-barrier", "semaphore", "pthread-mutex"],
            "reserve-seat": ["actor-compare-and-set", "mutex-holder-cache", "per-seat-task-chain"],
            "webhook-idempotency": ["actor-in-flight-lookup", "unique-claim-released", "actor-awaits-running-delivery"],
        ]
        for (challenge, names) in required where Solution.challenges.contains(challenge) {
            let present = Solution.names(.alternative, of: challenge)
            #expect(names.isSubset(of: present), "\(challenge) is missing \(names.subtracting(present).sorted())")
        }
    }

    @Test func everyRequiredVariantIsPresent() {
        let required: [String: Set<String>] = [
            "lru-cache": ["o-n-recency-list", "unsynchronized", "get-without-refresh", "put-update-without-refresh",
                          "wrong-end-evicted", "retain-cycle", "self-deadlock", "racy-statistics-counter"],
            "reserve-seat": ["actor-read-then-write", "keeps-claims-in-memory", "gives-up-first-timeout", "cas-retry-without-reread",
                             "lock-across-await", "rereserve-writes-again", "retry-forever", "unsynchronized-statistics", "in-memory-only"],
            "webhook-idempotency": ["check-then-insert", "processed-marker-before-insert", "retry-without-backoff", "retry-forever",
                                    "no-dead-letter", "claim-per-idempotency-key", "retries-blindly-after-insert-failure",
                                    "gives-up-first-failure", "in-flight-set-never-cleared", "unsynchronized-dead-letters"],
        ]
        for (challenge, names) in required where Solution.challenges.contains(challenge) {
            let present = Solution.names(.variant, of: challenge)
            #expect(names.isSubset(of: present), "\(challenge) is missing \(names.subtracting(present).sorted())")
        }
    }

    @Test(arguments: Solution.variants)
    func aBadVariantLosesExactlyWhatItShould(variant: Solution) async throws {
        let expected = try JSONDecoder().decode(VariantExpectation.self,
                                                from: Data(contentsOf: variant.folder.appendingPathComponent("expected.json")))
        for run in 1...EndToEnd.runs {
            let report = try await EndToEnd.grade(variant)
            let what = "\(variant.testDescription) run \(run)"
            #expect(report.status == .graded, "\(what): \(summary(report))")
            let failing = Set(report.checks.filter { $0.status != .pass }.map(\.id))
            #expect(failing == Set(expected.failingChecks), "\(what): \(summary(report))")
            let skipped = Set(report.checks.filter { $0.status == .skipped }.map(\.id))
            #expect(skipped == Set(expected.skippedChecks), "\(what): \(summary(report))")
            let lost = Set(report.criteria.filter { $0.kind == .auto && $0.points < $0.maxPoints }.map(\.id.rawValue))
            #expect(lost == Set(expected.lostCriteria), "\(what): lost \(lost.sorted())")
            #expect(Set(report.redFlags.map(\.id.rawValue)) == Set(expected.redFlags), "\(what): \(summary(report))")
            #expect(report.score < report.maxScore)
            #expect(report.recommendation.rawValue == expected.recommendation, "\(what): \(report.recommendationReasons)")
            #expect(report.recommendation != .advance, "\(what): a known-bad solution was recommended")
            if expected.failingChecks.contains("race-free") && expected.redFlags.contains("no-concurrency-handling")
                && !report.checks.contains(where: { $0.id != "race-free" && $0.status == .timeout }) {
                // The race pass's evidence names the submission's own lines (symbolized, demangled).
                let findings = report.diagnostics.sanitizer?.findings ?? []
                #expect(findings.contains { $0.counted && $0.summary.contains(variant.file.lastPathComponent + ":") },
                        "\(what): \(findings.map(\.summary))")
            }
            // Every lost point is explained by a check that did not pass.
            for criterion in report.criteria where criterion.kind == .auto && criterion.points < criterion.maxPoints {
                #expect(criterion.checks.contains { $0.status != .pass && criterion.explanation.contains($0.id) })
            }
        }
    }

    @Test(arguments: Solution.challenges)
    func theStarterCompilesAndScoresNothingWorthAdvancing(challenge: String) async throws {
        let manifest = try ChallengeCatalog(layout: EndToEnd.layout).load(challenge).manifest
        let starter = EndToEnd.root.appendingPathComponent("Challenges/\(challenge)/\(manifest.starter)")
        let report = try await EndToEnd.grade(starter, challenge: challenge, candidate: "starter")
        #expect(report.status == .graded, "\(summary(report))")
        #expect(report.recommendation == .reject)
        #expect(report.score < report.maxScore / 2, "\(summary(report))")
        // It fails the concurrency and fault checks' rehearsal: a functional failure, not a red flag.
        #expect(report.redFlags.isEmpty, "\(summary(report))")
        #expect(report.checks.filter { $0.status == .pass }.count <= 2, "\(summary(report))")
    }
}
