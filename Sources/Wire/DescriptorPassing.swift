#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open descriptors sent along a frame on a Unix stream socket (`SCM_RIGHTS`): how the grader hands
/// a driver the channel of a subject it started for it (``Frame/Kind/subjectStarted``).
///
/// Only the control channel, whose peer is the grader, carries them: a subject's channel is read
/// with `read(2)`, which closes any descriptor a subject tries to send.
public enum DescriptorPassing {
    /// `CMSG_ALIGN`: control message parts are aligned to the size of `size_t`.
    static func aligned(_ length: Int) -> Int {
        let word = MemoryLayout<Int>.size
        return (length + word - 1) & ~(word - 1)
    }

    static var headerSpace: Int { aligned(MemoryLayout<cmsghdr>.size) }

    /// `CMSG_SPACE` for `count` descriptors.
    static func space(descriptors count: Int) -> Int {
        headerSpace + aligned(count * MemoryLayout<Int32>.size)
    }

    /// Writes `bytes` with `descriptor` attached to the first of them, retrying short writes (the
    /// rest go without it). The descriptor stays open here; the receiver gets its own copy.
    static func send(_ bytes: [UInt8], passing descriptor: Int32, on socket: Int32) throws {
        var control = [UInt8](repeating: 0, count: space(descriptors: 1))
        let sent: Int = bytes.withUnsafeBytes { data in
            control.withUnsafeMutableBytes { raw in
                raw.baseAddress!.withMemoryRebound(to: cmsghdr.self, capacity: 1) { header in
                    header.pointee.cmsg_len = numericCast(headerSpace + MemoryLayout<Int32>.size)
                    header.pointee.cmsg_level = SOL_SOCKET
                    header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                }
                raw.storeBytes(of: descriptor, toByteOffset: headerSpace, as: Int32.self)
                var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = raw.baseAddress
                    message.msg_controllen = numericCast(raw.count)
                    while true {
                        let result = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                        if result < 0 && errno == EINTR { continue }
                        return result
                    }
                }
            }
        }
        guard sent > 0 else { throw ChannelIOError(operation: "sendmsg", code: sent < 0 ? errno : EPIPE) }
        if sent < bytes.count { try ChannelIO.writeAll(socket, Array(bytes[sent...])) }
    }

    /// Reads into `buffer` like `read(2)`, collecting the descriptors that arrive with the bytes
    /// (close-on-exec) into `received`. A control message cut short (`MSG_CTRUNC`) lost descriptors
    /// the kernel has closed: an error (those that did arrive are in `received`, whose owner closes
    /// them).
    static func receive(into buffer: UnsafeMutableRawBufferPointer, from socket: Int32, received: inout [Int32]) throws -> Int {
        let maximum = 4
        var control = [UInt8](repeating: 0, count: space(descriptors: maximum))
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        let (count, flags, controlLength): (Int, Int32, Int) = control.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = raw.baseAddress
                message.msg_controllen = numericCast(raw.count)
                while true {
                    let result = recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC))
                    if result < 0 && errno == EINTR { continue }
                    return (result, message.msg_flags, Int(message.msg_controllen))
                }
            }
        }
        guard count >= 0 else { throw ChannelIOError(operation: "recvmsg", code: errno) }
        var offset = 0
        while offset + headerSpace <= controlLength {
            let (length, level, type) = control.withUnsafeBytes { raw -> (Int, Int32, Int32) in
                let header = raw.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
                return (Int(header.cmsg_len), header.cmsg_level, header.cmsg_type)
            }
            guard length >= headerSpace, offset + length <= controlLength else { break }
            if level == SOL_SOCKET && type == Int32(SCM_RIGHTS) {
                let descriptors = (length - headerSpace) / MemoryLayout<Int32>.size
                for index in 0..<descriptors {
                    received.append(control.withUnsafeBytes {
                        $0.loadUnaligned(fromByteOffset: offset + headerSpace + index * 4, as: Int32.self)
                    })
                }
            }
            offset += aligned(length)
        }
        if flags & Int32(MSG_CTRUNC) != 0 { throw WireError("descriptors sent on the control channel were cut off") }
        return count
    }
}
