/// Reads values written by ``WireWriter``, strictly: every read is bounded by what is left, counts
/// and lengths by a maximum the caller gives, and anything malformed throws ``WireError``.
///
/// The driver reads what the subject (the candidate's process) wrote, so every byte it reads is
/// hostile: nothing here traps, allocates more than the input can justify, or accepts a value
/// outside the format.
@frozen
public struct WireReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var position = 0
    /// How many bytes have been read.
    public var offset: Int { position }

    @inlinable
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inlinable public var remaining: Int { bytes.count - position }
    @inlinable public var isAtEnd: Bool { position == bytes.count }

    @inlinable
    public mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw WireError("truncated: expected a byte at position \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    @inlinable
    public mutating func bool() throws -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw WireError("expected a boolean (0 or 1) at position \(position - 1), got \(other)")
        }
    }

    @inlinable
    public mutating func unsigned() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            if shift == 63 && next > 1 { throw WireError("varint overflows 64 bits at position \(position - 1)") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { throw WireError("varint longer than 10 bytes at position \(position)") }
        }
    }

    @inlinable
    public mutating func signed() throws -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    public mutating func int() throws -> Int { Int(try signed()) }

    /// A non-negative Int no larger than `maximum`.
    @inlinable
    public mutating func int(in range: ClosedRange<Int>) throws -> Int {
        let value = try int()
        guard range.contains(value) else { throw WireError("value \(value) outside \(range)") }
        return value
    }

    @inlinable
    public mutating func optionalInt() throws -> Int? {
        try bool() ? try int() : nil
    }

    @inlinable
    public mutating func double() throws -> Double {
        guard remaining >= 8 else { throw WireError("truncated: expected 8 bytes of a double at position \(position)") }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// A length or element count: at most `maximum`, and (each element taking at least
    /// `minimumElementBytes`) no more than the bytes left can hold.
    @inlinable
    public mutating func count(maximum: Int, minimumElementBytes: Int = 1) throws -> Int {
        let raw = try unsigned()
        guard raw <= UInt64(maximum) else { throw WireError("count \(raw) above the limit \(maximum)") }
        let count = Int(raw)
        if minimumElementBytes > 0, count > remaining / minimumElementBytes {
            throw WireError("count \(count) cannot fit in the \(remaining) bytes left")
        }
        return count
    }

    @inlinable
    public mutating func data(maximumBytes: Int) throws -> [UInt8] {
        let length = try count(maximum: maximumBytes)
        defer { position += length }
        return Array(bytes[position..<(position + length)])
    }

    /// A UTF-8 string of at most `maximumBytes`; invalid UTF-8 is refused, not repaired.
    @inlinable
    public mutating func string(maximumBytes: Int) throws -> String {
        let length = try count(maximum: maximumBytes)
        let slice = bytes[position..<(position + length)]
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw WireError("a string at position \(position) is not valid UTF-8")
        }
        position += length
        return text
    }

    @inlinable
    public mutating func optionalString(maximumBytes: Int) throws -> String? {
        try bool() ? try string(maximumBytes: maximumBytes) : nil
    }

    @inlinable
    public mutating func decode<T: WireDecodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: &self)
    }

    /// A count (at most `maximum`), then that many elements.
    @inlinable
    public mutating func array<Element>(maximum: Int, minimumElementBytes: Int = 1,
                                        _ element: (inout WireReader) throws -> Element) throws -> [Element] {
        let count = try count(maximum: maximum, minimumElementBytes: minimumElementBytes)
        var values: [Element] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try element(&self)) }
        return values
    }

    @inlinable
    public mutating func strings(maximum: Int, maximumBytes: Int) throws -> [String] {
        try array(maximum: maximum) { try $0.string(maximumBytes: maximumBytes) }
    }

    /// Fails unless every byte was read: trailing bytes are as malformed as missing ones.
    @inlinable
    public func finish() throws {
        guard isAtEnd else { throw WireError("\(remaining) unexpected trailing bytes") }
    }
}

/// Bytes that are not a well-formed value of the expected shape.
public struct WireError: Error, CustomStringConvertible, Equatable {
    public let message: String
    @inlinable public init(_ message: String) { self.message = message }
    public var description: String { message }
}
