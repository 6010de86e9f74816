#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Wire

/// The entry point of a driver process: `run <check-id> --budget-ms <n> [--seed <n>]
/// [--end-marker <nonce>]`, or `list`.
///
/// Standard input is the control channel to the grader, standard output the channel to the
/// subject; both are moved aside first, so nothing the driver prints can reach either. The driver
/// waits for the subject's hello, runs the one check within its budget, asks the subject to
/// finish (writing `nonce` on its standard error) when `--end-marker` is given, and sends its
/// ``DriverReport`` on the control channel. It runs in a sandbox of its own, with no access to
/// the subject's process or files; only the channel connects them.
public enum DriverMain {
    public static func run(checks: [Check]) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            print(checks.map(\.id).joined(separator: "\n"))
            exit(0)
        case "run" where arguments.count >= 2:
            await runOne(id: arguments[1], options: Options(arguments), checks: checks)
        default:
            writeToStandardError("usage: driver list | driver run <check-id> [--budget-ms <n>] [--seed <n>] [--end-marker <nonce>]\n")
            exit(64)
        }
    }

    struct Options {
        var budgetSeconds: Double = 10
        var seed: UInt64?
        var endMarker: String?

        init(_ arguments: [String]) {
            func value(_ flag: String) -> String? {
                guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
                return arguments[index + 1]
            }
            if let text = value("--budget-ms"), let milliseconds = Double(text), milliseconds > 0 {
                budgetSeconds = milliseconds / 1000
            }
            seed = value("--seed").flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: $0.hasPrefix("0x") ? 16 : 10) }
            endMarker = value("--end-marker")
        }
    }

    /// How long the subject has to acknowledge the end-of-check marker.
    static let finishSeconds = 2.0
    /// How long past its budget a check may take to judge what it saw (a linearizability search is
    /// bounded by less); a check still running then is the driver's fault, reported as an error.
    static let judgingAllowanceSeconds = 15.0

    static func runOne(id: String, options: Options, checks: [Check]) async -> Never {
        let subjectDescriptor = fcntl(1, F_DUPFD_CLOEXEC, 100)
        let controlDescriptor = fcntl(0, F_DUPFD_CLOEXEC, 100)
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 { dup2(null, 0); close(null) }
        dup2(2, 1)
        let meter = SubjectMeter(descriptor: controlDescriptor >= 0 ? controlDescriptor : nil)
        guard subjectDescriptor >= 0 else {
            finish(meter, DriverReport(status: .error, message: "the driver was started without a subject channel"))
        }
        guard let check = checks.first(where: { $0.id == id }) else {
            finish(meter, DriverReport(status: .error, message: "the driver has no check named \(id)"))
        }

        let subject = SubjectConnection(descriptor: subjectDescriptor)
        subject.start()
        let started = DriverClock.nanos()
        let deadline = started + UInt64(options.budgetSeconds * 1e9)
        DriverRun.set(meter: controlDescriptor >= 0 ? meter : nil, subject: subject, racePass: options.endMarker != nil,
                      deadline: deadline)
        subject.setDeadline(deadline)
        let context = CheckContext(budgetSeconds: options.budgetSeconds, seed: options.seed, subject: subject,
                                   meter: meter, started: started)
        startDetachedThread {
            let limit = UInt64((options.budgetSeconds + judgingAllowanceSeconds) * 1e9)
            while DriverClock.nanos() &- started < limit { usleep(50_000) }
            finish(meter, DriverReport(status: .error, message: "the check did not finish within its budget of "
                + "\(formatSeconds(options.budgetSeconds)) and \(formatSeconds(judgingAllowanceSeconds)) more to judge",
                                       evidence: context.evidence, phase: context.phase))
        }
        var report = await outcome(of: check, context: context)
        let subjects = DriverRun.subjects
        var acknowledged = Array(repeating: false, count: subjects.count)
        if let nonce = options.endMarker {
            let finishDeadline = DriverClock.nanos() + UInt64(finishSeconds * 1e9)
            for subject in subjects where subject.failure == nil {
                subject.setDeadline(finishDeadline)
                acknowledged[subject.index] = (try? await subject.request("finish") { $0.string(nonce) }) != nil
            }
            // The grader looks at where each subject's standard error goes on every meter
            // reading: these, after the marker, confirm it was still the sandbox's pipe at the end.
            _ = try? meter.readAll()
        }
        report.subjects = subjects.map { SubjectRecord(saidHello: $0.saidHello, finishAcknowledged: acknowledged[$0.index]) }
        report.durationMicros = (DriverClock.nanos() &- started) / 1000
        finish(meter, report)
    }

    /// Runs the check and turns how it ended into a report.
    static func outcome(of check: Check, context: CheckContext) async -> DriverReport {
        func report(_ status: DriverReport.Status, _ message: String) -> DriverReport {
            DriverReport(status: status, message: message, evidence: context.evidence, phase: context.phase)
        }
        do {
            try await context.subject.waitForHello()
            try await check.body(context)
            return report(.pass, "passed")
        } catch let failure as CheckFailure {
            return report(.fail, failure.message)
        } catch let timeout as CheckTimeout {
            return report(.timeout, await timeoutMessage(context, during: timeout.what))
        } catch let skipped as NotAssessed {
            return report(.error, "not assessed: \(skipped.reason)")
        } catch let skipped as CheckSkipped {
            return report(.skipped, "skipped: \(skipped.reason)")
        } catch let error as SubjectError {
            switch error {
            case .ended(let what):
                var ended = report(.subjectEnded, what.isEmpty ? "the subject ended before the check finished"
                                                               : "the subject ended during \(what)")
                // Which one: the first whose channel ended (the others may have been stopped after).
                ended.endedSubject = DriverRun.subjects.first { $0.failure.map(\.hasEnded) == true }?.index ?? 0
                return ended
            case .timedOut(let what):
                return report(.timeout, await timeoutMessage(context, during: what))
            case .malformed, .refused, .overran:
                // A refusal comes from the subject's runtime, which runs in the candidate's process
                // and is the candidate's to tamper with (the driver's requests are tested to be
                // ones the runtime performs): it counts like any other broken answer.
                return report(.fail, error.description)
            }
        } catch let error as WireError {
            // Decoding what the subject answered (the driver decodes nothing else with WireReader
            // outside the subject's bytes): a malformed answer, the candidate's, like any other.
            return report(.fail, SubjectError.malformed(error.message).description)
        } catch {
            return report(.error, "the check threw an unexpected error: \(error)")
        }
    }

    /// "did not finish within 5 s (waiting for …); the process was blocked, using no CPU (a deadlock?)".
    static func timeoutMessage(_ context: CheckContext, during what: String) async -> String {
        let state: String
        switch await context.meter.isBusy() {
        case true?: state = "the process was still using CPU (an endless loop, a livelock, or work too slow to finish in time?)"
        case false?: state = "the process was blocked, using no CPU (a deadlock?)"
        case nil: state = "whether it was busy or blocked could not be measured"
        }
        let during = what.isEmpty ? "" : " (waiting for the answer to \(what))"
        return "did not finish within \(formatSeconds(context.budgetSeconds))\(during); \(state)"
    }

    /// Set by the first report sent: the check and the watchdog may both reach `finish`.
    static let finished = Atomic<Bool>(false)

    static func finish(_ meter: SubjectMeter, _ report: DriverReport) -> Never {
        guard finished.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            while true { pause() }  // the other caller is reporting and will end the process
        }
        do { try meter.send(report) } catch {
            writeToStandardError("driver: could not send the report: \(error)\n\(report.status): \(report.message)\n")
        }
        _exit(0)
    }
}

