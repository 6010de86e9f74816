import Foundation
import GraderModel
import GraderProcess
import Wire

/// Runs a submission's checks: for each check, a driver process (the grader's code, holding the
/// checks) and a subject process (the candidate's code) connected by a socket (SPEC §3, "The
/// trust boundary").
///
/// Both run in sandboxes of their own (run profile). The subject's standard input is its end of
/// the channel; the driver's standard output is the other end and its standard input is the
/// control channel to the grader, which answers its meter requests from `/proc` and receives its
/// report. The verdict is the driver's; how the subject ended (a signal, a limit, a forbidden
/// system call) comes from the subject's sandbox verdict, and its CPU time and peak memory too.
/// Nothing the subject writes is read by the grader except through the driver, and its exit status
/// decides nothing. Exclusive (timing-sensitive) checks run first, alone; the others run
/// `parallelism` at a time.
public struct CheckRunner: Sendable {
    /// Extra wall time beyond a check's own limit before the subject is killed; the driver
    /// normally reports `timeout` itself, with a diagnosis, at the limit.
    public static let killGraceSeconds: Double = 5
    /// The driver's wall time beyond the check's budget: judging what the subject answered (a
    /// linearizability search, say) is the driver's time, not the candidate's.
    public static let driverAllowanceSeconds: Double = 20
    /// Once the driver has ended, how long the subject has to leave (it leaves when its channel
    /// closes) before it is stopped.
    public static let subjectExitGraceSeconds = 0.5
    /// How much of a check's standard error a report keeps (the end, where crash messages are).
    public static let outputTailBytes = 4096
    /// Memory of one subject process (the cgroup's limit, or the polled resident size).
    public static let memoryBytes: Int64 = 1 << 30
    /// Memory of one driver process (its linearizability search is bounded well below this).
    public static let driverMemoryBytes: Int64 = 2 << 30
    /// Largest file a subject may write; below its 64 MiB work directory, so filling the disk
    /// ends with SIGXFSZ (a named limit) rather than an endless stream of ENOSPC.
    public static let fileSizeBytes: Int64 = 16 << 20

    public let runner: any ProcessRunner
    public let parallelism: Int
    /// What the binaries read besides themselves: the Swift runtime libraries.
    public let runtimePaths: [String]
    /// How each check's processes are started (the race pass changes these).
    public var settings: Settings

    /// How each check's processes are started, beyond the check's own definition.
    public struct Settings: Sendable {
        /// Added to the subject's environment.
        public var subjectEnvironment: [String: String] = [:]
        public var memoryBytes: Int64 = CheckRunner.memoryBytes
        /// Cap on each captured stream of the subject (its head and tail are kept).
        public var outputBytes = 256 * 1024
        /// The check's budget is its own limit times this.
        public var budgetFactor: Double = 1
        /// Ask each subject, after its check, to write a fresh nonce last on its standard error.
        public var endMarkers = false
        /// The seed every check runs under instead of its own default (a replay, `grader replay`).
        public var seed: UInt64?

        public init() {}
    }

    /// One check's processes: its outcome, and what the race pass reads.
    public struct Execution: Sendable {
        public var outcome: CheckOutcome
        /// Every subject process of the check, in the order they were started (the first is the
        /// one it started with; a scenario of separate servers starts more).
        public var subjects: [ProcessResult]
        public var report: DriverReport?
        /// The nonce each subject was asked to write last on its standard error.
        public var endMarker: String?
        /// Where each subject's standard error went (by its number), seen from outside while the
        /// check ran and after the end marker (sandboxed runs with end markers only; see
        /// ``StandardErrorProbe/Record``).
        var standardErrors: [Int: StandardErrorProbe] = [:]

        /// The subject the check started with.
        public var subject: ProcessResult? { subjects.first }
    }

    public init(runner: any ProcessRunner, parallelism: Int, runtimePaths: [String], settings: Settings = Settings()) {
        self.runner = runner
        self.parallelism = max(1, parallelism)
        self.runtimePaths = runtimePaths
        self.settings = settings
    }

    public func run(_ checks: [CheckDefinition], subject: URL, driver: URL, workDirectory: URL,
                    progress: @escaping @Sendable (CheckOutcome) -> Void) async -> [CheckOutcome] {
        await execute(checks, subject: subject, driver: driver, workDirectory: workDirectory, progress: progress).map(\.outcome)
    }

