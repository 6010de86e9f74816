/// The red flags of SPEC §4. Any red flag makes the recommendation `reject`, whatever the score.
public enum RedFlagID: String, CaseIterable, Codable, Sendable {
    case noConcurrencyHandling = "no-concurrency-handling"
    case noIdempotency = "no-idempotency"
    case noErrorHandling = "no-error-handling"
    case noRetry = "no-retry"
    case securityViolation = "security-violation"

    public var summary: String {
        switch self {
        case .noConcurrencyHandling: "No concurrency handling: lost updates, double booking or a data race on shared state"
        case .noIdempotency: "No idempotency: a duplicate side effect"
        case .noErrorHandling: "No error handling: crashed on an injected failure"
        case .noRetry: "No retry: gave up at the first transient failure"
        case .securityViolation: "Security violation: a forbidden action or API"
        }
    }
}