/// What a driver process runs under, for the code that needs it away from the check's context (the
/// simulated services): one check per process, so these are the process's.
public enum DriverRun {
    private struct State {
        var meter: SubjectMeter?
        var subjects: [SubjectConnection] = []
        var racePass = false
        var deadline: UInt64 = .max
    }

    private static let state = Mutex(State())

    static func set(meter: SubjectMeter?, subject: SubjectConnection, racePass: Bool, deadline: UInt64) {
        state.withLock { $0 = State(meter: meter, subjects: [subject], racePass: racePass, deadline: deadline) }
    }

    /// The subject the check started with.
    public static var subject: SubjectConnection? { state.withLock { $0.subjects.first } }

    /// Every subject of the check, in the order they were started.
    public static var subjects: [SubjectConnection] { state.withLock { $0.subjects } }

    /// Starts another subject (see ``CheckContext/startSubject()``).
    static func startSubject() async throws -> SubjectConnection {
        let (meter, deadline) = state.withLock { ($0.meter, $0.deadline) }
        guard let meter else { throw NotAssessed("another subject was needed, but the driver has no control channel to ask for one") }
        let started: (descriptor: Int32, index: Int)
        do {
            started = try meter.startSubject()
        } catch let error as MeterUnavailable {
            throw NotAssessed(error.description)
        }
        let subject = SubjectConnection(descriptor: started.descriptor, index: started.index)
        subject.start()
        subject.setDeadline(deadline)
        state.withLock { $0.subjects.append(subject) }
        try await subject.waitForHello()
        return subject
    }

    /// Ends the check: the candidate's calls overran a simulated service (every subject's channel
    /// is broken with ``SubjectError/overran(_:)``).
    public static func overran(_ what: String) {
        for subject in subjects { subject.overran(what) }
    }

    private static let reached = Atomic<Int>(0)

    /// A service call from the subject reached a simulation (a turn taken, a finish reported).
    /// A service that counts its calls here, and every service of a check should, lets the
    /// timeline tell a subject that waits on itself from one whose call is still on its way.
    public static func serviceCallReached() { reached.add(1, ordering: .sequentiallyConsistent) }

    /// Service calls that reached a simulation so far.
    public static var serviceCallsReached: Int { reached.load(ordering: .sequentiallyConsistent) }

    /// The check runs again in the race pass (ThreadSanitizer in the subject).
    public static var isRacePass: Bool { state.withLock { $0.racePass } }

    /// Asks the grader whether every thread of every subject waits; nil without a control channel.
    public static var idleProbe: (@Sendable () async -> Bool?)? {
        guard let meter = state.withLock({ $0.meter }) else { return nil }
        return { meter.isIdle() }
    }
}
