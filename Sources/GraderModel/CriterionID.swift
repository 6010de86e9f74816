/// The 20 rubric criteria of SPEC §4: fixed ids, five categories, 5 points each in the seed checklist.
///
/// Each challenge's rubric picks the criteria that apply and sets their points.
public enum CriterionID: String, CaseIterable, Codable, Sendable, Comparable {
    case concurrencyLocking = "concurrency.locking"
    case concurrencyTransactions = "concurrency.transactions"
    case concurrencyRaceConditions = "concurrency.race-conditions"
    case concurrencyIdempotency = "concurrency.idempotency"
    case concurrencyErrorRecovery = "concurrency.error-recovery"
    case designTechnologyChoices = "design.technology-choices"
    case designErrorHandling = "design.error-handling"
    case designDatabase = "design.database"
    case designAPI = "design.api"
    case designMonitoring = "design.monitoring"
    case scalabilityCaching = "scalability.caching"
    case scalabilityDatabase = "scalability.database"
    case scalabilityLoad = "scalability.load"
    case scalabilityPerformance = "scalability.performance"
    case qualityCleanCode = "quality.clean-code"
    case qualityTypeSafety = "quality.type-safety"
    case qualityErrorHandling = "quality.error-handling"
    case qualityTesting = "quality.testing"
    case advancedDistributed = "advanced.distributed"
    case advancedSecurity = "advanced.security"

    public var category: Category {
        switch rawValue.prefix(while: { $0 != "." }) {
        case "concurrency": .concurrency
        case "design": .design
        case "scalability": .scalability
        case "quality": .quality
        default: .advanced
        }
    }

    /// The seed checklist's name for the criterion.
    public var title: String {
        switch self {
        case .concurrencyLocking: "Proper locking mechanisms"
        case .concurrencyTransactions: "Transaction handling"
        case .concurrencyRaceConditions: "Race condition prevention"
        case .concurrencyIdempotency: "Idempotency implementation"
        case .concurrencyErrorRecovery: "Error recovery strategies"
        case .designTechnologyChoices: "Justified technology choices"
        case .designErrorHandling: "Proper error handling"
        case .designDatabase: "Database design rationale"
        case .designAPI: "API design principles"
        case .designMonitoring: "Monitoring considerations"
        case .scalabilityCaching: "Caching strategies"
        case .scalabilityDatabase: "Database optimization"
        case .scalabilityLoad: "Load considerations"
        case .scalabilityPerformance: "Performance"
        case .qualityCleanCode: "Clean, maintainable code"
        case .qualityTypeSafety: "Type safety"
        case .qualityErrorHandling: "Error handling"
        case .qualityTesting: "Testing considerations"
        case .advancedDistributed: "Distributed systems knowledge"
        case .advancedSecurity: "Security considerations"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public enum Category: String, CaseIterable, Codable, Sendable {
        case concurrency = "Concurrency & Data Integrity"
        case design = "System Design & Architecture"
        case scalability = "Scalability & Performance"
        case quality = "Code Quality & Best Practices"
        case advanced = "Advanced Topics"
    }
}
