/// The hidden half of grading (`Graders/<id>/checks.json`): the hidden checks, each check's weight
/// toward rubric criteria, and which check outcomes raise red flags.
public struct CheckMapping: Codable, Sendable, Equatable {
    public struct RedFlagRule: Codable, Sendable, Equatable {
        public var flag: RedFlagID
        /// The statuses that raise the flag.
        public var on: [CheckStatus]
        /// When set, only an outcome in this phase raises the flag: a concurrency check that fails
        /// its single-threaded rehearsal shows a functional bug, not missing concurrency handling.
        public var phase: String?

        public init(flag: RedFlagID, on: [CheckStatus], phase: String? = nil) {
            self.flag = flag
            self.on = on
            self.phase = phase
        }

        public func raises(_ outcome: CheckOutcome) -> Bool {
            on.contains(outcome.status) && (phase == nil || outcome.phase == phase)
        }
    }

    public var challenge: String
    /// Names of the check suites (types in the check module) that hold the hidden checks.
    public var suites: [String]
    public var checks: [CheckDefinition]
    /// check id → criterion → weight.
    public var criteria: [String: [CriterionID: Double]]
    public var redFlags: [String: RedFlagRule]
    /// The ThreadSanitizer race pass (SPEC §3): the pseudo-check whose outcome it reports. Nil
    /// when the challenge has no race pass.
    public var racePass: RacePassDefinition?

    public init(challenge: String, suites: [String], checks: [CheckDefinition],
                criteria: [String: [CriterionID: Double]], redFlags: [String: RedFlagRule] = [:],
                racePass: RacePassDefinition? = nil) {
        self.challenge = challenge
        self.suites = suites
        self.checks = checks
        self.criteria = criteria
        self.redFlags = redFlags
        self.racePass = racePass
    }

    /// The checks (public and hidden) with a weight toward `criterion`, in a stable order.
    public func weights(for criterion: CriterionID) -> [(check: String, weight: Double)] {
        criteria.compactMap { check, weights in weights[criterion].map { (check, $0) } }
            .filter { $0.weight > 0 }
            .sorted { $0.check < $1.check }
    }

    /// Everything inconsistent between this mapping, the rubric and the full list of checks.
    public func problems(rubric: Rubric, allChecks: [CheckDefinition]) -> [String] {
        var problems: [String] = []
        var ids: Set<String> = []
        if let racePass {
            ids.insert(racePass.id)
            if !CheckDefinition.isValidID(racePass.id) { problems.append("race pass id \"\(racePass.id)\" is not kebab-case") }
            if !allChecks.contains(where: \.concurrent) { problems.append("a race pass is defined but no check is concurrent") }
            if criteria[racePass.id]?.values.contains(where: { $0 > 0 }) != true {
                problems.append("race pass \(racePass.id) has no weight toward any criterion")
            }
        }
        for check in allChecks {
            if !CheckDefinition.isValidID(check.id) { problems.append("check id \"\(check.id)\" is not kebab-case") }
            if !ids.insert(check.id).inserted { problems.append("check \(check.id) is defined twice (or named like the race pass)") }
            if !(check.timeoutSeconds > 0 && check.timeoutSeconds <= 600) {
                problems.append("check \(check.id) has timeout \(check.timeoutSeconds) s; expected 0 < t ≤ 600")
            }
            if criteria[check.id]?.values.contains(where: { $0 > 0 }) != true {
                problems.append("check \(check.id) has no weight toward any criterion")
            }
            for other in check.defersTo where other == check.id || !allChecks.contains(where: { $0.id == other }) {
                problems.append("check \(check.id) defers to \(other), which is not another check")
            }
        }
        for (check, weights) in criteria {
            if !ids.contains(check) { problems.append("weights name unknown check \(check)") }
            for (criterion, weight) in weights {
                guard let rubricCriterion = rubric.criterion(criterion) else {
                    problems.append("check \(check) weighs criterion \(criterion.rawValue), which is not in the rubric")
                    continue
                }
                if rubricCriterion.kind != .auto { problems.append("check \(check) weighs manual criterion \(criterion.rawValue)") }
                if !(weight >= 0) { problems.append("check \(check) has weight \(weight) for \(criterion.rawValue)") }
            }
        }
        for criterion in rubric.criteria where criterion.kind == .auto && weights(for: criterion.id).isEmpty {
            problems.append("auto criterion \(criterion.id.rawValue) has no check with a weight")
        }
        for (check, rule) in redFlags {
            if !ids.contains(check) { problems.append("red flag rule names unknown check \(check)") }
            if rule.on.isEmpty || rule.on.contains(.pass) { problems.append("red flag rule for \(check) must list failing statuses") }
        }
        return problems.sorted()
    }

    private enum CodingKeys: String, CodingKey { case challenge, suites, checks, criteria, redFlags, racePass }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        challenge = try container.decode(String.self, forKey: .challenge)
        suites = try container.decode([String].self, forKey: .suites)
        checks = try container.decode([CheckDefinition].self, forKey: .checks)
        // JSON object keys are strings; map them onto criterion ids, rejecting unknown ones.
        let raw = try container.decode([String: [String: Double]].self, forKey: .criteria)
        var criteria: [String: [CriterionID: Double]] = [:]
        for (check, weights) in raw {
            var mapped: [CriterionID: Double] = [:]
            for (key, weight) in weights {
                guard let id = CriterionID(rawValue: key) else {
                    throw DecodingError.dataCorruptedError(forKey: .criteria, in: container,
                        debugDescription: "check \(check) names unknown criterion \(key)")
                }
                mapped[id] = weight
            }
            criteria[check] = mapped
        }
        self.criteria = criteria
        redFlags = try container.decodeIfPresent([String: RedFlagRule].self, forKey: .redFlags) ?? [:]
        racePass = try container.decodeIfPresent(RacePassDefinition.self, forKey: .racePass)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(challenge, forKey: .challenge)
        try container.encode(suites, forKey: .suites)
        try container.encode(checks, forKey: .checks)
        let raw = criteria.mapValues { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) }
        try container.encode(raw, forKey: .criteria)
        try container.encode(redFlags, forKey: .redFlags)
        try container.encodeIfPresent(racePass, forKey: .racePass)
    }
}

/// The race pass as a challenge's mapping names it: the id and title of the outcome it adds to a
/// grading (weighed toward criteria and red flags like any check's), the checks it re-runs being
/// those marked `concurrent`.
public struct RacePassDefinition: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    /// Each re-run check's budget under ThreadSanitizer, as a multiple of its own limit: the
    /// instrumented build runs several times slower, and the concurrent checks bound their own
    /// work by the budget they are given.
    public var budgetFactor: Double

    public init(id: String, title: String, budgetFactor: Double = 1) {
        self.id = id
        self.title = title
        self.budgetFactor = budgetFactor
    }

    private enum CodingKeys: String, CodingKey { case id, title, budgetFactor }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        budgetFactor = try container.decodeIfPresent(Double.self, forKey: .budgetFactor) ?? 1
        guard budgetFactor >= 1, budgetFactor <= 10 else {
            throw DecodingError.dataCorruptedError(forKey: .budgetFactor, in: container,
                                                   debugDescription: "budgetFactor must be between 1 and 10")
        }
    }
}
