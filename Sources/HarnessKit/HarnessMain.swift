#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import Synchronization

/// The entry point of a compiled check binary: `list`, or `run <check-id> --budget-ms <n>`.
///
/// `run` reads a secret token from standard input before any candidate code can run, moves the
/// real standard output aside as the result channel (the candidate's own prints go to standard
/// error from then on), runs the one check, writes one ``CheckReport`` line carrying the token and
/// leaves with `_exit(0)`, so nothing the candidate's code does at exit can change the outcome.
/// A watchdog thread reports `timeout` if the check outlives its budget, saying whether the
/// process was spinning or blocked. With `--stderr-end-marker` (the race pass) the token is also
/// written to standard error last, so the grader can tell that standard error, where
/// ThreadSanitizer reports, stayed connected to the end.
public enum HarnessMain {
    public static func run(checks: [Check]) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            let ids = checks.map(\.id)
            let data = (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8)
            print(String(decoding: data, as: UTF8.self))
            exit(0)
        case "run" where arguments.count >= 2:
            let budget = budgetSeconds(arguments)
            await runOne(id: arguments[1], budgetSeconds: budget, checks: checks,
                         stderrEndMarker: arguments.contains("--stderr-end-marker"))
        default:
            writeToStandardError("usage: checks list | checks run <check-id> [--budget-ms <n>] [--stderr-end-marker] (token on stdin)\n")
            exit(64)
        }
    }

    private static func budgetSeconds(_ arguments: [String]) -> Double {
        if let flag = arguments.firstIndex(of: "--budget-ms"), flag + 1 < arguments.count,
           let milliseconds = Double(arguments[flag + 1]), milliseconds > 0 {
            return milliseconds / 1000
        }
        return 10
    }

    private static func runOne(id: String, budgetSeconds: Double, checks: [Check], stderrEndMarker: Bool) async -> Never {
        guard let token = readToken() else {
            writeToStandardError("harness: no result token on standard input\n")
            exit(65)
        }
        let channel = ResultChannel(token: token, check: id, stderrEndMarker: stderrEndMarker)

        guard let check = checks.first(where: { $0.id == id }) else {
            channel.send(.error, message: "the check binary has no check named \(id)", context: nil, started: 0)
        }
        let context = CheckContext(budgetSeconds: budgetSeconds) { phase in channel.announce(phase: phase) }
        let started = ProcessStats.monotonicNanos()
        Watchdog.start(after: budgetSeconds) {
            let busy = ThreadStorm.isBusy()
            let state = busy
                ? "the process was still using CPU (an endless loop or livelock?)"
                : "the process was blocked, using no CPU (a deadlock?)"
            channel.send(.timeout, message: "did not finish within \(formatSeconds(budgetSeconds)); \(state)",
                         context: context, started: started)
        }
        do {
            try await check.body(context)
            channel.send(.pass, message: "passed", context: context, started: started)
        } catch let failure as CheckFailure {
            channel.send(.fail, message: failure.message, context: context, started: started)
        } catch {
            channel.send(.fail, message: "threw an unexpected error: \(error)", context: context, started: started)
        }
    }

    /// Reads one line (the token) from standard input, then points standard input at /dev/null.
    private static func readToken() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 256, read(0, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            bytes.append(byte)
        }
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); close(null) }
        let token = String(decoding: bytes, as: UTF8.self)
        guard token.count >= 32, token.allSatisfy({ $0.isHexDigit }) else { return nil }
        return token
    }
}

/// The result channel: the process's original standard output, moved aside before candidate code runs.
private final class ResultChannel: Sendable {
    private let descriptor: Int32
    private let token: String
    private let check: String
    /// Serialises writes: a phase marker never interleaves with the final report.
    private let writing = Mutex<Void>(())
    private let sent = Atomic<Bool>(false)
    private let stderrEndMarker: Bool

    init(token: String, check: String, stderrEndMarker: Bool) {
        self.token = token
        self.check = check
        self.stderrEndMarker = stderrEndMarker
        descriptor = fcntl(1, F_DUPFD_CLOEXEC, 3)
        dup2(2, 1)
    }

    /// Sends a phase marker (ignored once the report is being written).
    func announce(phase: String) {
        guard !sent.load(ordering: .acquiring) else { return }
        let marker = CheckPhase(token: token, check: check, phase: phase)
        writeLine(CheckPhase.marker, (try? JSONEncoder().encode(marker)).map(Array.init) ?? [])
    }

    /// Writes the report once (the first caller wins) and ends the process.
    func send(_ status: CheckReport.Status, message: String, context: CheckContext?, started: UInt64) -> Never {
        guard sent.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            // Another thread is reporting; it will end the process.
            while true { pause() }
        }
        let elapsed = started == 0 ? 0 : ProcessStats.monotonicNanos() - started
        let report = CheckReport(
            token: token, check: check, status: status, message: message,
            evidence: context?.evidence ?? [],
            durationMicros: Int64(elapsed / 1000),
            cpuMicros: ProcessStats.cpuMicros(),
            maxResidentBytes: ProcessStats.maxResidentBytes(),
            phase: context?.phase)
        writeLine(CheckReport.marker, (try? JSONEncoder().encode(report)).map(Array.init) ?? [])
        if stderrEndMarker { writeToStandardError("\n\(CheckReport.standardErrorEndMarker)\(token) \(check)\n") }
        _exit(0)
    }

    private func writeLine(_ marker: String, _ json: [UInt8]) {
        let line = Array(marker.utf8) + json + [UInt8(ascii: "\n")]
        writing.withLock { _ in
            var offset = 0
            while offset < line.count {
                let written = line[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

/// A one-shot timer on its own OS thread, independent of the (possibly blocked) check.
private enum Watchdog {
    static func start(after seconds: Double, fire: @escaping @Sendable () -> Void) {
        final class Payload: Sendable {
            let seconds: Double
            let fire: @Sendable () -> Void
            init(seconds: Double, fire: @escaping @Sendable () -> Void) { self.seconds = seconds; self.fire = fire }
        }
        let payload = Unmanaged.passRetained(Payload(seconds: seconds, fire: fire))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let payload = Unmanaged<Payload>.fromOpaque(raw!).takeRetainedValue()
            let deadline = ProcessStats.monotonicNanos() + UInt64(payload.seconds * 1e9)
            while ProcessStats.monotonicNanos() < deadline { usleep(10_000) }
            payload.fire()
            return nil
        }, payload.toOpaque())
        precondition(created == 0, "pthread_create failed: \(created)")
        pthread_detach(thread)
    }
}

/// "2.5 s" / "300 ms".
public func formatSeconds(_ seconds: Double) -> String {
    seconds >= 1 ? "\((seconds * 10).rounded() / 10) s" : "\(Int((seconds * 1000).rounded())) ms"
}

/// Writes straight to file descriptor 2 (no shared `FILE *` state).
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