    /// Runs `checks`, exclusive ones first and alone, then the rest `parallelism` at a time;
    /// returns their executions in the order of `checks`. Cancelled, it starts no further check and
    /// stops the running ones' processes (what it returns then is not a grading: callers check).
    public func execute(_ checks: [CheckDefinition], subject: URL, driver: URL, workDirectory: URL,
                        progress: @escaping @Sendable (CheckOutcome) -> Void) async -> [Execution] {
        var executions: [String: Execution] = [:]
        for check in checks where check.exclusive {
            if Task.isCancelled { break }
            let execution = await execute(check, subject: subject, driver: driver, workDirectory: workDirectory)
            progress(execution.outcome)
            executions[check.id] = execution
        }
        let shared = checks.filter { !$0.exclusive }
        await withTaskGroup(of: Execution.self) { group in
            var next = 0
            func startNext() {
                guard next < shared.count, !Task.isCancelled else { return }
                let check = shared[next]
                next += 1
                group.addTask { await self.execute(check, subject: subject, driver: driver, workDirectory: workDirectory) }
            }
            for _ in 0..<parallelism { startNext() }
            while let execution = await group.next() {
                progress(execution.outcome)
                executions[execution.outcome.id] = execution
                startNext()
            }
        }
        return checks.compactMap { executions[$0.id] }
    }

