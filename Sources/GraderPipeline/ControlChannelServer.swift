#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Wire

/// The grader's end of a driver's control channel: answers the driver's meter requests with a
/// subject's figures read from outside it, starts the further subjects the driver asks for, and
/// receives the driver's report.
///
/// With a standard-error probe, a thread of its own takes one of every subject every
/// ``StandardErrorProbe/interval`` while the check runs, and every meter request takes one of the
/// subject it measures: the driver reads every subject once more after they acknowledged their end
/// marker, so the last probe is the state of each one's standard error after the marker (see
/// ``StandardErrorProbe/Record``).
///
/// The driver is the grader's own code, but its channel is read as strictly as any other: frames
/// are bounded, and anything but a meter request, a subject request or one report is a protocol
/// problem (the check ends as a grader fault). It runs on a thread of its own, blocking on the socket.
final class ControlChannelServer: Sendable {
    private let descriptor: Int32
    private let meter: @Sendable (Int) -> MeterReading
    private let probe: (@Sendable (Int) -> StandardErrorProbe?)?
    private let subjects: @Sendable () -> Int
    private let startSubject: @Sendable () -> Result<(descriptor: Int32, index: Int), SubjectLaunchFailure>
    private let state = Mutex<State>(State())

    private struct State {
        var report: DriverReport?
        var problem: String?
        var probes: [Int: StandardErrorProbe.Record] = [:]
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// `descriptor` is the grader's end of the control channel; the server owns and closes it.
    /// `subjects` tells how many subjects run (the probe watches each), `startSubject` starts one
    /// more for the driver, `probe` and `meter` look at subject `index` from outside.
    init(descriptor: Int32, probe: (@Sendable (Int) -> StandardErrorProbe?)? = nil,
         subjects: @escaping @Sendable () -> Int = { 1 },
         startSubject: @escaping @Sendable () -> Result<(descriptor: Int32, index: Int), SubjectLaunchFailure> = { .failure(SubjectLaunchFailure("not offered")) },
         meter: @escaping @Sendable (Int) -> MeterReading) {
        self.descriptor = descriptor
        self.meter = meter
        self.probe = probe
        self.subjects = subjects
        self.startSubject = startSubject
    }

    func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "control-channel"
        thread.start()
        if let probe {
            let watcher = Thread { [self] in watch(probe) }
            watcher.name = "standard-error-probe"
            watcher.start()
        }
    }

    /// Probes every subject until the channel is done.
    private func watch(_ probe: @Sendable (Int) -> StandardErrorProbe?) {
        let (seconds, attoseconds) = StandardErrorProbe.interval.components
        let pause = useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        while !state.withLock({ $0.finished }) {
            for index in 0..<subjects() {
                if let taken = probe(index) { record(taken, subject: index, confirming: false) }
            }
            usleep(pause)
        }
    }

    private func record(_ probe: StandardErrorProbe, subject: Int, confirming: Bool) {
        state.withLock { $0.probes[subject, default: StandardErrorProbe.Record()].add(probe, confirming: confirming) }
    }

    /// Waits for the driver's side to close (at most `seconds`, then the socket is shut down),
    /// and returns its report, or what went wrong, and what the probes came to for each subject
    /// (by its number).
    func finish(waitingAtMost seconds: Double = 2) async -> (report: DriverReport?, problem: String?, probes: [Int: StandardErrorProbe]) {
        let watchdog = Task { [self] in
            try await Task.sleep(for: .seconds(seconds))
            // Under the lock `serve` closes the descriptor under: once closed, its number may be
            // another grading's socket already.
            state.withLock { state in
                if !state.finished { shutdown(descriptor, Int32(SHUT_RDWR)) }
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.finished { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        watchdog.cancel()
        return state.withLock { ($0.report, $0.problem, $0.probes.compactMapValues(\.verdict)) }
    }

    private func serve() {
        let reader = FrameReader(descriptor: descriptor, maximumBodyBytes: 1 << 20)
        let writer = FrameWriter(descriptor: descriptor)
        var problem: String?
        var report: DriverReport?
        loop: while true {
            do {
                guard let frame = try reader.next() else { break loop }
                switch frame.kind {
                case .meterRequest where report == nil:
                    var body = WireReader(frame.body)
                    let index = try body.int(in: 0...(SubjectStart.maximumSubjects - 1))
                    try body.finish()
                    let reading = index < subjects() ? meter(index) : MeterReading(alive: false, residentBytes: 0, cpuMicros: 0)
                    if let probe, index < subjects(), let taken = probe(index) { record(taken, subject: index, confirming: true) }
                    try writer.send(Frame(.meterReading, id: frame.id, body: reading.wireBytes))
                case .subjectRequest where report == nil:
                    switch startSubject() {
                    case .success(let started):
                        defer { close(started.descriptor) }
                        try writer.send(Frame(.subjectStarted, id: frame.id, body: SubjectStart.started(index: started.index).wireBytes),
                                        passing: started.descriptor)
                    case .failure(let failure):
                        try writer.send(Frame(.subjectStarted, id: frame.id, body: SubjectStart.refused(failure.description).wireBytes))
                    }
                case .report where report == nil:
                    report = try DriverReport(wireBytes: frame.body)
                default:
                    problem = "the driver sent an unexpected \(frame.kind) frame"
                    break loop
                }
            } catch {
                problem = "the driver's control channel broke: \(error)"
                break loop
            }
        }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            close(descriptor)
            state.report = report
            state.problem = problem
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
