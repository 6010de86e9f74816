import GraderModel
import Testing

/// A check's skip stands only when a check it defers to did not pass in the same grading: the
/// round that made it skip runs in the candidate's process, which could misbehave there on purpose
/// to have a failing check left out of its score.
@Suite struct SkipConfirmationTests {
    let checks = [
        CheckDefinition(id: "storm", title: "storm", timeoutSeconds: 5, visibility: .hidden),
        CheckDefinition(id: "other-storm", title: "other storm", timeoutSeconds: 5, visibility: .hidden),
        CheckDefinition(id: "faults-under-contention", title: "faults", timeoutSeconds: 5, visibility: .hidden,
                        defersTo: ["storm", "other-storm"]),
        CheckDefinition(id: "defers-to-nothing", title: "lone", timeoutSeconds: 5, visibility: .hidden),
    ]

    func outcome(_ id: String, _ status: CheckStatus, _ message: String = "m") -> CheckOutcome {
        CheckOutcome(id: id, title: id, visibility: .hidden, status: status, durationMs: 1, message: message)
    }

    func confirmed(_ outcomes: [CheckOutcome]) -> [String: CheckOutcome] {
        Dictionary(uniqueKeysWithValues: SkipConfirmation.apply(to: outcomes, checks: checks).map { ($0.id, $0) })
    }

    @Test func aSkipStandsWhenACheckItDefersToDidNotPass() {
        for failing in [CheckStatus.fail, .timeout, .crash] {
            let result = confirmed([outcome("storm", .pass), outcome("other-storm", failing),
                                    outcome("faults-under-contention", .skipped, "skipped: the round races without faults")])
            #expect(result["faults-under-contention"]?.status == .skipped)
            #expect(result["faults-under-contention"]?.message == "skipped: the round races without faults")
        }
    }

    @Test func aSkipNoCheckConfirmsIsAFailureOfTheCheck() {
        let result = confirmed([outcome("storm", .pass), outcome("other-storm", .skipped),
                                outcome("faults-under-contention", .skipped, "skipped: the round races without faults")])
        let overturned = result["faults-under-contention"]
        #expect(overturned?.status == .fail)
        #expect(overturned?.message == "the round races without faults; but every check that would charge it "
                + "(storm, other-storm) passed, so it is this check's failure")
        #expect(result["other-storm"]?.status == .fail, "a skip never confirms another, nor stands without a check to defer to")

        let lone = confirmed([outcome("defers-to-nothing", .skipped, "skipped: x")])["defers-to-nothing"]
        #expect(lone?.status == .fail)
        #expect(lone?.message == "x; but no other check charges it, so it is this check's failure")
    }

    @Test func aCheckRunAloneKeepsItsSkipAndSaysWhatWouldDecide() {
        let alone = confirmed([outcome("faults-under-contention", .skipped, "skipped: y")])["faults-under-contention"]
        #expect(alone?.status == .skipped)
        #expect(alone?.message == "skipped: y (in a grading this skip stands only if one of storm, other-storm does not pass)")
    }

    @Test func otherOutcomesAreUntouched() {
        let outcomes = [outcome("storm", .fail), outcome("faults-under-contention", .fail), outcome("other-storm", .pass)]
        #expect(SkipConfirmation.apply(to: outcomes, checks: checks) == outcomes)
    }

    @Test func aMappingThatDefersToAnUnknownCheckIsRefused() {
        let mapping = Fixture.mapping
        var all = checks
        all.append(CheckDefinition(id: "bad", title: "bad", timeoutSeconds: 5, visibility: .hidden, defersTo: ["nowhere", "bad"]))
        let problems = mapping.problems(rubric: Fixture.rubric, allChecks: all)
        #expect(problems.contains("check bad defers to nowhere, which is not another check"))
        #expect(problems.contains("check bad defers to bad, which is not another check"))
    }
}
