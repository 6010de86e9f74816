/// The red flags of SPEC §4, and `inconsistent-behaviour` (SPEC §3, "what the subject can
/// choose": behaviour that differs between checks that look alike is evidence, shown to
/// reviewers). Any red flag makes the recommendation `reject`, whatever the score.
public enum RedFlagID: String, CaseIterable, Codable, Sendable {
    case noConcurrencyHandling = "no-concurrency-handling"
    case noIdempotency = "no-idempotency"
    case noErrorHandling = "no-error-handling"
    case noRetry = "no-retry"
    case securityViolation = "security-violation"
    case inconsistentBehaviour = "inconsistent-behaviour"

    public var summary: String {
        switch self {
        case .noConcurrencyHandling: "No concurrency handling: lost updates, double booking or a data race on shared state"
        case .noIdempotency: "No idempotency: a duplicate side effect"
        case .noErrorHandling: "No error handling: crashed on an injected failure"
        case .noRetry: "No retry: gave up at the first transient failure"
        case .securityViolation: "Security violation: a forbidden action or API"
        case .inconsistentBehaviour: "Inconsistent behaviour: failed a scenario as a check's rehearsal that passed as a check of its own"
        }
    }
}
