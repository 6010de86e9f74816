/// What a challenge tells candidates (`Challenges/<id>/challenge.json`): its title, the starter,
/// and the public checks they can run locally.
public struct ChallengeManifest: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var summary: String
    /// The starter file's name inside the challenge folder.
    public var starter: String
    /// The type the adapter instantiates; named in contract-mismatch explanations.
    public var entryType: String
    /// Names of the suites holding the public checks.
    public var publicSuites: [String]
    /// The public checks (visibility forced to `public` when loaded).
    public var checks: [CheckDefinition]

    public init(id: String, title: String, summary: String, starter: String, entryType: String,
                publicSuites: [String], checks: [CheckDefinition]) {
        self.id = id
        self.title = title
        self.summary = summary
        self.starter = starter
        self.entryType = entryType
        self.publicSuites = publicSuites
        self.checks = checks
    }

    /// The five challenge ids of SPEC §2.
    public static let knownIDs = ["reserve-seat", "webhook-idempotency", "resilience", "lru-cache", "rate-limiter"]
}
