import GraderModel
import Testing

@Suite struct ScoringTests {
    @Test func allPassingGivesFullAutoPointsAndAdvance() {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes([:]))
        #expect(result.score == 80)
        #expect(result.maxScore == 80)
        #expect(result.manualPending == 20)
        #expect(result.redFlags.isEmpty)
        #expect(result.recommendation == .advance)
        #expect(result.criteria.first { $0.id == .qualityCleanCode }?.points == 0)
    }

    @Test func pointsAreProportionalToPassedWeightAndEveryLossIsExplained() {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["refreshes": .fail]))
        let caching = result.criteria.first { $0.id == .scalabilityCaching }!
        #expect(caching.points == 37.5)   // 50 × 3/4
        #expect(caching.explanation == "lost 12.5 of 50: refreshes (fail, weight 1)")
        #expect(result.score == 67.5)
        // 84% but an essential criterion is short: at most borderline.
        #expect(result.recommendation == .borderline)
        #expect(result.recommendationReasons.contains("essential criterion scalability.caching scored 37.5 of 50"))
    }

    @Test func skippedChecksAreNotCountedEitherWay() {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["refreshes": .skipped]))
        let caching = result.criteria.first { $0.id == .scalabilityCaching }!
        #expect(caching.points == 50)
        #expect(caching.explanation.contains("1 skipped check(s) not counted"))
    }

    @Test func aMissingOutcomeCountsAsSkippedNotPassed() {
        let outcomes = Fixture.outcomes([:]).filter { $0.id != "storm" }
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping, outcomes: outcomes)
        let locking = result.criteria.first { $0.id == .concurrencyLocking }!
        #expect(locking.points == 0)
        #expect(locking.explanation == "not assessed: every check for it was skipped")
    }

    @Test(arguments: [CheckStatus.fail, .crash])
    func redFlagStatusesRaiseTheFlagAndReject(status: CheckStatus) {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["storm": status]))
        #expect(result.redFlags.map(\.id) == [.noConcurrencyHandling])
        #expect(result.redFlags.first?.checks == ["storm"])
        #expect(result.recommendation == .reject)
        #expect(result.score == 50)
    }

    @Test func aPhaseRuleRaisesTheFlagOnlyForFailuresInThatPhase() {
        var mapping = Fixture.mapping
        mapping.redFlags["storm"] = .init(flag: .noConcurrencyHandling, on: [.fail, .crash], phase: "concurrent")
        var outcomes = Fixture.outcomes(["storm": .fail])
        // Failed in the single-threaded rehearsal (no phase entered): a functional bug, no flag.
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.isEmpty)
        outcomes[2].phase = "rehearsal"
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.isEmpty)
        outcomes[2].phase = "concurrent"
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.map(\.id)
                == [.noConcurrencyHandling])
        // Either way the check's points are lost.
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).score == 50)
    }

    /// Class 4 of issue 17: a storm's rehearsal replays a scored check's scenario exactly (the
    /// phase names it). Failing it there while the check itself passed is behaviour that differs
    /// between checks that look alike: `inconsistent-behaviour`, and reject. Failing both is a
    /// plain bug, graded as one.
    @Test(arguments: [CheckStatus.fail, .crash])
    func aRehearsalThatFailsWhereItsTwinPassedIsInconsistentBehaviour(status: CheckStatus) {
        var mapping = Fixture.mapping
        mapping.redFlags["storm"] = .init(flag: .noConcurrencyHandling, on: [.fail, .crash], phase: "concurrent")
        var outcomes = Fixture.outcomes(["storm": status])
        outcomes[2].phase = CheckOutcome.rehearsalPhasePrefix + "evicts"
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes)
        #expect(result.redFlags.map(\.id) == [.inconsistentBehaviour])
        #expect(result.redFlags.first?.checks == ["storm"])
        #expect(result.redFlags.first?.message.contains("the same scenario as evicts") == true)
        #expect(result.recommendation == .reject)
        // The twin failed too: consistent, a plain bug.
        outcomes[0].status = .fail
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.isEmpty)
        // A twin that is not a check of the grading, or the check itself, decides nothing.
        outcomes[0].status = .pass
        outcomes[2].phase = CheckOutcome.rehearsalPhasePrefix + "nonexistent"
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.isEmpty)
        outcomes[2].phase = CheckOutcome.rehearsalPhasePrefix + "storm"
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: mapping, outcomes: outcomes).redFlags.isEmpty)
    }

    /// A rehearsal that ran out of its check's time (a slow cache, say) is no evidence of anything:
    /// the check it replays had a budget of its own.
    @Test func aRehearsalThatTimedOutRaisesNothing() {
        var outcomes = Fixture.outcomes(["storm": .timeout])
        outcomes[2].phase = CheckOutcome.rehearsalPhasePrefix + "evicts"
        #expect(Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping, outcomes: outcomes).redFlags.isEmpty)
    }

    @Test func aStatusOutsideTheRuleRaisesNoFlag() {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["storm": .timeout]))
        #expect(result.redFlags.isEmpty)
        #expect(result.criteria.first { $0.id == .concurrencyLocking }?.points == 0)
    }

    @Test func belowSixtyPercentIsReject() {
        let result = Scoring.score(status: .graded, rubric: Fixture.rubric, mapping: Fixture.mapping,
                                   outcomes: Fixture.outcomes(["evicts": .fail, "storm": .timeout]))
        #expect(result.score == 12.5)
        #expect(result.recommendation == .reject)
    }

    @Test func compileErrorsScoreNothingAndReject() {
        let result = Scoring.score(status: .compileError, rubric: Fixture.rubric, mapping: Fixture.mapping, outcomes: [])
        #expect(result.score == 0)
        #expect(result.recommendation == .reject)
        #expect(result.criteria.allSatisfy { $0.points == 0 })
    }

    @Test func internalErrorsRecommendNothing() {
        let result = Scoring.score(status: .internalError, rubric: Fixture.rubric, mapping: Fixture.mapping, outcomes: [])
        #expect(result.recommendation == .undetermined)
    }

    @Test func pointsFormatWithoutNoise() {
        #expect(format(30) == "30")
        #expect(format(12.5) == "12.5")
        #expect(format(20.0 / 3) == "6.67")
    }
}
