/// The final status of one grading (SPEC §8).
public enum GradingStatus: String, CaseIterable, Codable, Sendable {
    case graded
    case compileError = "compile_error"
    case contractMismatch = "contract_mismatch"
    case rejected
    case internalError = "internal_error"
}

/// What the report recommends to the interviewer.
public enum Recommendation: String, Codable, Sendable {
    case advance, borderline, reject
    /// The grader failed; nothing may be concluded about the candidate.
    case undetermined
}
