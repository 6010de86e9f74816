#if canImport(Glibc)
import Glibc
#endif
@testable import DriverKit
import Foundation
import Synchronization
import Testing
import Wire

/// The driver's end of the control channel, against a fake grader on a socket.
@Suite struct SubjectMeterTests {
    /// Ends the fake grader's reading (its peer shut down), waits until its thread is done, then
    /// closes both ends. Tests run in parallel in one process: a thread still looping when its
    /// descriptors are closed reads the next socket given the same number, another test's, and
    /// steals its frames (seen as a CI run that hung, two tests each waiting for a lost frame).
    static func closeAfterGrader(_ pair: [Int32], after graderDone: DispatchSemaphore, waited: Bool = false) {
        shutdown(pair[0], Int32(SHUT_RDWR))
        if !waited && graderDone.wait(timeout: .now() + 30) != .success {
            // Left open rather than handed to another test's socket.
            Issue.record("the fake grader's thread did not end after its peer shut down")
            return
        }
        Glibc.close(pair[0])
        Glibc.close(pair[1])
    }

    /// A reading still in flight on another thread when the check ends (a service's idle probe)
    /// is answered before the report goes out, and nothing is asked after it: an answer left
    /// unread when the driver exits makes the grader's next read fail with a reset connection
    /// instead of ending with the report (a flaky `internal_error` seen in CI).
    @Test func theReportWaitsForAReadingInFlightAndIsTheLastFrame() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let graderDone = DispatchSemaphore(value: 0)
        defer { Self.closeAfterGrader(pair, after: graderDone, waited: true) }
        let meter = SubjectMeter(descriptor: pair[0])
        let grader = pair[1]
        let requestArrived = DispatchSemaphore(value: 0)
        // What the grader saw: the frames in order, and whether the report was already waiting in
        // its receive buffer when it answered the reading.
        let seen = Mutex<(kinds: [Frame.Kind], reportQueuedBeforeAnswer: Bool?)>(([], nil))
        let graderThread = Thread {
            let reader = FrameReader(descriptor: grader)
            let writer = FrameWriter(descriptor: grader)
            while let frame = try? reader.next() {
                let first = seen.withLock { seen in
                    seen.kinds.append(frame.kind)
                    return seen.kinds.count == 1
                }
                guard frame.kind == .meterRequest else { continue }
                if first {
                    requestArrived.signal()
                    usleep(50_000)
                    var queued: Int32 = 0
                    _ = ioctl(grader, UInt(FIONREAD), &queued)
                    seen.withLock { $0.reportQueuedBeforeAnswer = queued > 0 }
                }
                try? writer.send(Frame(.meterReading, id: frame.id,
                                       body: MeterReading(alive: true, residentBytes: 1, cpuMicros: 2).wireBytes))
            }
            graderDone.signal()
        }
        graderThread.start()
        let probeThread = Thread { _ = try? meter.read() }
        probeThread.start()
        #expect(requestArrived.wait(timeout: .now() + 10) == .success)

        try meter.send(DriverReport(status: .pass, message: "passed"))
        // After the report the meter is closed: a late probe asks nothing.
        #expect(throws: MeterUnavailable.self) { try meter.read() }
        shutdown(pair[0], Int32(SHUT_WR))  // the grader reads to the end
        #expect(graderDone.wait(timeout: .now() + 10) == .success)

        let result = seen.withLock { $0 }
        #expect(result.kinds == [.meterRequest, .report])
        #expect(result.reportQueuedBeforeAnswer == false, "the report was sent while a reading was unanswered")
    }

    /// Another subject (a scenario's second server): the grader starts it and passes the driver's
    /// end of its channel along the answer (`SCM_RIGHTS`); what the driver writes there reaches the
    /// new subject, and each meter reading names the subject it is about.
    @Test func anotherSubjectArrivesAsADescriptorAndIsMeasuredByItsNumber() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let graderDone = DispatchSemaphore(value: 0)
        defer { Self.closeAfterGrader(pair, after: graderDone) }
        let meter = SubjectMeter(descriptor: pair[0])
        let grader = pair[1]
        // The "subject" the fake grader starts: the far end of a socket pair it keeps.
        var subjectPair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &subjectPair) == 0)
        defer { close(subjectPair[0]) }
        let passed = subjectPair[1]
        let measured = Mutex<[Int]>([])
        let graderThread = Thread {
            let reader = FrameReader(descriptor: grader)
            let writer = FrameWriter(descriptor: grader)
            while let frame = try? reader.next() {
                switch frame.kind {
                case .subjectRequest:
                    try? writer.send(Frame(.subjectStarted, id: frame.id, body: SubjectStart.started(index: 1).wireBytes),
                                     passing: passed)
                    close(passed)
                case .meterRequest:
                    var body = WireReader(frame.body)
                    let index = (try? body.int()) ?? -1
                    measured.withLock { $0.append(index) }
                    try? writer.send(Frame(.meterReading, id: frame.id,
                                           body: MeterReading(alive: true, residentBytes: UInt64(index + 1), cpuMicros: 0).wireBytes))
                default:
                    break
                }
            }
            graderDone.signal()
        }
        graderThread.start()

        let started = try meter.startSubject()
        #expect(started.index == 1)
        #expect(started.descriptor >= 0 && started.descriptor != pair[0] && started.descriptor != pair[1])
        #expect(fcntl(started.descriptor, F_GETFD) & FD_CLOEXEC != 0, "a received channel is close-on-exec")
        // The descriptor is the driver's end of the new subject's channel.
        try FrameWriter(descriptor: started.descriptor).send(Frame(.request, id: 7, body: [1, 2, 3]))
        #expect(try FrameReader(descriptor: subjectPair[0]).next() == Frame(.request, id: 7, body: [1, 2, 3]))
        close(started.descriptor)

        #expect(try meter.read(subject: 1).residentBytes == 2)
        #expect(try meter.readAll().map(\.residentBytes) == [1, 2])
        #expect(measured.withLock { $0 } == [1, 0, 1])
        try meter.send(DriverReport(status: .pass, message: "passed"))
    }

    /// A grader that cannot start another subject says why; the driver gets an error, not a channel.
    @Test func aRefusedSubjectIsAnError() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let graderDone = DispatchSemaphore(value: 0)
        defer { Self.closeAfterGrader(pair, after: graderDone) }
        let meter = SubjectMeter(descriptor: pair[0])
        let grader = pair[1]
        let graderThread = Thread {
            let reader = FrameReader(descriptor: grader)
            let writer = FrameWriter(descriptor: grader)
            while let frame = try? reader.next(), frame.kind == .subjectRequest {
                try? writer.send(Frame(.subjectStarted, id: frame.id, body: SubjectStart.refused("at most 4").wireBytes))
            }
            graderDone.signal()
        }
        graderThread.start()
        #expect { try meter.startSubject() } throws: { ($0 as? MeterUnavailable)?.description.contains("at most 4") == true }
    }
}
