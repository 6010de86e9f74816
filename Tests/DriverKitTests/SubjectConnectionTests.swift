#if canImport(Glibc)
import Glibc
#endif
import DriverKit
import Foundation
import Testing
import Wire

/// The driver's end of the channel, against a fake subject on a socket: every byte from the
/// subject is hostile, and anything that is not a well-formed answer to a waiting request ends
/// the connection with a reason.
@Suite struct SubjectConnectionTests {
    /// A connection and the fake subject's end of the socket.
    struct Harness {
        let connection: SubjectConnection
        let subject: Int32
        let reader: FrameReader
        let writer: FrameWriter

        init(deadline: UInt64 = DriverClock.nanos() + 10_000_000_000) {
            var pair: [Int32] = [-1, -1]
            precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            connection = SubjectConnection(descriptor: pair[0])
            connection.setDeadline(deadline)
            connection.start()
            subject = pair[1]
            reader = FrameReader(descriptor: pair[1])
            writer = FrameWriter(descriptor: pair[1])
        }

        func hello(version: UInt64 = ChannelProtocol.version) throws {
            var body = WireWriter()
            body.unsigned(version)
            try writer.send(Frame(.hello, body: body.bytes))
        }

        /// Answers the next request (after `skipping` others) with `answer(request)`, on a thread
        /// of its own: a blocking read must not hold one of the few threads tasks run on.
        func serve(skipping: Int = 0, _ answer: @escaping @Sendable (Frame) -> [Frame]) {
            let reader = ReaderBox(reader), writer = writer
            let thread = Thread {
                for _ in 0..<skipping { _ = try? reader.reader.next() }
                guard let request = try? reader.reader.next() else { return }
                for frame in answer(request) { try? writer.send(frame) }
            }
            thread.start()
        }
    }

    @Test func aWellFormedAnswerIsReturned() async throws {
        let harness = Harness()
        try harness.hello()
        try await harness.connection.waitForHello()
        harness.serve { [Frame(.response, id: $0.id, body: [7])] }
        var answer = try await harness.connection.request("op") { $0.int(1) }
        #expect(try answer.byte() == 7)
    }

