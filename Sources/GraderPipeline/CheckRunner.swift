import Foundation
import GraderModel
import GraderProcess
import HarnessKit

/// Runs a submission's checks, one process per check (SPEC §3).
///
/// Each process gets a fresh random token on standard input; only a result line carrying that
/// token counts (see `HarnessMain`). A process that ends without one crashed, exited early or was
/// killed, and its check fails: exit statuses and printed text never decide a check. Exclusive
/// (timing-sensitive) checks run first, alone; the others run `parallelism` at a time.
public struct CheckRunner: Sendable {
    /// Extra wall time beyond a check's own limit before the process is killed; the harness
    /// normally reports `timeout` itself, with a diagnosis, at the limit.
    public static let killGraceSeconds: Double = 5
    /// How much of a check's standard error a report keeps (the end, where crash messages are).
    public static let outputTailBytes = 4096
    /// Memory of one check process (the cgroup's limit, or the polled resident size).
    public static let memoryBytes: Int64 = 1 << 30
    /// Largest file a check process may write; below its 64 MiB work directory, so filling the
    /// disk ends with SIGXFSZ (a named limit) rather than an endless stream of ENOSPC.
    public static let fileSizeBytes: Int64 = 16 << 20

    public let runner: any ProcessRunner
    public let parallelism: Int
    /// What a check binary reads besides itself: the Swift runtime libraries.
    public let runtimePaths: [String]
    /// How each check process is started (the race pass changes these).
    public var settings: Settings

    /// How each check process is started, beyond the check's own definition.
    public struct Settings: Sendable {
        /// Added to the process's environment.
        public var environment: [String: String] = [:]
        /// Added to `run <id> --budget-ms <n>`.
        public var arguments: [String] = []
        public var memoryBytes: Int64 = CheckRunner.memoryBytes
        /// Cap on each captured stream (its head and tail are kept).
        public var outputBytes = 256 * 1024
        /// The check's budget is its own limit times this.
        public var budgetFactor: Double = 1

        public init() {}
    }

    /// One check process: its outcome, and the raw result when the process ran.
    public struct Execution: Sendable {
        public var outcome: CheckOutcome
        public var result: ProcessResult?
        public var token: String
    }

    public init(runner: any ProcessRunner, parallelism: Int, runtimePaths: [String], settings: Settings = Settings()) {
        self.runner = runner
        self.parallelism = max(1, parallelism)
        self.runtimePaths = runtimePaths
        self.settings = settings
    }

    public func run(_ checks: [CheckDefinition], binary: URL, workDirectory: URL,
                    progress: @escaping @Sendable (CheckOutcome) -> Void) async -> [CheckOutcome] {
        await execute(checks, binary: binary, workDirectory: workDirectory, progress: progress).map(\.outcome)
    }

