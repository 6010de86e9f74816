#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs every process through the sandbox launcher `grader-sandbox` (SPEC §6, `Sandbox/README.md`).
///
/// The launcher enforces the limits, the seccomp profile and the namespaces and writes a verdict;
/// this runner passes it the request, captures output through ``DirectProcessRunner`` (which also
/// kills the launcher if it ever outlives the wall limit by ``launcherGraceSeconds``), and maps the
/// verdict onto a ``ProcessResult``. A launcher that cannot set the sandbox up is a
/// ``ProcessLaunchError``: the grader's fault, never the candidate's.
public struct SandboxedProcessRunner: ProcessRunner {
    public static let launcherGraceSeconds: Double = 10
    /// Size of the private `/tmp` and of a check's own work directory (both in memory).
    public static let scratchBytes: Int64 = 64 << 20

    public let launcher: String
    private let direct = DirectProcessRunner()

    public init(launcher: String) {
        self.launcher = launcher
    }

    public var startsThroughLauncher: Bool { true }

    /// `GRADER_SANDBOX`, else `grader-sandbox` beside the running executable (SwiftPM builds both
    /// into one directory, where the test bundle runs from too).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = environment["GRADER_SANDBOX"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("grader-sandbox").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The runner with the launcher ``locate(environment:)`` finds, or an error saying where it looked.
    public static func located(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SandboxedProcessRunner {
        guard let launcher = locate(environment: environment) else {
            throw ProcessLaunchError(executable: "grader-sandbox", reason: """
                the sandbox launcher was not found beside this executable or at GRADER_SANDBOX; \
                build it with scripts/bootstrap.sh (or `swift build`)
                """)
        }
        return SandboxedProcessRunner(launcher: launcher)
    }

    public func run(_ request: ProcessRequest) async throws -> ProcessResult {
        let scratch = try Self.makeVerdictDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let verdictPath = scratch + "/verdict.json"
        let limits = request.limits
        var arguments = [
            "--profile", request.profile.rawValue,
            "--workdir", request.writableDirectory ?? request.workingDirectory,
            "--chdir", request.workingDirectory,
            "--verdict", verdictPath,
            "--wall", String(limits.wallSeconds), "--cpu", String(limits.cpuSeconds),
            "--memory", String(limits.memoryBytes), "--file-size", String(limits.fileSizeBytes),
            "--tmp-size", String(Self.scratchBytes),
            "--open-files", String(limits.openFiles), "--processes", String(limits.processes),
        ]
        if limits.pollMemory { arguments.append("--memory-poll") }
        for path in Self.uniqueReadablePaths(request) { arguments += ["--readable", path] }
        arguments += ["--", request.executable] + request.arguments

        // The launcher stops its program on SIGTERM and still writes a verdict.
        let outer = try await direct.run(ProcessRequest(
            executable: launcher, arguments: arguments, environment: request.environment,
            workingDirectory: "/", standardInput: request.standardInput, profile: request.profile,
            limits: ProcessLimits(wallSeconds: limits.wallSeconds + Self.launcherGraceSeconds, outputBytes: limits.outputBytes),
            channel: request.channel, handle: request.handle), stopMode: .signal(SIGTERM))
        guard let data = FileManager.default.contents(atPath: verdictPath),
              let verdict = try? JSONDecoder().decode(SandboxVerdict.self, from: data),
              verdict.schema == "grader.sandbox-verdict/v1", let termination = verdict.termination else {
            let said = String(decoding: outer.standardError.suffix(600), as: UTF8.self)
            throw ProcessLaunchError(executable: request.executable,
                                     reason: "the sandbox launcher gave no verdict (\(outer.termination)): \(said)")
        }
        if let setupError = verdict.setupError {
            throw ProcessLaunchError(executable: request.executable, reason: "the sandbox could not be set up: \(setupError)")
        }
        return ProcessResult(
            termination: termination,
            standardOutput: outer.standardOutput, standardOutputTruncated: outer.standardOutputTruncated,
            standardError: outer.standardError, standardErrorTruncated: outer.standardErrorTruncated,
            wallSeconds: verdict.wallSeconds,
            limitHit: verdict.limitHit.flatMap(ProcessResult.Limit.init(rawValue:)) ?? outer.limitHit,
            cpuSeconds: verdict.cpuSeconds, peakMemoryBytes: verdict.peakMemoryBytes,
            violatingSyscall: verdict.violation?.syscall, isolation: verdict.isolation, stopped: verdict.stopped ?? false)
    }

    /// The granted paths plus the program itself, without duplicates or paths inside others.
    static func uniqueReadablePaths(_ request: ProcessRequest) -> [String] {
        var paths: [String] = []
        for path in request.readablePaths + [request.executable] {
            let normalized = URL(fileURLWithPath: path).standardizedFileURL.path
            let writable = request.writableDirectory ?? request.workingDirectory
            if normalized == writable || normalized.hasPrefix(writable + "/") { continue }
            if !paths.contains(normalized) { paths.append(normalized) }
        }
        return paths.filter { path in !paths.contains { $0 != path && path.hasPrefix($0 + "/") } }
    }

    /// A fresh directory only the grader can read, for one verdict: `grader-verdict.<pid>.XXXXXX`,
    /// named after this process so that a later grader can remove what a killed one left (as the
    /// launcher sweeps its private roots and cgroups).
    static func makeVerdictDirectory() throws -> String {
        sweepStaleVerdictDirectories()
        var template = Array((NSTemporaryDirectory() + "/grader-verdict.\(getpid()).XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ProcessLaunchError(executable: "grader-sandbox", reason: "mkdtemp: errno \(errno)")
        }
        return String(cString: made)
    }

    /// Removes the verdict directories of grader processes that no longer exist (a daemon killed
    /// mid-grading), only real directories owned by this user: anyone may create names in /tmp.
    static func sweepStaleVerdictDirectories(in directory: String = NSTemporaryDirectory()) {
        let prefix = "grader-verdict."
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            let fields = name.dropFirst(prefix.count).split(separator: ".", maxSplits: 1)
            guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0 else { continue }
            // A live grader (or a process that reused its pid) keeps its directories.
            if kill(pid, 0) == 0 || errno != ESRCH { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid() else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
