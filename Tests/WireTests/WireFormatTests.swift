#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Wire

@Suite struct WireFormatTests {
    @Test func valuesRoundTrip() throws {
        var writer = WireWriter()
        writer.int(-1)
        writer.int(Int.min)
        writer.int(Int.max)
        writer.unsigned(UInt64.max)
        writer.bool(true)
        writer.string("héllo ✓")
        writer.optionalInt(nil)
        writer.optionalInt(42)
        writer.double(-2.5)
        writer.data([0, 255, 7])
        writer.strings(["a", "", "b"])
        var reader = WireReader(writer.bytes)
        #expect(try reader.int() == -1)
        #expect(try reader.int() == Int.min)
        #expect(try reader.int() == Int.max)
        #expect(try reader.unsigned() == UInt64.max)
        #expect(try reader.bool())
        #expect(try reader.string(maximumBytes: 100) == "héllo ✓")
        #expect(try reader.optionalInt() == nil)
        #expect(try reader.optionalInt() == 42)
        #expect(try reader.double() == -2.5)
        #expect(try reader.data(maximumBytes: 10) == [0, 255, 7])
        #expect(try reader.strings(maximum: 5, maximumBytes: 5) == ["a", "", "b"])
        try reader.finish()
    }

    /// Hostile bytes: every malformed input is a WireError, never a trap or a huge allocation.
    @Test(arguments: [
        ([UInt8](), "empty"),
        ([0x80, 0x80], "unterminated varint"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "varint above 64 bits"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varint of 11 bytes"),
    ])
    func malformedIntegersAreRefused(bytes: [UInt8], what: String) {
        var reader = WireReader(bytes)
        #expect(throws: WireError.self, Comment(rawValue: what)) { _ = try reader.unsigned() }
    }

    @Test func lengthsAreBoundedByTheLimitAndByWhatIsLeft() {
        var huge = WireWriter()
        huge.unsigned(1 << 40)
        var reader = WireReader(huge.bytes)
        #expect(throws: WireError.self) { _ = try reader.data(maximumBytes: 1 << 20) }
        var claims = WireWriter()
        claims.unsigned(100)
        claims.byte(1)
        reader = WireReader(claims.bytes)
        #expect(throws: WireError.self) { _ = try reader.data(maximumBytes: 1 << 20) }
        reader = WireReader(claims.bytes)
        #expect(throws: WireError.self) { _ = try reader.array(maximum: 1_000) { try $0.byte() } }
        var long = WireWriter()
        long.string(String(repeating: "x", count: 100))
        reader = WireReader(long.bytes)
        #expect(throws: WireError.self) { _ = try reader.string(maximumBytes: 99) }
    }

    @Test func invalidUTF8AndBadBooleansAreRefused() {
        var reader = WireReader([2, 0xFF, 0xFE])
        #expect(throws: WireError.self) { _ = try reader.string(maximumBytes: 10) }
        reader = WireReader([2])
        #expect(throws: WireError.self) { _ = try reader.bool() }
    }

    @Test func trailingBytesAreMalformed() {
        #expect(throws: WireError.self) { _ = try String(wireBytes: "ok".wireBytes + [0]) }
        #expect(throws: Never.self) { _ = try String(wireBytes: "ok".wireBytes) }
    }

    @Test func framesRoundTripThroughASocketAndMalformedStreamsAreErrors() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        let writer = FrameWriter(descriptor: pair[0])
        let frames = [Frame(.hello, body: [1]), Frame(.request, id: 7, body: Array(repeating: 9, count: 200_000)),
                      Frame(.response, id: UInt64.max, body: [])]
        // Written from a thread of its own (the second frame is larger than the socket's buffer,
        // and a blocked write must not hold one of the few threads tasks run on).
        let writing = Thread { for frame in frames { try? writer.send(frame) } }
        writing.start()
        let reader = FrameReader(descriptor: pair[1])
        for frame in frames { #expect(try reader.next() == frame) }

        // An unknown kind, then a frame cut short.
        var unknown = Frame(.hello).encoded
        unknown[4] = 99
        try ChannelIO.writeAll(pair[0], unknown)
        #expect(throws: WireError.self) { _ = try reader.next() }
    }

    @Test func anOversizedFrameIsRefusedBeforeItIsRead() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        try ChannelIO.writeAll(pair[0], [0xFF, 0xFF, 0xFF, 0x7F, 1])
        #expect(throws: WireError.self) { _ = try FrameReader(descriptor: pair[1], maximumBodyBytes: 1 << 20).next() }
    }