    @Test func anAnswerToNoWaitingRequestBreaksTheChannel() async throws {
        let harness = Harness()
        try harness.hello()
        harness.serve { [Frame(.response, id: $0.id + 1, body: [])] }
        await #expect(throws: SubjectError.malformed("an answer to request #2, which was not waiting for one")) {
            _ = try await harness.connection.request("op")
        }
        // And the channel stays broken.
        await #expect(throws: SubjectError.self) { _ = try await harness.connection.request("again") }
    }

    @Test(arguments: [
        ([UInt8](Frame(.hello, body: [1]).encoded + Frame(.hello, body: [1]).encoded), "the subject said hello twice"),
        ([UInt8](Frame(.hello, body: [2]).encoded), "the subject's hello does not announce protocol version 1"),
        ([UInt8](Frame(.hello, body: [1]).encoded + [20, 0, 0, 0, 99] + [UInt8](repeating: 0, count: 16)), "unknown frame kind 99"),
        ([UInt8](Frame(.hello, body: [1]).encoded + Frame(.meterReading).encoded), "an unexpected meterReading frame"),
    ])
    func malformedStreamsBreakTheChannelWithAReason(bytes: [UInt8], reason: String) async throws {
        let harness = Harness()
        try ChannelIO.writeAll(harness.subject, bytes)
        do {
            try await harness.connection.waitForHello()
            _ = try await harness.connection.request("op")
            Issue.record("no error")
        } catch let error as SubjectError {
            guard case .malformed(let why) = error else { Issue.record("\(error)"); return }
            #expect(why.contains(reason), "\(why)")
        }
    }

    @Test func aSubjectThatLeavesEndsTheRequestWaitingForIt() async throws {
        let harness = Harness()
        try harness.hello()
        let subject = harness.subject
        harness.serve { _ in close(subject); return [] }
        await #expect(throws: SubjectError.ended(during: "put(1, 2)")) {
            _ = try await harness.connection.request("perform", describing: "put(1, 2)")
        }
    }

    @Test func theDeadlineEndsWaitingRequestsAndCanBeMovedForALastOne() async throws {
        let harness = Harness(deadline: DriverClock.nanos() + 200_000_000)
        try harness.hello()
        await #expect(throws: SubjectError.timedOut(during: "storm")) {
            _ = try await harness.connection.request("storm")
        }
        await #expect(throws: SubjectError.timedOut(during: "after")) { _ = try await harness.connection.request("after") }
        harness.connection.setDeadline(DriverClock.nanos() + 5_000_000_000)
        // The storm request was sent and never answered; the last one is.
        harness.serve(skipping: 1) { [Frame(.response, id: $0.id, body: [])] }
        _ = try await harness.connection.request("finish")
    }

    @Test func aRefusalIsTheSubjectRuntimesWord() async throws {
        let harness = Harness()
        try harness.hello()
        harness.serve { [Frame(.failure, id: $0.id, body: "no such operation".wireBytes)] }
        await #expect(throws: SubjectError.refused(operation: "op", message: "no such operation")) {
            _ = try await harness.connection.request("op")
        }
    }

    struct Echo: ServiceHandler {
        func handle(_ call: ServiceCall) async throws -> [UInt8] { call.body.reversed() }
    }

    @Test func serviceCallsAreAnsweredByTheServiceTheCheckOffersAndNoOther() async throws {
        let harness = Harness()
        harness.connection.serve("echo", with: Echo())
        try harness.hello()
        var call = WireWriter()
        call.string("echo")
        call.data([1, 2, 3])
        try harness.writer.send(Frame(.serviceCall, id: 41, body: call.bytes))
        let reply = try #require(try harness.reader.next())
        #expect(reply == Frame(.serviceReply, id: 41, body: [3, 2, 1]))

        var stray = WireWriter()
        stray.string("bank")
        stray.data([])
        try harness.writer.send(Frame(.serviceCall, id: 42, body: stray.bytes))
        await #expect(throws: SubjectError.malformed("a call to service \"bank\", which this check does not offer")) {
            try await Task.sleep(for: .milliseconds(100))
            _ = try await harness.connection.request("op")
        }
    }

    struct Large: ServiceHandler {
        func handle(_ call: ServiceCall) async throws -> [UInt8] { Array(repeating: 7, count: 256 << 10) }
    }

    /// A subject that makes service calls and then stops reading its channel fills the socket
    /// with replies; the driver's writes give up at the check's deadline, so the check ends as a
    /// timeout (the candidate's), never with the driver's threads stuck until its watchdog calls
    /// it the grader's fault.
    @Test(.timeLimit(.minutes(1)))
    func aSubjectThatStopsReadingTimesOutAtTheDeadline() async throws {
        let harness = Harness(deadline: DriverClock.nanos() + 500_000_000)
        harness.connection.serve("large", with: Large())
        try harness.hello()
        for id in 1...16 {
            var call = WireWriter()
            call.string("large")
            call.data([])
            try harness.writer.send(Frame(.serviceCall, id: UInt64(id), body: call.bytes))
        }
        let started = DriverClock.nanos()
        try await Task.sleep(for: .milliseconds(100))
        do {
            _ = try await harness.connection.request("op")
            Issue.record("a request was answered by a subject that reads nothing")
        } catch let error as SubjectError {
            guard case .timedOut = error else { Issue.record("expected a timeout, got \(error)"); return }
        }
        #expect(DriverClock.seconds(since: started) < 5, "the driver's writes outlived the deadline")
    }
}

/// The fake subject's reader, handed to the task that answers the next request.
/// `@unchecked Sendable`: each test uses its reader from one place at a time (the test body, then
/// the task it starts, never both at once).
final class ReaderBox: @unchecked Sendable {
    let reader: FrameReader
    init(_ reader: FrameReader) { self.reader = reader }
}
