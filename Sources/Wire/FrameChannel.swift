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

    public init(descriptor: Int32, maximumBodyBytes: Int = ChannelProtocol.maximumBodyBytes) {
        self.descriptor = descriptor
        self.maximumBodyBytes = maximumBodyBytes
    }

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
            let received = chunk.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress, raw.count) }
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
public final class FrameWriter: Sendable {
    private let descriptor: Int32
    private let lock = Mutex<Void>(())

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public func send(_ frame: Frame) throws {
        let bytes = frame.encoded
        try lock.withLock { _ in try ChannelIO.writeAll(descriptor, bytes) }
    }
}

public enum ChannelIO {
    /// Writes every byte, retrying short writes and EINTR.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                let pointer = raw.baseAddress! + offset
                let count = raw.count - offset
                let sent = send(descriptor, pointer, count, Int32(MSG_NOSIGNAL))
                return sent < 0 && errno == ENOTSOCK ? write(descriptor, pointer, count) : sent
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ChannelIOError(operation: "write", code: errno)
            }
            offset += written
        }
    }
}

public struct ChannelIOError: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation) on the channel failed: \(String(cString: strerror(code)))" }
}
