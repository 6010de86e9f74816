import Synchronization
import Wire

/// Figures about the subjects taken from outside them: the driver asks the grader, which reads
/// the kernel's figures for a subject process (`/proc`), on the control channel; and the grader's
/// other service on that channel, starting another subject for the check.
///
/// These are what decide checks about memory and hangs; what the subject says about itself
/// (deinit counts) is only cross-checked against them.
public final class SubjectMeter: Sendable {
    private let reader: Mutex<FrameReader?>
    private let writer: FrameWriter?
    /// Subjects the check runs (the grader's count: the first, and those it started on request).
    private let subjectCount = Atomic<Int>(1)

    /// `descriptor` is the control channel to the grader; nil gives a meter that has no figures
    /// (the driver run by hand, or a test).
    init(descriptor: Int32?) {
        reader = Mutex(descriptor.map { FrameReader(descriptor: $0, maximumBodyBytes: 1024, receivesDescriptors: true) })
        writer = descriptor.map { FrameWriter(descriptor: $0) }
    }

    /// One request on the control channel and its answer, of `kind`.
    private func ask(_ request: Frame, answer kind: Frame.Kind, _ body: (Frame, FrameReader) throws -> Void) throws {
        guard let writer else { throw MeterUnavailable(reason: "no control channel") }
        try reader.withLock { reader in
            guard let reader else { throw MeterUnavailable(reason: "no control channel") }
            do {
                try writer.send(request)
                guard let frame = try reader.next(), frame.kind == kind else {
                    throw MeterUnavailable(reason: "the grader did not answer the \(request.kind) frame")
                }
                try body(frame, reader)
            } catch let error as MeterUnavailable {
                throw error
            } catch {
                throw MeterUnavailable(reason: "\(error)")
            }
        }
    }

    /// One reading of subject `subject` (0: the one the check started with); throws
    /// ``MeterUnavailable`` when the grader does not answer.
    public func read(subject: Int = 0) throws -> MeterReading {
        var reading: MeterReading?
        var request = WireWriter()
        request.int(subject)
        try ask(Frame(.meterRequest, body: request.bytes), answer: .meterReading) { frame, _ in
            reading = try MeterReading(wireBytes: frame.body)
        }
        return reading!
    }

    /// A reading of every subject the check runs, in the order they were started.
    public func readAll() throws -> [MeterReading] {
        try (0..<subjectCount.load(ordering: .acquiring)).map { try read(subject: $0) }
    }

    /// Asks the grader to start another subject; answers the driver's end of its channel (the
    /// caller owns it) and its number. Throws ``MeterUnavailable`` when the grader could not.
    func startSubject() throws -> (descriptor: Int32, index: Int) {
        var started: (Int32, Int)?
        try ask(Frame(.subjectRequest), answer: .subjectStarted) { frame, reader in
            switch try SubjectStart(wireBytes: frame.body) {
            case .refused(let message):
                throw MeterUnavailable(reason: "the grader could not start another subject: \(message)")
            case .started(let index):
                guard let descriptor = reader.takeDescriptor() else {
                    throw MeterUnavailable(reason: "the grader started a subject but sent no channel to it")
                }
                started = (descriptor, index)
            }
        }
        subjectCount.store(started!.1 + 1, ordering: .releasing)
        return started!
    }

    /// Whether the subjects burn CPU (together more than a tenth of one core over
    /// `sampleSeconds`), judged from outside; nil when it cannot be measured. A blocked process
    /// uses next to none, a spinning one far more than a tenth even on a loaded machine.
    public func isBusy(sampleSeconds: Double = 0.3) async -> Bool? {
        func cpu() -> UInt64? {
            guard let readings = try? readAll(), readings.contains(where: \.alive) else { return nil }
            return readings.reduce(0) { $0 &+ $1.cpuMicros }
        }
        guard let before = cpu() else { return nil }
        try? await Task.sleep(for: .milliseconds(Int(sampleSeconds * 1000)))
        guard let after = cpu() else { return nil }
        return Double(after &- before) > sampleSeconds * 1e6 * 0.1
    }

    /// Whether every thread of every subject waits (none running or ready to run), judged from
    /// outside; nil when it cannot be measured (a subject that has ended counts as waiting).
    public func isIdle() -> Bool? {
        guard let readings = try? readAll(), readings.contains(where: \.alive) else { return nil }
        return readings.allSatisfy { !$0.alive || $0.runnableThreads == 0 }
    }

    /// Sends the check's report to the grader (the last thing the driver does).
    ///
    /// It waits for a reading in flight on another thread (a service's idle probe may still be
    /// asking when the check ends) and closes the meter behind it: the report is the last frame
    /// on the channel and no answer is left unread when the driver exits, which the grader would
    /// see as a reset connection instead of the report.
    func send(_ report: DriverReport) throws {
        guard let writer else { throw MeterUnavailable(reason: "no control channel") }
        try reader.withLock { reader in
            reader = nil
            try writer.send(Frame(.report, body: report.wireBytes))
        }
    }
}

public struct MeterUnavailable: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "the subject's figures could not be read: \(reason)" }
}
