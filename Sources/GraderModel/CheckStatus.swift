/// How one check ended (SPEC §3).
public enum CheckStatus: String, CaseIterable, Codable, Sendable {
    case pass, fail, timeout, crash
    case sandboxViolation = "sandbox_violation"
    /// The grader failed, not the submission; never counts against the candidate.
    case error
    /// Not run; excluded from scoring.
    case skipped

    public var passed: Bool { self == .pass }
}

/// Whether a check (and its name and messages) is shown to the candidate.
public enum CheckVisibility: String, Codable, Sendable {
    case `public`, hidden
}
