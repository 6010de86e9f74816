/// A challenge's rubric (`Challenges/<id>/rubric.json`): the criteria that apply, their points
/// (summing to 100), and whether each is scored from checks (`auto`) or by a reviewer (`manual`).
public struct Rubric: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case auto, manual }

    public struct Criterion: Codable, Sendable, Equatable {
        public var id: CriterionID
        public var points: Double
        public var kind: Kind
        /// An essential criterion short of full marks caps the recommendation at `borderline`.
        public var essential: Bool
        public var description: String

        public init(id: CriterionID, points: Double, kind: Kind, essential: Bool = false, description: String = "") {
            self.id = id
            self.points = points
            self.kind = kind
            self.essential = essential
            self.description = description
        }
    }

    public var challenge: String
    public var criteria: [Criterion]

    public init(challenge: String, criteria: [Criterion]) {
        self.challenge = challenge
        self.criteria = criteria
    }

    public static let totalPoints: Double = 100

    public var autoPoints: Double { criteria.filter { $0.kind == .auto }.reduce(0) { $0 + $1.points } }
    public var manualPoints: Double { criteria.filter { $0.kind == .manual }.reduce(0) { $0 + $1.points } }
    public func criterion(_ id: CriterionID) -> Criterion? { criteria.first { $0.id == id } }

    /// Everything wrong with this rubric, empty when it is valid.
    public func problems() -> [String] {
        var problems: [String] = []
        var seen: Set<CriterionID> = []
        for criterion in criteria {
            if !seen.insert(criterion.id).inserted { problems.append("criterion \(criterion.id.rawValue) is listed twice") }
            if !(criterion.points > 0) { problems.append("criterion \(criterion.id.rawValue) has \(criterion.points) points; expected more than 0") }
        }
        let total = criteria.reduce(0) { $0 + $1.points }
        if abs(total - Self.totalPoints) > 1e-9 { problems.append("points sum to \(total); expected \(Self.totalPoints)") }
        if !criteria.contains(where: { $0.kind == .auto }) { problems.append("no auto criterion: nothing could be graded") }
        return problems
    }
}
