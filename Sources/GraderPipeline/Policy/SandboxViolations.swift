import GraderModel

/// The `security-violation` red flag for checks the sandbox stopped.
enum SandboxViolations {
    static func redFlag(for outcomes: [CheckOutcome]) -> RaisedRedFlag? {
        let stopped = outcomes.filter { $0.status == .sandboxViolation }
        guard !stopped.isEmpty else { return nil }
        let details = stopped.prefix(3).map { "\($0.id): \($0.message)" }.joined(separator: "; ")
        return RaisedRedFlag(id: .securityViolation,
                             message: "the sandbox stopped a forbidden action in \(stopped.count) check(s): \(details)",
                             checks: stopped.map(\.id))
    }
}
