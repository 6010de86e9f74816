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

    @Test func checkIDsAreKebabCase() {
        #expect(CheckDefinition.isValidID("public.get-put-basics"))
        #expect(CheckDefinition.isValidID("o1-scaling"))
        #expect(!CheckDefinition.isValidID("Eviction Order"))
        #expect(!CheckDefinition.isValidID("../escape"))
        #expect(!CheckDefinition.isValidID(""))
    }
}