    @Test func aStreamEndingInsideAFrameIsMalformedAndBetweenFramesIsTheEnd() throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[1]) }
        let reader = FrameReader(descriptor: pair[1])
        try ChannelIO.writeAll(pair[0], Frame(.hello, body: [1]).encoded + Array(Frame(.hello, body: [1, 2, 3]).encoded.prefix(6)))
        close(pair[0])
        #expect(try reader.next() == Frame(.hello, body: [1]))
        #expect(throws: WireError.self) { _ = try reader.next() }

        var clean: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &clean) == 0)
        try ChannelIO.writeAll(clean[0], Frame(.hello).encoded)
        close(clean[0])
        let second = FrameReader(descriptor: clean[1])
        #expect(try second.next() != nil)
        #expect(try second.next() == nil)
        close(clean[1])
    }

    @Test func stormReportsRoundTripAndAreBoundedByWhatWasSent() throws {
        let report = StormReport(threads: [[.init(result: -1, invoked: 5, returned: 9), .init(result: 7, invoked: 9, returned: 30)], []],
                                 pending: [nil, 12])
        var writer = WireWriter()
        report.encode(to: &writer)
        var reader = WireReader(writer.bytes)
        #expect(try StormReport(from: &reader, operations: [2, 1]) == report)
        reader = WireReader(writer.bytes)
        #expect(throws: WireError.self) { _ = try StormReport(from: &reader, operations: [1, 1]) }
        reader = WireReader(writer.bytes)
        #expect(throws: WireError.self) { _ = try StormReport(from: &reader, operations: [2, 1, 1]) }
    }

    @Test func driverReportsRoundTrip() throws {
        let report = DriverReport(status: .subjectEnded, message: "m", evidence: ["a", "b"], phase: "concurrent",
                                  durationMicros: 12,
                                  subjects: [SubjectRecord(saidHello: true, finishAcknowledged: true), SubjectRecord(saidHello: false)],
                                  endedSubject: 1)
        #expect(try DriverReport(wireBytes: report.wireBytes) == report)
        #expect(!report.finishAcknowledged, "the second subject did not acknowledge")
        for start in [SubjectStart.started(index: 2), .refused("no")] {
            #expect(try SubjectStart(wireBytes: start.wireBytes) == start)
        }
        #expect(throws: WireError.self) { _ = try SubjectStart(wireBytes: SubjectStart.started(index: 0).wireBytes) }
        var bad = report.wireBytes
        bad[0] = 42
        #expect(throws: WireError.self) { _ = try DriverReport(wireBytes: bad) }
    }

    /// A descriptor sent along a frame and taken by nobody is closed with the reader that received
    /// it: the only other copy of a pipe's write end gone, its read end sees the end of the stream.
    @Test func aDescriptorNobodyTakesIsClosedWithItsReader() throws {
        var channel: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &channel) == 0)
        defer { close(channel[0]); close(channel[1]) }
        var pipeEnds: [Int32] = [-1, -1]
        // Close-on-exec: a process another test starts meanwhile must not keep the write end open.
        #expect(pipe(&pipeEnds) == 0)
        #expect(fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC) == 0)
        #expect(fcntl(pipeEnds[0], F_SETFL, O_NONBLOCK) == 0)
        defer { close(pipeEnds[0]) }
        try FrameWriter(descriptor: channel[1]).send(Frame(.subjectStarted, id: 1, body: [1, 2, 3]), passing: pipeEnds[1])
        close(pipeEnds[1])
        var byte: UInt8 = 0
        do {
            let reader = FrameReader(descriptor: channel[0], receivesDescriptors: true)
            let frame = try #require(try reader.next())
            #expect(frame.kind == .subjectStarted && frame.body == [1, 2, 3])
            // The received copy of the write end is open: nothing to read yet, but no end either.
            #expect(read(pipeEnds[0], &byte, 1) == -1 && errno == EAGAIN)
        }
        #expect(read(pipeEnds[0], &byte, 1) == 0, "the write end received and not taken was closed")
    }
}
