import GraderModel
import Testing

@Suite struct CriterionAndFlagTests {
    @Test func twentyCriteriaInFiveCategoriesAsTheSpecLists() {
        #expect(CriterionID.allCases.count == 20)
        let byCategory = Dictionary(grouping: CriterionID.allCases, by: \.category)
        #expect(byCategory[.concurrency]?.count == 5)
        #expect(byCategory[.design]?.count == 5)
        #expect(byCategory[.scalability]?.count == 4)
        #expect(byCategory[.quality]?.count == 4)
        #expect(byCategory[.advanced]?.count == 2)
        #expect(CriterionID(rawValue: "concurrency.race-conditions") == .concurrencyRaceConditions)
        #expect(CriterionID(rawValue: "advanced.security")?.category == .advanced)
    }

    @Test func theRedFlags() {
        #expect(RedFlagID.allCases.map(\.rawValue) == [
            "no-concurrency-handling", "no-idempotency", "no-error-handling", "no-retry", "security-violation",
            "inconsistent-behaviour",
        ])
    }

    @Test func identifiersAreWellFormedAndDistinct() {
        let ids = (0..<200).map { _ in Identifier.make(prefix: "sub") }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(Identifier.isWellFormed))
        #expect(!Identifier.isWellFormed("sub_../../etc/passwd"))
        #expect(!Identifier.isWellFormed("sub_"))
        #expect(!Identifier.isWellFormed("' OR 1=1 --"))
    }
}
