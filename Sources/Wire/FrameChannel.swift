#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reads frames from a stream socket or pipe, blocking; one reader per descriptor.
///
/// Strict: a length above the limit, an unknown kind or a stream that ends inside a frame throws
/// ``WireError``; a stream that ends between frames is `nil` (the other side closed).
public final class FrameReader {
    private let descriptor: Int32
    private let maximumBodyBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    private let receivesDescriptors: Bool
    private var descriptors: [Int32] = []

    /// With `receivesDescriptors`, descriptors sent along the bytes (``DescriptorPassing``) are
    /// kept for ``takeDescriptor()``; otherwise the kernel closes them as they are read.
    public init(descriptor: Int32, maximumBodyBytes: Int = ChannelProtocol.maximumBodyBytes, receivesDescriptors: Bool = false) {
        self.descriptor = descriptor
        self.maximumBodyBytes = maximumBodyBytes
        self.receivesDescriptors = receivesDescriptors
    }

    /// Received descriptors nobody took (sent unasked, or left when a read failed) are closed.
    deinit {
        for received in descriptors { close(received) }
    }

    /// The oldest descriptor received and not yet taken (the caller owns it).
    public func takeDescriptor() -> Int32? {
        descriptors.isEmpty ? nil : descriptors.removeFirst()
    }

    /// Whether bytes already read from the descriptor wait here for ``next()`` (the kernel no
    /// longer counts them as unread).
    public var hasBufferedBytes: Bool { buffer.count > start }

    /// The next frame, or nil at the end of the stream. Throws ``WireError`` on malformed bytes,
    /// ``ChannelIOError`` when reading fails.
    public func next() throws -> Frame? {
        guard try fill(4) else { return nil }
        let length = Int(littleEndian(at: start, bytes: 4))
        guard length >= Frame.headerBytes else { throw WireError("frame length \(length) is shorter than its header") }
        guard length - Frame.headerBytes <= maximumBodyBytes else {
            throw WireError("frame body of \(length - Frame.headerBytes) bytes is above the limit of \(maximumBodyBytes)")
        }
        // The kind is checked as soon as it is in: a bogus frame is refused before its body is awaited.
        guard try fill(5) else { throw WireError("the stream ended inside a frame") }
        let kindByte = buffer[start + 4]
        guard let kind = Frame.Kind(rawValue: kindByte) else { throw WireError("unknown frame kind \(kindByte)") }
        guard try fill(4 + length) else { throw WireError("the stream ended inside a frame") }
        let id = littleEndian(at: start + 5, bytes: 8)
        let body = Array(buffer[(start + 4 + Frame.headerBytes)..<(start + 4 + length)])
        start += 4 + length
        return Frame(kind, id: id, body: body)
    }

    /// Reads until `count` bytes are buffered from `start`; false when the stream ended with
    /// nothing of the next frame read, an error when it ended inside one.
    private func fill(_ count: Int) throws -> Bool {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        while buffer.count - start < count {
            let received = try chunk.withUnsafeMutableBytes { raw in
                receivesDescriptors ? try DescriptorPassing.receive(into: raw, from: descriptor, received: &descriptors)
                                    : read(descriptor, raw.baseAddress, raw.count)
            }
            if received < 0 {
                if errno == EINTR { continue }
                throw ChannelIOError(operation: "read", code: errno)
            }
            if received == 0 {
                if buffer.count == start { return false }
                throw WireError("the stream ended inside a frame")
            }
            buffer.append(contentsOf: chunk[0..<received])
        }
        return true
    }

    private func littleEndian(at offset: Int, bytes count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(buffer[offset + index]) << (8 * UInt64(index)) }
        return value
    }
}

/// Writes whole frames to a descriptor; safe to share between threads (writes never interleave).
///
/// Sockets are written with `MSG_NOSIGNAL`, so a peer that has gone away is an error, not a
/// SIGPIPE that would end the writing process.
///
/// With a `deadline` (a `CLOCK_MONOTONIC` reading in nanoseconds, asked again while it waits, so
/// it may move), a peer that stops reading cannot hold the writer past it: the write fails with
/// `ETIMEDOUT` instead of blocking the thread for good (the driver's writes to a hostile subject).
public final class FrameWriter: Sendable {
    private let descriptor: Int32
    private let lock = Mutex<Void>(())
    private let deadline: (@Sendable () -> UInt64)?

    public init(descriptor: Int32, deadline: (@Sendable () -> UInt64)? = nil) {
        self.descriptor = descriptor
        self.deadline = deadline
    }

    public func send(_ frame: Frame) throws {
        let bytes = frame.encoded
        try lock.withLock { _ in try ChannelIO.writeAll(descriptor, bytes, deadline: deadline) }
    }

    /// Sends `frame` with an open descriptor attached (a Unix stream socket only; see
    /// ``DescriptorPassing``). The descriptor stays open here.
    public func send(_ frame: Frame, passing passed: Int32) throws {
        let bytes = frame.encoded
        try lock.withLock { _ in try DescriptorPassing.send(bytes, passing: passed, on: descriptor) }
    }
}

public enum ChannelIO {
    /// Writes every byte, retrying short writes and EINTR; with a `deadline` (see
    /// ``FrameWriter``), a socket that stays full until it passes fails with `ETIMEDOUT`.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], deadline: (@Sendable () -> UInt64)? = nil) throws {
        let flags = Int32(MSG_NOSIGNAL) | (deadline == nil ? 0 : Int32(MSG_DONTWAIT))
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                let pointer = raw.baseAddress! + offset
                let count = raw.count - offset
                let sent = send(descriptor, pointer, count, flags)
                return sent < 0 && errno == ENOTSOCK ? write(descriptor, pointer, count) : sent
            }
            if written < 0 {
                if errno == EINTR { continue }
                if let deadline, errno == EAGAIN || errno == EWOULDBLOCK {
                    let now = monotonicNanos(), until = deadline()
                    guard now < until else { throw ChannelIOError(operation: "write", code: ETIMEDOUT) }
                    var watched = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&watched, 1, Int32(min(100, (until - now) / 1_000_000 + 1)))
                    continue
                }
                throw ChannelIOError(operation: "write", code: errno)
            }
            offset += written
        }
    }

    /// `CLOCK_MONOTONIC` in nanoseconds (the clock of writers' deadlines).
    public static func monotonicNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

public struct ChannelIOError: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation) on the channel failed: \(String(cString: strerror(code)))" }
}
