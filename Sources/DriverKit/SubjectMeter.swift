import Synchronization
import Wire

/// Figures about the subject taken from outside it: the driver asks the grader, which reads the
/// kernel's figures for the subject process (`/proc`), on the control channel.
///
/// These are what decide checks about memory and hangs; what the subject says about itself
/// (deinit counts) is only cross-checked against them.
public final class SubjectMeter: Sendable {
    private let reader: Mutex<FrameReader?>
    private let writer: FrameWriter?

    /// `descriptor` is the control channel to the grader; nil gives a meter that has no figures
    /// (the driver run by hand, or a test).
    init(descriptor: Int32?) {
        reader = Mutex(descriptor.map { FrameReader(descriptor: $0, maximumBodyBytes: 1024) })
        writer = descriptor.map { FrameWriter(descriptor: $0) }
    }

    /// One reading; throws ``MeterUnavailable`` when the grader does not answer.
    public func read() throws -> MeterReading {
        guard let writer else { throw MeterUnavailable(reason: "no control channel") }
        return try reader.withLock { reader in
            guard let reader else { throw MeterUnavailable(reason: "no control channel") }
            do {
                try writer.send(Frame(.meterRequest))
                guard let frame = try reader.next(), frame.kind == .meterReading else {
                    throw MeterUnavailable(reason: "the grader did not answer the meter request")
                }
                return try MeterReading(wireBytes: frame.body)
            } catch let error as MeterUnavailable {
                throw error
            } catch {
                throw MeterUnavailable(reason: "\(error)")
            }
        }
    }

    /// Whether the subject burns CPU (more than a tenth of one core over `sampleSeconds`), judged
    /// from outside; nil when it cannot be measured. A blocked process uses next to none, a
    /// spinning one far more than a tenth even on a loaded machine.
    public func isBusy(sampleSeconds: Double = 0.3) async -> Bool? {
        guard let before = try? read(), before.alive else { return nil }
        try? await Task.sleep(for: .milliseconds(Int(sampleSeconds * 1000)))
        guard let after = try? read(), after.alive else { return nil }
        return Double(after.cpuMicros &- before.cpuMicros) > sampleSeconds * 1e6 * 0.1
    }

    /// Whether every thread of the subject waits (none running or ready to run), judged from
    /// outside; nil when it cannot be measured.
    public func isIdle() -> Bool? {
        guard let reading = try? read(), reading.alive else { return nil }
        return reading.runnableThreads == 0
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
