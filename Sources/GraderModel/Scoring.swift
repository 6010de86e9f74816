/// Turns check outcomes into criterion scores, red flags, a score and a recommendation.
///
/// - A criterion's points are `points × passed weight / assessed weight`, where skipped checks
///   are not assessed; every lost point is explained by the checks that did not pass.
/// - Manual criteria score 0 and count as `manualPending` until a reviewer scores them.
/// - Recommendation: `undetermined` when the grader failed; `reject` when the code did not build
///   or match the contract, when any red flag is raised, or below 60% of the auto points;
///   `advance` at 80% or more with every essential criterion at full marks; `borderline` otherwise.
public enum Scoring {
    public static let advanceRatio = 0.8
    public static let rejectBelowRatio = 0.6

    public struct Result: Sendable, Equatable {
        public var criteria: [CriterionScore]
        public var redFlags: [RaisedRedFlag]
        public var score: Double
        public var maxScore: Double
        public var manualPending: Double
        public var recommendation: Recommendation
        public var recommendationReasons: [String]
    }

    public static func score(status: GradingStatus, rubric: Rubric, mapping: CheckMapping,
                             outcomes: [CheckOutcome], extraRedFlags: [RaisedRedFlag] = []) -> Result {
        let byID = Dictionary(outcomes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let criteria = rubric.criteria.map { criterion in
            scoreCriterion(criterion, mapping: mapping, outcomes: byID, graded: status == .graded)
        }
        let redFlags = status == .graded ? raisedRedFlags(mapping: mapping, outcomes: outcomes) + extraRedFlags : extraRedFlags
        let score = round2(criteria.filter { $0.kind == .auto }.reduce(0) { $0 + $1.points })
        let maxScore = rubric.autoPoints
        let (recommendation, reasons) = recommend(status: status, criteria: criteria, redFlags: redFlags,
                                                  score: score, maxScore: maxScore)
        return Result(criteria: criteria, redFlags: redFlags, score: score, maxScore: maxScore,
                      manualPending: rubric.manualPoints, recommendation: recommendation,
                      recommendationReasons: reasons)
    }

    static func scoreCriterion(_ criterion: Rubric.Criterion, mapping: CheckMapping,
                               outcomes: [String: CheckOutcome], graded: Bool) -> CriterionScore {
        guard criterion.kind == .auto else {
            return CriterionScore(id: criterion.id, kind: .manual, points: 0, maxPoints: criterion.points,
                                  essential: criterion.essential, checks: [],
                                  explanation: "awaiting a reviewer (\(format(criterion.points)) points)")
        }
        let refs = mapping.weights(for: criterion.id).map { entry in
            CriterionScore.CheckRef(id: entry.check, weight: entry.weight,
                                    status: outcomes[entry.check]?.status ?? .skipped)
        }
        guard graded else {
            return CriterionScore(id: criterion.id, kind: .auto, points: 0, maxPoints: criterion.points,
                                  essential: criterion.essential, checks: refs,
                                  explanation: "not assessed: the submission was not graded")
        }
        let assessed = refs.filter { $0.status != .skipped }
        let assessedWeight = assessed.reduce(0) { $0 + $1.weight }
        let passedWeight = assessed.filter { $0.status.passed }.reduce(0) { $0 + $1.weight }
        let points = assessedWeight > 0 ? round2(criterion.points * passedWeight / assessedWeight) : 0
        let lost = assessed.filter { !$0.status.passed }
        var explanation: String
        if assessed.isEmpty {
            explanation = "not assessed: every check for it was skipped"
        } else if lost.isEmpty {
            explanation = "full marks: \(assessed.count) of \(assessed.count) checks passed"
        } else {
            let names = lost.map { "\($0.id) (\($0.status.rawValue), weight \(format($0.weight)))" }
            explanation = "lost \(format(criterion.points - points)) of \(format(criterion.points)): " + names.joined(separator: ", ")
        }
        let skipped = refs.count - assessed.count
        if skipped > 0 && !assessed.isEmpty { explanation += "; \(skipped) skipped check(s) not counted" }
        return CriterionScore(id: criterion.id, kind: .auto, points: points, maxPoints: criterion.points,
                              essential: criterion.essential, checks: refs, explanation: explanation)
    }

    static func raisedRedFlags(mapping: CheckMapping, outcomes: [CheckOutcome]) -> [RaisedRedFlag] {
        var flags: [RaisedRedFlag] = []
        func raise(_ flag: RedFlagID, message: String, check: String) {
            if let index = flags.firstIndex(where: { $0.id == flag }) {
                flags[index].checks.append(check)
            } else {
                flags.append(RaisedRedFlag(id: flag, message: message, checks: [check]))
            }
        }
        let statuses = Dictionary(outcomes.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        for outcome in outcomes {
            if let rule = mapping.redFlags[outcome.id], rule.raises(outcome) {
                raise(rule.flag, message: "\(outcome.title): \(outcome.message)", check: outcome.id)
            }
            if let twin = inconsistentTwin(outcome, statuses: statuses) {
                raise(.inconsistentBehaviour,
                      message: "\(outcome.title): its single-threaded rehearsal, the same scenario as \(twin), "
                        + "\(outcome.status == .fail ? "failed" : "ended as \(outcome.status.rawValue)") here but passed as "
                        + "\(twin): the submission behaves differently in checks that look alike (\(outcome.message))",
                      check: outcome.id)
            }
        }
        return flags
    }

    /// The scored check whose scenario `outcome`'s rehearsal replays, when the rehearsal failed (a
    /// wrong answer) or crashed and that check passed: the same operations on the same objects,
    /// answered in one process and not in the other. A deterministic submission does not do that;
    /// one that recognises the rehearsal, to keep the check from its concurrent or faulted phase
    /// and the red flags that phase can raise, does. A rehearsal that ran out of time is not
    /// counted: it shares its check's budget, which the check it replays has to itself.
    static func inconsistentTwin(_ outcome: CheckOutcome, statuses: [String: CheckStatus]) -> String? {
        guard [.fail, .crash].contains(outcome.status), let twin = outcome.rehearsedTwin,
              twin != outcome.id, statuses[twin] == .pass else { return nil }
        return twin
    }

    static func recommend(status: GradingStatus, criteria: [CriterionScore], redFlags: [RaisedRedFlag],
                          score: Double, maxScore: Double) -> (Recommendation, [String]) {
        switch status {
        case .internalError:
            return (.undetermined, ["the grader failed; this grading says nothing about the candidate"])
        case .compileError:
            return (.reject, ["the submission does not compile"])
        case .contractMismatch:
            return (.reject, ["the submission does not match the challenge's contract"])
        case .rejected:
            return (.reject, ["the submission was rejected at intake"])
        case .graded:
            break
        }
        var reasons: [String] = redFlags.map { "red flag \($0.id.rawValue): \($0.message)" }
        let ratio = maxScore > 0 ? score / maxScore : 0
        let percent = "\(format(score)) of \(format(maxScore)) auto points (\(Int((ratio * 100).rounded(.down)))%)"
        let shortEssentials = criteria.filter { $0.essential && $0.kind == .auto && $0.points < $0.maxPoints }
        if !redFlags.isEmpty { return (.reject, reasons) }
        if ratio < rejectBelowRatio {
            reasons.append("\(percent), below the \(Int(rejectBelowRatio * 100))% bar")
            return (.reject, reasons)
        }
        if ratio >= advanceRatio && shortEssentials.isEmpty {
            reasons.append("\(percent), every essential criterion at full marks")
            return (.advance, reasons)
        }
        if ratio < advanceRatio { reasons.append("\(percent), below the \(Int(advanceRatio * 100))% bar for advance") }
        for criterion in shortEssentials {
            reasons.append("essential criterion \(criterion.id.rawValue) scored \(format(criterion.points)) of \(format(criterion.maxPoints))")
        }
        return (.borderline, reasons)
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// A criterion's score in one grading, with the checks behind it.
public struct CriterionScore: Codable, Sendable, Equatable {
    public struct CheckRef: Codable, Sendable, Equatable {
        public var id: String
        public var weight: Double
        public var status: CheckStatus
        public init(id: String, weight: Double, status: CheckStatus) {
            self.id = id
            self.weight = weight
            self.status = status
        }
    }

    public var id: CriterionID
    public var category: CriterionID.Category { id.category }
    public var kind: Rubric.Kind
    public var points: Double
    public var maxPoints: Double
    public var essential: Bool
    public var checks: [CheckRef]
    /// Why points were lost (or that none were).
    public var explanation: String

    public init(id: CriterionID, kind: Rubric.Kind, points: Double, maxPoints: Double, essential: Bool,
                checks: [CheckRef], explanation: String) {
        self.id = id
        self.kind = kind
        self.points = points
        self.maxPoints = maxPoints
        self.essential = essential
        self.checks = checks
        self.explanation = explanation
    }
}

/// A red flag raised in one grading.
public struct RaisedRedFlag: Codable, Sendable, Equatable {
    public var id: RedFlagID
    public var message: String
    /// The checks (or other sources, such as `policy`) that raised it.
    public var checks: [String]

    public init(id: RedFlagID, message: String, checks: [String]) {
        self.id = id
        self.message = message
        self.checks = checks
    }
}

/// "30", "12.5", "7.33".
public func format(_ points: Double) -> String {
    let rounded = (points * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(rounded)
}
