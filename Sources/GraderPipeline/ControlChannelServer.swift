#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Wire

/// The grader's end of a driver's control channel: answers the driver's meter requests with the
/// subject's figures read from outside it, and receives the driver's report.
///
/// With a standard-error probe, a thread of its own takes one every ``StandardErrorProbe/interval``
/// while the check runs, and every meter request takes one too: the driver reads the meter once
/// more after the subject acknowledged its end marker, so the last probe is the state of the
/// subject's standard error after the marker (see ``StandardErrorProbe/Record``).
///
/// The driver is the grader's own code, but its channel is read as strictly as any other: frames
/// are bounded, and anything but a meter request or one report is a protocol problem (the check
/// ends as a grader fault). It runs on a thread of its own, blocking on the socket.
final class ControlChannelServer: Sendable {
    private let descriptor: Int32
    private let meter: @Sendable () -> MeterReading
    private let probe: (@Sendable () -> StandardErrorProbe?)?
    private let state = Mutex<State>(State())

    private struct State {
        var report: DriverReport?
        var problem: String?
        var probes = StandardErrorProbe.Record()
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// `descriptor` is the grader's end of the control channel; the server owns and closes it.
    init(descriptor: Int32, probe: (@Sendable () -> StandardErrorProbe?)? = nil,
         meter: @escaping @Sendable () -> MeterReading) {
        self.descriptor = descriptor
        self.meter = meter
        self.probe = probe
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

    /// Probes until the channel is done.
    private func watch(_ probe: @Sendable () -> StandardErrorProbe?) {
        let (seconds, attoseconds) = StandardErrorProbe.interval.components
        let pause = useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        while !state.withLock({ $0.finished }) {
            if let taken = probe() { state.withLock { $0.probes.add(taken, confirming: false) } }
            usleep(pause)
        }
    }

    /// Waits for the driver's side to close (at most `seconds`, then the socket is shut down),
    /// and returns its report, or what went wrong.
    func finish(waitingAtMost seconds: Double = 2) async -> (report: DriverReport?, problem: String?, probe: StandardErrorProbe?) {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(seconds))
            shutdown(descriptor, Int32(SHUT_RDWR))
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
        return state.withLock { ($0.report, $0.problem, $0.probes.verdict) }
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
                    let reading = meter()
                    if let probe, let taken = probe() { state.withLock { $0.probes.add(taken, confirming: true) } }
                    try writer.send(Frame(.meterReading, id: frame.id, body: reading.wireBytes))
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
        close(descriptor)
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.report = report
            state.problem = problem
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
