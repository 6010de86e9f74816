import Foundation
import GraderModel
import Testing

/// The grades interviewers act on: the reference gets full marks, each bad variant loses exactly what
/// it should, run after run (SPEC §9: zero flaky checks).
@Suite(.serialized) struct GradingFidelityTests {
    @Test func theReferenceScoresFullAutoPointsEveryRun() async throws {
        let reference = EndToEnd.root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift")
        for run in 1...EndToEnd.runs {
            let report = try await EndToEnd.grade(reference, candidate: "reference")
            #expect(report.status == .graded, "run \(run): \(summary(report))")
            #expect(report.score == report.maxScore, "run \(run): \(summary(report))")
            #expect(report.checks.allSatisfy { $0.status == .pass }, "run \(run): \(summary(report))")
            #expect(report.redFlags.isEmpty, "run \(run): \(summary(report))")
            #expect(report.recommendation == .advance, "run \(run): \(summary(report))")
            #expect(report.diagnostics.concurrencyWarnings.isEmpty && report.diagnostics.compilerWarnings.isEmpty,
                    "run \(run): the reference compiles with warnings")
            expectCleanRacePass(report, "reference run \(run)")
        }
    }

    /// Other correct ways to synchronise (`Alternatives/`): each must score exactly like the
    /// reference, race pass included. This is what keeps the race pass from false failures, such
    /// as ThreadSanitizer not seeing `Mutex`'s contended slow path.
    @Test(arguments: EndToEnd.alternativeNames)
    func aCorrectAlternativeScoresLikeTheReference(alternative: String) async throws {
        let file = EndToEnd.alternativesDirectory.appendingPathComponent(alternative).appendingPathComponent("LRUCache.swift")
        for run in 1...EndToEnd.runs {
            let report = try await EndToEnd.grade(file, candidate: alternative)
            #expect(report.status == .graded, "\(alternative) run \(run): \(summary(report))")
            #expect(report.score == report.maxScore, "\(alternative) run \(run): \(summary(report))")
            #expect(report.checks.allSatisfy { $0.status == .pass }, "\(alternative) run \(run): \(summary(report))")
            #expect(report.redFlags.isEmpty && report.recommendation == .advance, "\(alternative) run \(run): \(summary(report))")
            expectCleanRacePass(report, "\(alternative) run \(run)")
        }
    }

    @Test func theAlternativesCoverTheUsualPrimitives() {
        let required = ["mutex", "serial-queue", "concurrent-queue-barrier", "semaphore", "pthread-mutex"]
        #expect(Set(required).isSubset(of: Set(EndToEnd.alternativeNames)), "missing: \(Set(required).subtracting(EndToEnd.alternativeNames))")
    }

    /// The race pass ran both concurrent checks and ThreadSanitizer reported nothing at all.
    func expectCleanRacePass(_ report: GradingReport, _ what: String) {
        let sanitizer = report.diagnostics.sanitizer
        #expect(sanitizer?.ran == true, "\(what): the race pass did not run")
        #expect(sanitizer?.checks == ["concurrent-storm", "concurrent-lost-updates"], "\(what)")
        #expect(sanitizer?.reports.isEmpty == true, "\(what): \(sanitizer?.reports ?? [])")
        #expect(report.checks.contains { $0.id == "race-free" && $0.status == .pass }, "\(what): \(summary(report))")
        #expect(report.timings.raceMs > 0, "\(what)")
    }

    @Test func everyRequiredVariantIsPresent() {
        let required = ["o-n-recency-list", "unsynchronized", "get-without-refresh", "put-update-without-refresh",
                        "wrong-end-evicted", "retain-cycle", "self-deadlock", "racy-statistics-counter"]
        #expect(Set(required).isSubset(of: Set(EndToEnd.variantNames)), "missing: \(Set(required).subtracting(EndToEnd.variantNames))")
    }

    @Test(arguments: EndToEnd.variantNames)
    func aBadVariantLosesExactlyWhatItShould(variant: String) async throws {
        let folder = EndToEnd.variantsDirectory.appendingPathComponent(variant)
        let expected = try JSONDecoder().decode(VariantExpectation.self,
                                                from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        for run in 1...EndToEnd.runs {
            let report = try await EndToEnd.grade(folder.appendingPathComponent("LRUCache.swift"), candidate: variant)
            #expect(report.status == .graded, "\(variant) run \(run): \(summary(report))")
            let failing = Set(report.checks.filter { $0.status != .pass }.map(\.id))
            #expect(failing == Set(expected.failingChecks), "\(variant) run \(run): \(summary(report))")
            let lost = Set(report.criteria.filter { $0.kind == .auto && $0.points < $0.maxPoints }.map(\.id.rawValue))
            #expect(lost == Set(expected.lostCriteria), "\(variant) run \(run): lost \(lost.sorted())")
            #expect(Set(report.redFlags.map(\.id.rawValue)) == Set(expected.redFlags), "\(variant) run \(run): \(summary(report))")
            #expect(report.score < report.maxScore)
            #expect(report.recommendation.rawValue == expected.recommendation, "\(variant) run \(run): \(report.recommendationReasons)")
            #expect(report.recommendation != .advance, "\(variant) run \(run): a known-bad solution was recommended")
            if expected.failingChecks.contains("race-free") && expected.redFlags.contains("no-concurrency-handling") {
                // The race pass's evidence names the submission's own lines (symbolized, demangled).
                let findings = report.diagnostics.sanitizer?.findings ?? []
                #expect(findings.contains { $0.counted && $0.summary.contains("LRUCache.swift:") },
                        "\(variant) run \(run): \(findings.map(\.summary))")
            }
            // Every lost point is explained by a check that did not pass.
            for criterion in report.criteria where criterion.kind == .auto && criterion.points < criterion.maxPoints {
                #expect(criterion.checks.contains { $0.status != .pass && criterion.explanation.contains($0.id) })
            }
        }
    }

    @Test func theStarterCompilesAndScoresNothingWorthAdvancing() async throws {
        let starter = EndToEnd.root.appendingPathComponent("Challenges/lru-cache/Starter.swift")
        let report = try await EndToEnd.grade(starter, candidate: "starter")
        #expect(report.status == .graded, "\(summary(report))")
        #expect(report.recommendation == .reject)
        #expect(report.score < report.maxScore / 2)
        // It fails the concurrency checks' single-threaded rehearsal: a functional failure, not
        // "no concurrency handling".
        #expect(report.redFlags.isEmpty, "\(summary(report))")
        #expect(report.checks.allSatisfy { $0.status != .pass }, "\(summary(report))")
    }
}
