/// How one check of one grading ended, as stored and reported.
public struct CheckOutcome: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var visibility: CheckVisibility
    public var status: CheckStatus
    public var durationMs: Int
    /// What was expected and what happened.
    public var message: String
    /// Evidence lines for reviewers (the check's notes).
    public var evidence: [String]
    /// The tail of what the process wrote to standard error (crash messages), for reviewers.
    public var output: String
    /// CPU time and peak memory of the check process, where measured.
    public var cpuMs: Int?
    public var peakMemoryBytes: Int64?
    /// The phase the check was in when it ended (a crash included), where the check marks phases.
    public var phase: String?

    /// A check's single-threaded rehearsal is in phase `rehearsal:<twin>`, `twin` being the scored
    /// check whose scenario it replays (the driver's `DriverReport.rehearsalPhasePrefix`).
    public static let rehearsalPhasePrefix = "rehearsal:"

    /// The scored check whose scenario this check was rehearsing when it ended, if it was.
    public var rehearsedTwin: String? {
        guard let phase, phase.hasPrefix(Self.rehearsalPhasePrefix) else { return nil }
        return String(phase.dropFirst(Self.rehearsalPhasePrefix.count))
    }

    public init(id: String, title: String, visibility: CheckVisibility, status: CheckStatus, durationMs: Int,
                message: String, evidence: [String] = [], output: String = "", cpuMs: Int? = nil,
                peakMemoryBytes: Int64? = nil, phase: String? = nil) {
        self.id = id
        self.title = title
        self.visibility = visibility
        self.status = status
        self.durationMs = durationMs
        self.message = message
        self.evidence = evidence
        self.output = output
        self.cpuMs = cpuMs
        self.peakMemoryBytes = peakMemoryBytes
        self.phase = phase
    }
}