    /// Runs `checks`, exclusive ones first and alone, then the rest `parallelism` at a time;
    /// returns their executions in the order of `checks`.
    public func execute(_ checks: [CheckDefinition], binary: URL, workDirectory: URL,
                        progress: @escaping @Sendable (CheckOutcome) -> Void) async -> [Execution] {
        var executions: [String: Execution] = [:]
        for check in checks where check.exclusive {
            let execution = await execute(check, binary: binary, workDirectory: workDirectory)
            progress(execution.outcome)
            executions[check.id] = execution
        }
        let shared = checks.filter { !$0.exclusive }
        await withTaskGroup(of: Execution.self) { group in
            var next = 0
            func startNext() {
                guard next < shared.count else { return }
                let check = shared[next]
                next += 1
                group.addTask { await self.execute(check, binary: binary, workDirectory: workDirectory) }
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

    func execute(_ check: CheckDefinition, binary: URL, workDirectory: URL) async -> Execution {
        let token = Self.makeToken()
        let directory = workDirectory.appendingPathComponent("run-\(check.id)")
        let budgetSeconds = check.timeoutSeconds * settings.budgetFactor
        var limited = check
        limited.timeoutSeconds = budgetSeconds
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let environment = ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin", "HOME": directory.path,
                               "TMPDIR": directory.path, "LANG": "C.UTF-8"].merging(settings.environment) { $1 }
            let result = try await runner.run(ProcessRequest(
                executable: binary.path,
                arguments: ["run", check.id, "--budget-ms", String(Int(budgetSeconds * 1000))] + settings.arguments,
                environment: environment,
                workingDirectory: directory.path,
                standardInput: Array("\(token)\n".utf8),
                profile: .run,
                limits: ProcessLimits(wallSeconds: budgetSeconds + Self.killGraceSeconds, outputBytes: settings.outputBytes,
                                      memoryBytes: settings.memoryBytes, fileSizeBytes: Self.fileSizeBytes),
                readablePaths: [binary.path] + runtimePaths))
            return Execution(outcome: Self.outcome(of: limited, result: result, token: token), result: result, token: token)
        } catch {
            return Execution(outcome: CheckOutcome(id: check.id, title: check.title, visibility: check.visibility, status: .error,
                                                   durationMs: 0, message: "the grader could not start the check: \(error)"),
                             result: nil, token: token)
        }
    }

    /// Maps a finished process onto the check's outcome.
    static func outcome(of check: CheckDefinition, result: ProcessResult, token: String) -> CheckOutcome {
        let durationMs = Int((result.wallSeconds * 1000).rounded())
        let output = tail(result.standardError)
        var outcome = CheckOutcome(id: check.id, title: check.title, visibility: check.visibility, status: .crash,
                                   durationMs: durationMs, message: "", output: output,
                                   cpuMs: result.cpuSeconds.map { Int($0 * 1000) }, peakMemoryBytes: result.peakMemoryBytes)
        let (reports, phases, forged) = authenticatedLines(in: result.standardOutput, token: token, check: check.id)
        outcome.phase = phases.last
        if reports.count > 1 {
            outcome.status = .fail
            outcome.message = "more than one authenticated result was written: the result channel was tampered with"
            return outcome
        }
        if let report = reports.first {
            switch report.status {
            case .pass: outcome.status = .pass
            case .fail: outcome.status = .fail
            case .timeout: outcome.status = .timeout
            case .error: outcome.status = .error
            }
            outcome.message = report.message
            outcome.evidence = report.evidence
            outcome.phase = report.phase ?? outcome.phase
            outcome.cpuMs = outcome.cpuMs ?? Int(report.cpuMicros / 1000)
            outcome.peakMemoryBytes = outcome.peakMemoryBytes ?? report.maxResidentBytes
            return outcome
        }
        if forged > 0 {
            outcome.evidence.append("\(forged) result line(s) without the secret token were ignored (forged or corrupted)")
        }
        if result.isolation?.seccomp == true, result.termination == .signaled(SIGSYS) {
            // Under the sandbox's filter SIGSYS is its kill; the kernel's audit log names the call
            // unless it was rate-limited (the launcher then cannot tell which it was).
            outcome.status = .sandboxViolation
            outcome.message = "stopped by the sandbox: forbidden system call "
                + (result.violatingSyscall.map { "`\($0)`" } ?? "(not named: the kernel's audit log did not record it)")
        } else if let limit = result.limitHit {
            outcome.status = limit == .wallTime ? .timeout : .crash
            outcome.message = limit == .wallTime
                ? "killed after \(formatSeconds(result.wallSeconds)) (the check's limit is \(formatSeconds(check.timeoutSeconds)))"
                : "killed: the \(limit.rawValue) limit was exceeded"
        } else {
            switch result.termination {
            case .signaled(let signal):
                outcome.message = "crashed (signal \(signal), \(signalName(signal)))" + crashLine(output)
            case .exited(let code):
                outcome.message = "the process exited with status \(code) before the check finished" + crashLine(output)
            }
        }
        return outcome
    }

    /// The result lines and phase markers carrying this process's token and check id, in order,
    /// and how many marked lines lacked them.
    static func authenticatedLines(in output: [UInt8], token: String, check: String)
        -> (reports: [CheckReport], phases: [String], forged: Int) {
        var reports: [CheckReport] = []
        var phases: [String] = []
        var forged = 0
        let decoder = JSONDecoder()
        for line in output.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            if let range = text.range(of: CheckReport.marker) {
                if let report = try? decoder.decode(CheckReport.self, from: Data(text[range.upperBound...].utf8)),
                   report.token == token, report.check == check {
                    reports.append(report)
                } else {
                    forged += 1
                }
            } else if let range = text.range(of: CheckPhase.marker) {
                if let marker = try? decoder.decode(CheckPhase.self, from: Data(text[range.upperBound...].utf8)),
                   marker.token == token, marker.check == check {
                    phases.append(marker.phase)
                } else {
                    forged += 1
                }
            }
        }
        return (reports, phases, forged)
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