    func execute(_ check: CheckDefinition, subject: URL, driver: URL, workDirectory: URL) async -> Execution {
        let budgetSeconds = check.timeoutSeconds * settings.budgetFactor
        var limited = check
        limited.timeoutSeconds = budgetSeconds
        let nonce = settings.endMarkers ? Self.makeToken() : nil
        func failed(_ message: String) -> Execution {
            Execution(outcome: CheckOutcome(id: check.id, title: check.title, visibility: check.visibility, status: .error,
                                            durationMs: 0, message: message),
                      subjects: [], report: nil, endMarker: nonce)
        }
        let directory = workDirectory.appendingPathComponent("run-\(check.id)")
        let subjectDirectory = directory.appendingPathComponent("subject")
        let driverDirectory = directory.appendingPathComponent("driver")
        do {
            for folder in [subjectDirectory, driverDirectory] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            return failed("the grader could not prepare the check's folders: \(error)")
        }
        guard let channel = Self.socketPair(), let control = Self.socketPair() else {
            return failed("the grader could not create the check's channels: errno \(errno)")
        }
        let environment = ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        let subjectRequest = ProcessRequest(
            executable: subject.path, arguments: [],
            environment: environment.merging(["HOME": subjectDirectory.path, "TMPDIR": subjectDirectory.path]) { $1 }
                .merging(settings.subjectEnvironment) { $1 },
            workingDirectory: subjectDirectory.path, profile: .run,
            // As long as the driver's: a subject that answered in time is never killed while the
            // driver judges, or before its last requests (a hung one is stopped once the driver ends).
            limits: ProcessLimits(wallSeconds: budgetSeconds + Self.driverAllowanceSeconds + Self.killGraceSeconds,
                                  outputBytes: settings.outputBytes,
                                  memoryBytes: settings.memoryBytes, fileSizeBytes: Self.fileSizeBytes),
            readablePaths: [subject.path] + runtimePaths)
        let subjects = CheckSubjects(runner: runner, template: subjectRequest, directory: directory)
        let driverHandle = ProcessHandle()
        let sandboxed = runner.startsThroughLauncher
        var watchStandardError: (@Sendable (Int) -> StandardErrorProbe?)?
        if settings.endMarkers && sandboxed {
            watchStandardError = { index in
                guard let started = subjects.processID(index) else { return nil }
                return StandardErrorProbe.take(startedAs: started, sandboxed: true)
            }
        }
        let server = ControlChannelServer(
            descriptor: control.1, probe: watchStandardError, subjects: { subjects.count },
            startSubject: { subjects.launchForDriver() }
        ) { index in
            guard let started = subjects.processID(index),
                  let program = ProcessProbe.program(startedAs: started, sandboxed: sandboxed),
                  let reading = ProcessProbe.read(program) else {
                return MeterReading(alive: false, residentBytes: 0, cpuMicros: 0)
            }
            return MeterReading(alive: true, residentBytes: reading.residentBytes, cpuMicros: reading.cpuMicros,
                                // Unknown counts as busy: the timeline then waits, never guesses.
                                runnableThreads: ProcessProbe.runnableThreads(program).map(UInt64.init) ?? .max)
        }
        server.start()

        var driverArguments = ["run", check.id, "--budget-ms", String(Int(budgetSeconds * 1000))]
        if let nonce { driverArguments += ["--end-marker", nonce] }
        if let seed = settings.seed { driverArguments += ["--seed", String(seed)] }
        var driverLimits = ProcessLimits(wallSeconds: budgetSeconds + Self.driverAllowanceSeconds + Self.killGraceSeconds,
                                         memoryBytes: Self.driverMemoryBytes, fileSizeBytes: Self.fileSizeBytes)
        driverLimits.pollMemory = true
        let driverRequest = ProcessRequest(
            executable: driver.path, arguments: driverArguments,
            environment: environment.merging(["HOME": driverDirectory.path, "TMPDIR": driverDirectory.path]) { $1 },
            workingDirectory: driverDirectory.path, profile: .run,
            limits: driverLimits,
            readablePaths: [driver.path] + runtimePaths,
            channel: ProcessChannel(input: control.0, output: channel.1), handle: driverHandle)

        let runner = runner
        do {
            try subjects.launch(channel: channel.0)
        } catch {
            close(channel.0)
        }
        let driverRun = Task { await Self.capture { try await runner.run(driverRequest) } }
        // A subject that could not even start leaves the driver waiting for a hello: stop it.
        let watcher = Task {
            if await subjects.firstFailedToStart() { driverHandle.stop() }
        }
        // The processes run in tasks of their own; a cancelled grading (the daemon shutting down,
        // a lost lease) stops them rather than waiting out the check.
        let (driverResult, subjectResults) = await withTaskCancellationHandler {
            let driverResult = await driverRun.value
            // The driver has ended and closed its end of every channel: the subjects leave on
            // their own, or are stopped (say, their threads are stuck in the candidate's code).
            let stopper = Task {
                try await Task.sleep(for: .seconds(Self.subjectExitGraceSeconds))
                subjects.stopAll()
            }
            let subjectResults = await subjects.results()
            stopper.cancel()
            return (driverResult, subjectResults)
        } onCancel: {
            driverHandle.stop()
            subjects.stopAll()
        }
        watcher.cancel()
        let (report, problem, probes) = await server.finish()

        var processes: [ProcessResult] = []
        for result in subjectResults {
            switch result {
            case .failure(let error): return failed("the grader could not start the subject: \(error)")
            case .success(let process): processes.append(process)
            }
        }
        guard !processes.isEmpty else { return failed("the grader could not start the subject") }
        switch driverResult {
        case .failure(let error):
            return failed("the grader could not start the driver: \(error)")
        case .success(let driverProcess):
            var outcome = Self.outcome(of: limited, subjects: processes, report: report)
            outcome.durationMs = Int((driverProcess.wallSeconds * 1000).rounded())
            if report == nil || problem != nil {
                outcome.status = .error
                outcome.message = "the driver gave no verdict (\(problem ?? "it ended \(driverProcess.termination)"))"
                    + Self.crashLine(String(decoding: driverProcess.standardError, as: UTF8.self))
            }
            return Execution(outcome: outcome, subjects: processes, report: report, endMarker: nonce,
                             standardErrors: probes)
        }
    }

