/// Everything a ``ProcessRunner`` needs to start one compile or check process.
public struct ProcessRequest: Sendable {
    /// Absolute path of the program.
    public var executable: String
    public var arguments: [String]
    /// The complete environment (nothing is inherited).
    public var environment: [String: String]
    public var workingDirectory: String
    /// The directory the process may write, holding `workingDirectory`; nil means the working
    /// directory itself. A sandbox makes it the only writable host directory.
    public var writableDirectory: String?
    /// Written to the process's standard input, which is then closed.
    public var standardInput: [UInt8]
    public var profile: SandboxProfile
    public var limits: ProcessLimits
    /// Paths the process must be able to read (toolchain, cached modules); a sandbox grants these
    /// and nothing else beyond the working directory.
    public var readablePaths: [String]
    /// When set, standard input (and standard output, if given) are these descriptors instead:
    /// `standardInput` is not written and standard output is not captured. The runner takes
    /// ownership of the descriptors and closes them once the process has started.
    public var channel: ProcessChannel?
    /// Learns the process's id when it starts, and can stop it early.
    public var handle: ProcessHandle?

    public init(executable: String, arguments: [String], environment: [String: String], workingDirectory: String,
                standardInput: [UInt8] = [], profile: SandboxProfile, limits: ProcessLimits, readablePaths: [String] = [],
                writableDirectory: String? = nil, channel: ProcessChannel? = nil, handle: ProcessHandle? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
        self.profile = profile
        self.limits = limits
        self.readablePaths = readablePaths
        self.writableDirectory = writableDirectory
        self.channel = channel
        self.handle = handle
    }
}

/// Descriptors (sockets, typically) a process gets as its standard input and output: how a
/// check's driver and subject are connected, directly, without the grader in between.
public struct ProcessChannel: Sendable {
    public var input: Int32
    /// Nil: standard output is discarded.
    public var output: Int32?

    public init(input: Int32, output: Int32? = nil) {
        self.input = input
        self.output = output
    }
}

/// Which sandbox policy applies (SPEC §6): `compile` may spawn the compiler's own processes,
/// `run` may create threads but no processes.
public enum SandboxProfile: String, Sendable, Codable {
    case compile, run
}

/// Resource limits for one process.
///
/// Every runner enforces `wallSeconds` (killing the whole process group) and caps captured
/// output at `outputBytes` per stream (keeping its head and tail). The others are enforced by
/// the sandbox launcher.
public struct ProcessLimits: Sendable, Equatable {
    public var wallSeconds: Double
    public var outputBytes: Int
    public var cpuSeconds: Double
    public var memoryBytes: Int64
    public var fileSizeBytes: Int64
    public var openFiles: Int
    public var processes: Int
    /// Enforce `memoryBytes` by polling resident memory even where a memory cgroup is available:
    /// for trusted programs (a check's driver), since joining a cgroup costs ~15 ms per launch.
    public var pollMemory = false

    public init(wallSeconds: Double, outputBytes: Int = 1 << 20, cpuSeconds: Double? = nil,
                memoryBytes: Int64 = 2 << 30, fileSizeBytes: Int64 = 64 << 20, openFiles: Int = 256, processes: Int = 64) {
        self.wallSeconds = wallSeconds
        self.outputBytes = outputBytes
        self.cpuSeconds = cpuSeconds ?? wallSeconds * 4
        self.memoryBytes = memoryBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
        self.processes = processes
    }
}
