import Foundation
import GraderModel
@testable import GraderPipeline
import Testing

@Suite struct ChallengeCatalogTests {
    @Test func theRealChallengesAreValid() throws {
        let catalog = ChallengeCatalog(layout: ProjectLayout(root: TestProject.repositoryRoot))
        #expect(catalog.availableIDs().contains("lru-cache"))
        for id in catalog.availableIDs() {
            let challenge = try catalog.load(id)
            #expect(challenge.rubric.problems().isEmpty)
            #expect(!challenge.publicChecks.isEmpty)
            #expect(challenge.publicChecks.allSatisfy { $0.visibility == .public })
            #expect(challenge.mapping?.checks.allSatisfy { $0.visibility == .hidden } ?? true)
        }
    }

    @Test func unknownChallengesAreRefusedWithTheListOfKnownOnes() throws {
        let catalog = ChallengeCatalog(layout: try TestProject.make())
        #expect { try catalog.load("../../etc") } throws: { error in
            "\(error)".contains("unknown challenge") && "\(error)".contains("lru-cache")
        }
        #expect(throws: CatalogError.self) { try catalog.load("rate-limiter") }
    }

    @Test func aMisconfiguredChallengeListsEveryProblem() throws {
        let layout = try TestProject.make { root in
            let rubric = root.appendingPathComponent("Challenges/lru-cache/rubric.json")
            try TestProject.fixtureRubric.replacingOccurrences(of: "\"points\": 80", with: "\"points\": 70")
                .write(to: rubric, atomically: true, encoding: .utf8)
            let mapping = root.appendingPathComponent("Graders/lru-cache/checks.json")
            try TestProject.fixtureMapping.replacingOccurrences(of: "\"fixture.capacity-respected\": {\"scalability.caching\": 2}",
                                                                with: "\"fixture.capacity-respected\": {\"quality.clean-code\": 2}")
                .write(to: mapping, atomically: true, encoding: .utf8)
        }
        #expect { try ChallengeCatalog(layout: layout).load("lru-cache") } throws: { error in
            let text = "\(error)"
            return text.contains("points sum to 90") && text.contains("weighs manual criterion quality.clean-code")
        }
    }

    @Test func withoutGradersOnlyPublicChecksAreAvailable() throws {
        let layout = try TestProject.make { root in
            try FileManager.default.removeItem(at: root.appendingPathComponent("Graders"))
        }
        let challenge = try ChallengeCatalog(layout: layout).load("lru-cache")
        #expect(challenge.mapping == nil)
        #expect(challenge.allChecks.count == challenge.publicChecks.count)
    }

    @Test func theGraderVersionChangesWhenAHiddenCheckChanges() throws {
        let layout = try TestProject.make()
        let catalog = ChallengeCatalog(layout: layout)
        let before = try GraderVersion.current(for: try catalog.load("lru-cache"), layout: layout)
        let checks = layout.root.appendingPathComponent("Graders/lru-cache/Checks/FixtureChecks.swift")
        try (TestProject.fixtureChecks + "\n// changed\n").write(to: checks, atomically: true, encoding: .utf8)
        let after = try GraderVersion.current(for: try catalog.load("lru-cache"), layout: layout)
        #expect(before != after)
        #expect(before.hasPrefix(GraderVersion.release + "+"))
    }
}
