/// How a process ended and what it wrote.
public struct ProcessResult: Sendable {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public enum Limit: String, Sendable, Codable {
        case wallTime = "wall_time"
        case cpuTime = "cpu_time"
        case memory
        case fileSize = "file_size"
        case processes
    }

    public var termination: Termination
    public var standardOutput: [UInt8]
    public var standardOutputTruncated: Bool
    public var standardError: [UInt8]
    public var standardErrorTruncated: Bool
    public var wallSeconds: Double
    /// The limit that ended the process, if one did.
    public var limitHit: Limit?
    /// Figures only a sandbox measures; nil when the runner does not measure them.
    public var cpuSeconds: Double?
    public var peakMemoryBytes: Int64?
    /// The syscall seccomp stopped, when it did and the kernel named it.
    public var violatingSyscall: String?
    /// What the sandbox applied; nil when the process ran without one.
    public var isolation: SandboxIsolation?
    /// The process was ended because its caller asked (``ProcessHandle/stop()``), as the sandbox
    /// reports it.
    public var stopped: Bool

    public init(termination: Termination, standardOutput: [UInt8], standardOutputTruncated: Bool = false,
                standardError: [UInt8], standardErrorTruncated: Bool = false, wallSeconds: Double,
                limitHit: Limit? = nil, cpuSeconds: Double? = nil, peakMemoryBytes: Int64? = nil,
                violatingSyscall: String? = nil, isolation: SandboxIsolation? = nil, stopped: Bool = false) {
        self.termination = termination
        self.standardOutput = standardOutput
        self.standardOutputTruncated = standardOutputTruncated
        self.standardError = standardError
        self.standardErrorTruncated = standardErrorTruncated
        self.wallSeconds = wallSeconds
        self.limitHit = limitHit
        self.cpuSeconds = cpuSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.violatingSyscall = violatingSyscall
        self.isolation = isolation
        self.stopped = stopped
    }

    public var succeeded: Bool { termination == .exited(0) && limitHit == nil }
}

/// The one narrow interface through which the pipeline runs every compile and every check.
///
/// ``DirectProcessRunner`` runs processes as they are; the sandbox launcher is another
/// implementation of this protocol, so the pipeline does not change when it is swapped in.
public protocol ProcessRunner: Sendable {
    /// Runs the process to completion (or to a limit). Throws only when it could not be started.
    func run(_ request: ProcessRequest) async throws -> ProcessResult
    /// Whether the process it starts is the sandbox launcher, whose program is its grandchild
    /// (launcher → keeper → program); see ``ProcessProbe/program(startedAs:sandboxed:)``.
    var startsThroughLauncher: Bool { get }
}

extension ProcessRunner {
    public var startsThroughLauncher: Bool { false }
}

public struct ProcessLaunchError: Error, CustomStringConvertible {
    public var executable: String
    public var reason: String
    public init(executable: String, reason: String) {
        self.executable = executable
        self.reason = reason
    }
    public var description: String { "could not start \(executable): \(reason)" }
}
