/// The one record a check process sends to the pipeline, on its private result channel.
///
/// `token` is the per-process secret the pipeline wrote to the check's standard input; the
/// pipeline discards any record whose token does not match, so output printed by the candidate's
/// code cannot pose as a result, and an exit status (which the candidate's code can choose) never
/// decides one.
public struct CheckReport: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pass, fail, timeout
        /// The harness itself could not run the check (unknown id, bad invocation): a grader fault.
        case error
    }

    public var token: String
    public var check: String
    public var status: Status
    public var message: String
    public var evidence: [String]
    /// Time spent in the check body, measured inside the process.
    public var durationMicros: Int64
    /// CPU time of the whole process (all threads) when the record was written.
    public var cpuMicros: Int64
    /// Peak resident memory of the process.
    public var maxResidentBytes: Int64
    /// The phase the check was in when it ended (see ``CheckContext/enterPhase(_:)``).
    public var phase: String?

    public init(token: String, check: String, status: Status, message: String, evidence: [String],
                durationMicros: Int64, cpuMicros: Int64, maxResidentBytes: Int64, phase: String? = nil) {
        self.token = token
        self.check = check
        self.status = status
        self.message = message
        self.evidence = evidence
        self.durationMicros = durationMicros
        self.cpuMicros = cpuMicros
        self.maxResidentBytes = maxResidentBytes
        self.phase = phase
    }

    /// Result lines start with this marker, so they are cheap to find in a stream.
    public static let marker = "GRADER-CHECK-REPORT "
    /// With `--stderr-end-marker`, the last line on standard error: this, the token and the check id.
    public static let standardErrorEndMarker = "GRADER-STDERR-END "
}

/// A phase marker, sent on the result channel when a check enters a phase; authenticated by the
/// same token as the final ``CheckReport``.
public struct CheckPhase: Codable, Sendable, Equatable {
    public var token: String
    public var check: String
    public var phase: String

    public init(token: String, check: String, phase: String) {
        self.token = token
        self.check = check
        self.phase = phase
    }

    public static let marker = "GRADER-CHECK-PHASE "
}