    static func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// A connected pair of stream sockets, close-on-exec (each end is handed to one process).
    static func socketPair() -> (Int32, Int32)? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { return nil }
        return (pair[0], pair[1])
    }

    /// Maps the driver's report and how the subject ended onto the check's outcome.
    static func outcome(of check: CheckDefinition, subject: ProcessResult, report: DriverReport?) -> CheckOutcome {
        outcome(of: check, subjects: [subject], report: report)
    }

    /// Maps the driver's report and how the subjects ended onto the check's outcome: a forbidden
    /// system call in any of them decides; a subject that ended is named from its own verdict.
    /// CPU time adds up over the subjects, peak memory is the largest, and the output is the first
    /// subject's (each later one's tail follows, headed, when it wrote anything).
    static func outcome(of check: CheckDefinition, subjects: [ProcessResult], report: DriverReport?) -> CheckOutcome {
        let first = subjects[0]
        var output = tail(first.standardError)
        for (index, other) in subjects.enumerated().dropFirst() where !other.standardError.isEmpty {
            output += "\n--- subject \(index + 1) ---\n" + tail(other.standardError)
        }
        let cpu = subjects.compactMap(\.cpuSeconds)
        var outcome = CheckOutcome(id: check.id, title: check.title, visibility: check.visibility, status: .error,
                                   durationMs: Int((first.wallSeconds * 1000).rounded()), message: "",
                                   evidence: report?.evidence ?? [], output: output,
                                   cpuMs: cpu.isEmpty ? nil : Int(cpu.reduce(0, +) * 1000),
                                   peakMemoryBytes: subjects.compactMap(\.peakMemoryBytes).max(),
                                   phase: report?.phase)
        if let violating = subjects.first(where: { $0.isolation?.seccomp == true && $0.termination == .signaled(SIGSYS) }) {
            // Under the sandbox's filter SIGSYS is its kill; the kernel's audit log names the call
            // unless it was rate-limited (the launcher then cannot tell which it was). Whatever the
            // driver concluded, the subject tried something forbidden.
            outcome.status = .sandboxViolation
            outcome.message = "stopped by the sandbox: forbidden system call "
                + (violating.violatingSyscall.map { "`\($0)`" } ?? "(not named: the kernel's audit log did not record it)")
            return outcome
        }
        guard let report else { return outcome }
        let ended = report.endedSubject < subjects.count ? report.endedSubject : 0
        let subject = subjects[ended]
        let endedOutput = ended == 0 ? tail(first.standardError) : tail(subject.standardError)
        let which = subjects.count > 1 ? "subject \(ended + 1) of \(subjects.count) " : ""
        switch report.status {
        case .pass: outcome.status = .pass
        case .fail: outcome.status = .fail
        case .timeout: outcome.status = .timeout
        case .error: outcome.status = .error
        case .skipped: outcome.status = .skipped
        case .subjectEnded:
            outcome.status = .crash
            let during = report.message.isEmpty ? "" : " (\(report.message))"
            if let limit = subject.limitHit, !subject.stopped {
                outcome.status = limit == .wallTime ? .timeout : .crash
                outcome.message = which + (limit == .wallTime
                    ? "killed after \(formatSeconds(subject.wallSeconds)) (the check's limit is \(formatSeconds(check.timeoutSeconds)))"
                    : "killed: the \(limit.rawValue) limit was exceeded" + during)
                return outcome
            }
            switch subject.termination {
            case .signaled(let signal):
                outcome.message = which + "crashed (signal \(signal), \(signalName(signal)))" + crashLine(endedOutput) + during
            case .exited(let code):
                outcome.message = which + "the process exited with status \(code) before the check finished" + crashLine(endedOutput) + during
            }
            return outcome
        }
        outcome.message = report.message
        return outcome
    }

    /// 256 random bits as hex.
    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let value = generator.next() as UInt64
            return String(value, radix: 16).leftPadded(to: 16)
        }.joined()
    }

    static func tail(_ bytes: [UInt8]) -> String {
        let slice = bytes.suffix(outputTailBytes)
        let text = String(decoding: slice, as: UTF8.self)
        return bytes.count > outputTailBytes ? "[…]" + text : text
    }

    /// ": Fatal error: …" when the output holds a Swift runtime error line.
    static func crashLine(_ output: String) -> String {
        let lines = output.split(separator: "\n")
        if let fatal = lines.last(where: { $0.contains("Fatal error") || $0.contains("fatal error") || $0.contains("Precondition failed") }) {
            return ": " + String(fatal.prefix(300))
        }
        return ""
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 4: "SIGILL: a Swift runtime trap such as a failed precondition or force-unwrap of nil"
        case 5: "SIGTRAP: a Swift runtime trap"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV: invalid memory access"
        case 31: "SIGSYS: forbidden system call"
        default: "signal \(signal)"
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}

/// "2.5 s" / "300 ms".
func formatSeconds(_ seconds: Double) -> String {
    seconds >= 1 ? "\((seconds * 10).rounded() / 10) s" : "\(Int((seconds * 1000).rounded())) ms"
}
