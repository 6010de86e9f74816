import GraderModel

/// A small rubric and mapping: two auto criteria, one manual.
enum Fixture {
    static let rubric = Rubric(challenge: "lru-cache", criteria: [
        .init(id: .scalabilityCaching, points: 50, kind: .auto, essential: true),
        .init(id: .concurrencyLocking, points: 30, kind: .auto),
        .init(id: .qualityCleanCode, points: 20, kind: .manual),
    ])

    static let checks = [
        CheckDefinition(id: "evicts", title: "evicts", timeoutSeconds: 5, visibility: .hidden),
        CheckDefinition(id: "refreshes", title: "refreshes", timeoutSeconds: 5, visibility: .hidden),
        CheckDefinition(id: "storm", title: "storm", timeoutSeconds: 5, concurrent: true, visibility: .hidden),
    ]

    static let mapping = CheckMapping(
        challenge: "lru-cache", suites: ["S"], checks: checks,
        criteria: ["evicts": [.scalabilityCaching: 3], "refreshes": [.scalabilityCaching: 1], "storm": [.concurrencyLocking: 1]],
        redFlags: ["storm": .init(flag: .noConcurrencyHandling, on: [.fail, .crash])])

    static func outcomes(_ statuses: [String: CheckStatus]) -> [CheckOutcome] {
        checks.map { check in
            CheckOutcome(id: check.id, title: check.title, visibility: .hidden, status: statuses[check.id] ?? .pass,
                         durationMs: 1, message: statuses[check.id] == nil ? "passed" : "went wrong")
        }
    }
}
