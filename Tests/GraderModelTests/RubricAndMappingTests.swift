import Foundation
import GraderModel
import Testing

@Suite struct RubricAndMappingTests {
    @Test func aValidRubricAndMappingHaveNoProblems() {
        #expect(Fixture.rubric.problems().isEmpty)
        #expect(Fixture.mapping.problems(rubric: Fixture.rubric, allChecks: Fixture.checks).isEmpty)
        #expect(Fixture.rubric.autoPoints == 80)
        #expect(Fixture.rubric.manualPoints == 20)
    }

    @Test func pointsMustSumToOneHundred() {
        var rubric = Fixture.rubric
        rubric.criteria[0].points = 40
        #expect(rubric.problems().contains("points sum to 90.0; expected 100.0"))
    }

    @Test func aCriterionListedTwiceIsAProblem() {
        var rubric = Fixture.rubric
        rubric.criteria.append(.init(id: .scalabilityCaching, points: 0, kind: .auto))
        #expect(rubric.problems().contains { $0.contains("listed twice") })
    }

    @Test func mappingProblemsAreAllReported() {
        var mapping = Fixture.mapping
        mapping.criteria["storm"] = [.qualityCleanCode: 1]          // a manual criterion
        mapping.criteria["ghost"] = [.scalabilityCaching: 1]        // an unknown check
        mapping.redFlags["evicts"] = .init(flag: .noRetry, on: [.pass])
        let problems = mapping.problems(rubric: Fixture.rubric, allChecks: Fixture.checks)
        #expect(problems.contains("check storm weighs manual criterion quality.clean-code"))
        #expect(problems.contains("weights name unknown check ghost"))
        #expect(problems.contains("auto criterion concurrency.locking has no check with a weight"))
        #expect(problems.contains("red flag rule for evicts must list failing statuses"))
    }

    @Test func aCheckWithoutWeightIsAProblem() {
        var mapping = Fixture.mapping
        mapping.criteria["refreshes"] = [:]
        #expect(mapping.problems(rubric: Fixture.rubric, allChecks: Fixture.checks)
            .contains("check refreshes has no weight toward any criterion"))
    }

    @Test func decodingRejectsUnknownCriterionIDs() {
        let json = #"{"challenge":"lru-cache","suites":[],"checks":[],"criteria":{"x":{"scalability.speed":1}}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CheckMapping.self, from: Data(json.utf8)) }
    }

    @Test func mappingRoundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(Fixture.mapping)
        var decoded = try JSONDecoder().decode(CheckMapping.self, from: data)
        for index in decoded.checks.indices { decoded.checks[index].visibility = .hidden }
        #expect(decoded == Fixture.mapping)
    }

    @Test func aRacePassIsValidatedLikeACheck() throws {
        var mapping = Fixture.mapping
        mapping.racePass = RacePassDefinition(id: "race-free", title: "no races")
        #expect(mapping.problems(rubric: Fixture.rubric, allChecks: Fixture.checks)
            .contains("race pass race-free has no weight toward any criterion"))
        mapping.criteria["race-free"] = [.concurrencyLocking: 2]
        mapping.redFlags["race-free"] = .init(flag: .noConcurrencyHandling, on: [.fail])
        #expect(mapping.problems(rubric: Fixture.rubric, allChecks: Fixture.checks).isEmpty)

        let sequentialOnly = Fixture.checks.filter { !$0.concurrent }
        mapping.criteria["storm"] = nil
        mapping.redFlags["storm"] = nil
        #expect(mapping.problems(rubric: Fixture.rubric, allChecks: sequentialOnly)
            .contains("a race pass is defined but no check is concurrent"))

        var clash = Fixture.mapping
        clash.racePass = RacePassDefinition(id: "storm", title: "named like a check")
        #expect(clash.problems(rubric: Fixture.rubric, allChecks: Fixture.checks)
            .contains("check storm is defined twice (or named like the race pass)"))
    }

    @Test func aRacePassRoundTripsAndItsBudgetFactorIsBounded() throws {
        var mapping = Fixture.mapping
        mapping.racePass = RacePassDefinition(id: "race-free", title: "no races", budgetFactor: 2)
        let decoded = try JSONDecoder().decode(CheckMapping.self, from: JSONEncoder().encode(mapping))
        #expect(decoded.racePass == mapping.racePass)
        for factor in ["0.5", "11", "-1"] {
            let json = #"{"id":"race-free","title":"t","budgetFactor":"# + factor + "}"
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(RacePassDefinition.self, from: Data(json.utf8)) }
        }
        let defaulted = try JSONDecoder().decode(RacePassDefinition.self, from: Data(#"{"id":"r","title":"t"}"#.utf8))
        #expect(defaulted.budgetFactor == 1)
    }

    @Test func checkIDsAreKebabCase() {
        #expect(CheckDefinition.isValidID("public.get-put-basics"))
        #expect(CheckDefinition.isValidID("o1-scaling"))
        #expect(!CheckDefinition.isValidID("Eviction Order"))
        #expect(!CheckDefinition.isValidID("../escape"))
        #expect(!CheckDefinition.isValidID(""))
    }
}
