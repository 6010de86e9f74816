#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs processes without a sandbox: its own session and process group, a wall-clock limit that
/// kills the whole group, output captured up to a cap per stream (the rest is drained and dropped).
///
/// It enforces only `wallSeconds` and `outputBytes` of ``ProcessLimits`` and measures no CPU or
/// memory; it is for trusted work (building the cached check modules) and for machines where the
/// sandbox launcher is unavailable.
public struct DirectProcessRunner: ProcessRunner {
    public init() {}

    /// How the process is stopped when its ``ProcessHandle`` asks: a signal to the process alone,
    /// or SIGKILL to its whole process group (the default).
    public enum StopMode: Sendable {
        case killGroup
        case signal(Int32)
    }

    public func run(_ request: ProcessRequest) async throws -> ProcessResult {
        try await run(request, stopMode: .killGroup)
    }

    public func run(_ request: ProcessRequest, stopMode: StopMode) async throws -> ProcessResult {
        let state = RunState()
        let clock = ContinuousClock()
        let started = clock.now
        let options = {
            var options = PlatformOptions()
            options.createSession = true
            options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
            return options
        }()
        let cap = request.limits.outputBytes
        let handle = request.handle
        let onStart: @Sendable (Int32) -> Void = { pid in
            state.processGroup.withLock { $0 = pid }
            handle?.started(processID: pid) {
                switch stopMode {
                case .killGroup: kill(-pid, SIGKILL)
                case .signal(let number): kill(pid, number)
                }
            }
        }
        defer { handle?.ended() }

        let outcome: (Termination, Captured, Captured)
        do {
            outcome = try await withThrowingTaskGroup(of: (Termination, Captured, Captured)?.self) { group in
                group.addTask {
                    try await Self.launch(request, options: options, cap: cap, onStart: onStart)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(request.limits.wallSeconds))
                    state.timedOut.store(true, ordering: .releasing)
                    state.killGroup()
                    return nil
                }
                while let next = try await group.next() {
                    if let finished = next {
                        group.cancelAll()
                        return finished
                    }
                }
                throw CancellationError()
            }
        } catch let error as SubprocessError {
            throw ProcessLaunchError(executable: request.executable, reason: "\(error)")
        }
        // Whatever the process left behind in its group (it was the session leader) goes too.
        state.killGroup()

        let (termination, output, error) = outcome
        return ProcessResult(
            termination: termination,
            standardOutput: output.bytes, standardOutputTruncated: output.truncated,
            standardError: error.bytes, standardErrorTruncated: error.truncated,
            wallSeconds: Self.seconds(clock.now - started),
            limitHit: state.timedOut.load(ordering: .acquiring) ? .wallTime : nil)
    }

    typealias Termination = ProcessResult.Termination

    /// Starts the process with its standard streams as the request says, and waits for it.
    private static func launch(_ request: ProcessRequest, options: PlatformOptions, cap: Int,
                               onStart: @escaping @Sendable (Int32) -> Void) async throws -> (Termination, Captured, Captured) {
        let executable = Executable.path(FilePath(request.executable))
        let arguments = Arguments(request.arguments)
        let environment = Environment.custom(request.environment.map { Array("\($0.key)=\($0.value)\0".utf8) })
        let directory = FilePath(request.workingDirectory)
        guard let channel = request.channel else {
            let execution = try await Subprocess.run(
                executable, arguments: arguments, environment: environment, workingDirectory: directory,
                platformOptions: options, input: .array(request.standardInput), output: .sequence, error: .sequence
            ) { execution in
                onStart(execution.processIdentifier.value)
                async let output = Captured.drain(execution.standardOutput, cap: cap)
                async let error = Captured.drain(execution.standardError, cap: cap)
                return try await (output, error)
            }
            return (termination(execution.terminationStatus), execution.closureResult.0, execution.closureResult.1)
        }
        let input = FileDescriptorInput.fileDescriptor(FileDescriptor(rawValue: channel.input), closeAfterSpawningProcess: true)
        if let output = channel.output {
            let execution = try await Subprocess.run(
                executable, arguments: arguments, environment: environment, workingDirectory: directory,
                platformOptions: options, input: input,
                output: .fileDescriptor(FileDescriptor(rawValue: output), closeAfterSpawningProcess: true), error: .sequence
            ) { execution in
                onStart(execution.processIdentifier.value)
                return try await Captured.drain(execution.standardError, cap: cap)
            }
            return (termination(execution.terminationStatus), Captured(), execution.closureResult)
        }
        let execution = try await Subprocess.run(
            executable, arguments: arguments, environment: environment, workingDirectory: directory,
            platformOptions: options, input: input, output: .discarded, error: .sequence
        ) { execution in
            onStart(execution.processIdentifier.value)
            return try await Captured.drain(execution.standardError, cap: cap)
        }
        return (termination(execution.terminationStatus), Captured(), execution.closureResult)
    }

    private static func termination(_ status: TerminationStatus) -> Termination {
        switch status {
        case .exited(let code): .exited(code)
        case .signaled(let signal): .signaled(signal)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// What the runner's concurrent tasks share about one process.
private final class RunState: Sendable {
    /// The process's id, which is also its process group's (it leads its own session).
    let processGroup = Mutex<pid_t?>(nil)
    let timedOut = Atomic<Bool>(false)

    func killGroup() {
        if let group = processGroup.withLock({ $0 }) { kill(-group, SIGKILL) }
    }
}

/// Bytes read from one stream, up to a cap: the first half and the last half of the cap are kept
/// (what a process says last, a crash message or a result line, is what matters most).
struct Captured: Sendable {
    var head: [UInt8] = []
    var tail: [UInt8] = []
    var total = 0

    var bytes: [UInt8] { head + tail }
    var truncated: Bool { total > head.count + tail.count }

    static func drain(_ sequence: SubprocessOutputSequence, cap: Int) async throws -> Captured {
        var captured = Captured()
        let headCap = cap / 2
        let tailCap = cap - headCap
        for try await buffer in sequence {
            buffer.withUnsafeBytes { raw in captured.append(raw, headCap: headCap, tailCap: tailCap) }
        }
        if captured.tail.count > tailCap { captured.tail.removeFirst(captured.tail.count - tailCap) }
        return captured
    }

    mutating func append(_ raw: UnsafeRawBufferPointer, headCap: Int, tailCap: Int) {
        total += raw.count
        var rest = raw[...]
        if head.count < headCap {
            let taken = rest.prefix(headCap - head.count)
            head.append(contentsOf: taken)
            rest = rest.dropFirst(taken.count)
        }
        guard !rest.isEmpty, tailCap > 0 else { return }
        tail.append(contentsOf: rest.suffix(tailCap))
        // Trim lazily, so a flood costs amortized constant work per byte.
        if tail.count > 2 * tailCap { tail.removeFirst(tail.count - tailCap) }
    }
}
